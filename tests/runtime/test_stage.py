"""The stage engine on in-memory events: every output sent before the batch returns, every
failure a dead letter with the original bytes, nothing else dropped."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence

from kafka.errors import KafkaTimeoutError, MessageSizeTooLargeError

from schemas import CleanArticle, DeadLetter, RawArticle
from streams.agents.clean import STAGE, clean_all
from streams.intake.decoding import decode_raw_article
from streams.runtime.messages import Inbound
from streams.runtime.sending import Sender
from streams.runtime.stage import Stage, process_batch
from streams.runtime.transforms import ThreadRunner
from tests.memory import MemoryEvent, MemoryTopic, event_of


def raw(article_id: str, text: str = "Ada Lovelace said the engine weaves.") -> RawArticle:
    return RawArticle(id=article_id, text=text)


def decode(message: Inbound) -> tuple[RawArticle, int | None]:
    return decode_raw_article(message.value, 1_000_000), message.timestamp_ms


def clean_unless_poison(received: Sequence[tuple[RawArticle, int | None]]) -> list[CleanArticle]:
    """The clean stage's transform, failing on any article whose id is "poison"."""
    if any(article.id == "poison" for article, _ in received):
        raise ValueError("poisoned")
    return clean_all(received)


def run(
    events: list[MemoryEvent], target: MemoryTopic | None = None
) -> tuple[MemoryTopic, MemoryTopic]:
    """Process `events` as one batch of the clean stage; return its output and DLQ topics."""
    target = target or MemoryTopic("articles.clean")
    dlq = MemoryTopic("articles.dlq")
    stage = Stage(STAGE, decode, ThreadRunner(clean_unless_poison))
    asyncio.run(process_batch(stage, target, Sender(dlq, STAGE.name), events, timeout_s=30.0))
    return target, dlq


def letters(dlq: MemoryTopic) -> list[DeadLetter]:
    return [DeadLetter.model_validate_json(value) for _, value in dlq.sent]


def test_each_article_of_a_batch_is_sent_keyed_by_its_id() -> None:
    target, dlq = run([event_of(raw("a"), 0, topic="articles.raw"), event_of(raw("b"), 1)])
    assert [key for key, _ in target.sent] == [b"a", b"b"]
    assert CleanArticle.model_validate_json(target.sent[0][1]).body.startswith("Ada Lovelace")
    assert dlq.sent == []


def test_a_message_that_is_not_an_article_is_dead_lettered_with_its_bytes() -> None:
    bad = event_of(b'{"id": 7, "text": "not a string id"}', 1, topic="articles.raw")
    target, dlq = run([event_of(raw("a"), 0, topic="articles.raw"), bad])
    assert [key for key, _ in target.sent] == [b"a"]
    (letter,) = letters(dlq)
    assert (letter.stage, letter.topic, letter.offset) == ("clean", "articles.raw", 1)
    assert letter.payload == bad.message.value
    assert "not a valid RawArticle" in letter.error


def test_an_article_the_transform_fails_on_is_dead_lettered_and_the_rest_go_on() -> None:
    target, dlq = run([event_of(raw("a"), 0), event_of(raw("poison"), 1), event_of(raw("b"), 2)])
    assert [key for key, _ in target.sent] == [b"a", b"b"]
    (letter,) = letters(dlq)
    assert (letter.key, letter.error_type, letter.error) == (b"poison", "ValueError", "poisoned")


def test_a_send_that_fails_for_a_passing_reason_is_sent_again_until_it_goes_through() -> None:
    target = MemoryTopic("articles.clean", failures=[KafkaTimeoutError(), KafkaTimeoutError()])
    target, dlq = run([event_of(raw("a"), 0)], target)
    assert [key for key, _ in target.sent] == [b"a"]
    assert dlq.sent == []


def test_an_output_the_broker_refuses_for_good_dead_letters_its_input() -> None:
    target = MemoryTopic("articles.clean", failures=[MessageSizeTooLargeError()])
    message = event_of(raw("big"), 4, topic="articles.raw")
    target, dlq = run([message], target)
    assert target.sent == []
    (letter,) = letters(dlq)
    assert (letter.error_type, letter.offset) == ("MessageSizeTooLargeError", 4)
    assert json.loads(letter.payload)["id"] == "big"
