"""Short varied articles for fault tests: each names a person and carries one direct quote."""

from __future__ import annotations

import json
import random

PEOPLE = (
    "Maria Gonzalez",
    "Kwame Mensah",
    "Ingrid Larsen",
    "Rahul Mehta",
    "Sofia Rossi",
    "Daniel Okafor",
    "Hannah Weber",
    "Tomasz Kowalski",
)
PLACES = ("Nairobi", "Lisbon", "Toronto", "Osaka", "Lyon", "Denver", "Accra", "Bergen")
TOPICS = ("rail fares", "school meals", "harbour dredging", "solar tariffs", "bus lanes")
SENTENCES = (
    "The council in {place} met on Tuesday to discuss {topic}.",
    "Officials said the plan would be reviewed again next spring.",
    "Residents have complained about {topic} for several years.",
    "A report published last month found costs had risen sharply.",
    "The proposal still needs approval from the regional assembly.",
    "Local businesses in {place} said they were watching closely.",
    "Critics argued the timetable was too ambitious for a small city.",
    "Supporters pointed to similar schemes that worked elsewhere.",
    "The budget for {topic} was cut twice in the past decade.",
    "Union leaders asked for a public consultation before any vote.",
)
QUOTES = (
    "We cannot wait another year for a decision on {topic}",
    "This is the fairest option we have seen so far",
    "People in {place} deserve a clear answer",
    "The numbers simply do not add up",
)


def article(article_id: str, rng: random.Random) -> dict[str, str]:
    """Return a RawArticle dict of 60-150 words with one named speaker and one quote."""
    person, place, topic = rng.choice(PEOPLE), rng.choice(PLACES), rng.choice(TOPICS)
    fill = {"place": place, "topic": topic}
    sentences = [s.format(**fill) for s in rng.sample(SENTENCES, rng.randint(5, 9))]
    quote = rng.choice(QUOTES).format(**fill)
    sentences.insert(rng.randint(1, 3), f'"{quote}," {person} said.')
    text = f"{place} weighs {topic}\n\n" + " ".join(sentences)
    return {"id": article_id, "text": text, "language": "en", "source": "Fault Wire"}


def articles(prefix: str, count: int, seed: int = 0) -> list[tuple[str, bytes]]:
    """Return `count` (id, JSON bytes) pairs with ids `<prefix>-<n>`."""
    rng = random.Random(f"{prefix}-{seed}")
    pairs = []
    for n in range(count):
        article_id = f"{prefix}-{n:05d}"
        pairs.append((article_id, json.dumps(article(article_id, rng)).encode()))
    return pairs
