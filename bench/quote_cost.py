"""Time the quote rules against bare nlp.pipe over the same bodies: `python -m bench.quote_cost`.

The bodies are PolNeAR dev's (read at run time from ../shared/data/external) or, without
them, the gold set's. Prints seconds per article for nlp.pipe alone, for the entities
stage's rules and for the quotes stage's rules, and each as a ratio of nlp.pipe.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path

from bench.external import EXTERNAL
from schemas.articles import RawArticle

REPO = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Cost:
    """CPU seconds over one set of bodies: the parse, and the rules after it."""

    articles: int
    source: str
    pipe_seconds: float
    entity_rules_seconds: float
    quote_rules_seconds: float


def load_texts() -> tuple[list[str], str]:
    """Return the raw texts to time, and where they came from."""
    gold = EXTERNAL / "polnear-dev" / "gold.jsonl"
    if gold.is_file():
        with gold.open(encoding="utf-8") as rows:
            return [json.loads(line)["raw_text"] for line in rows], "polnear-dev"
    from bench.quality import load_gold

    return [g.raw for g in load_gold()], "tests/gold"


def measure_cost(model: str) -> Cost:
    """Time nlp.pipe, the entity rules and the quote rules over the same cleaned bodies."""
    from streams.nlp.cleaning import clean_article
    from streams.nlp.entities import extract_entities, sentence_spans
    from streams.nlp.model import load_model
    from streams.nlp.quotes import extract_quotes

    texts, source = load_texts()
    nlp = load_model(model)
    bodies = [clean_article(RawArticle(id=f"t{i}", text=t)).body for i, t in enumerate(texts)]
    list(nlp.pipe(bodies[:4]))  # warm up
    started = time.process_time()
    docs = list(nlp.pipe(bodies, batch_size=32))
    pipe = time.process_time() - started
    started = time.process_time()
    annotated = [
        (extract_entities(d, b), sentence_spans(d, b)) for d, b in zip(docs, bodies, strict=True)
    ]
    entity_rules = time.process_time() - started
    started = time.process_time()
    for body, (entities, sentences) in zip(bodies, annotated, strict=True):
        extract_quotes(body, entities, sentences)
    quote_rules = time.process_time() - started
    return Cost(len(bodies), source, pipe, entity_rules, quote_rules)


def format_cost(cost: Cost) -> str:
    """Return the cost figures as lines."""
    per = 1000 / cost.articles
    return "\n".join(
        [
            f"cost over {cost.articles} {cost.source} bodies (CPU ms per article)",
            f"  bare nlp.pipe           {cost.pipe_seconds * per:8.2f}",
            f"  entity rules            {cost.entity_rules_seconds * per:8.2f}"
            f"   ratio {cost.entity_rules_seconds / cost.pipe_seconds:.3f} of nlp.pipe",
            f"  quote rules             {cost.quote_rules_seconds * per:8.2f}"
            f"   ratio {cost.quote_rules_seconds / cost.pipe_seconds:.3f} of nlp.pipe",
            f"  (nlp.pipe + entity rules) / nlp.pipe = "
            f"{(cost.pipe_seconds + cost.entity_rules_seconds) / cost.pipe_seconds:.3f}",
        ]
    )


def main() -> int:
    """Print the cost figures."""
    from streams.config import Settings

    print(format_cost(measure_cost(Settings().spacy_model)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
