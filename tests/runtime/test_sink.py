"""The sinks' generic part on in-memory events: written once, acked only after the write,
retried while the destination pushes back, refused records dead-lettered alone."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from schemas import DeadLetter, EnrichedArticle
from streams.runtime.sending import Sender
from streams.sinks.base import Writer, prepare
from tests.memory import ListSink, MemoryEvent, MemoryTopic, event_of


def record(article_id: str, headline: str = "Headline") -> EnrichedArticle:
    return EnrichedArticle(id=article_id, headline=headline, body="Body.", content_hash="0" * 64)


def drain(sink: ListSink, batches: list[list[MemoryEvent]]) -> MemoryTopic:
    """Hand `batches` to a Writer as the sink's agent does, wait until stored; return the DLQ."""
    dlq = MemoryTopic("articles.dlq")

    async def scenario() -> None:
        writer = Writer(sink, [Sender(dlq, "sink")], "sink")
        for events in batches:
            await writer.submit(prepare(sink, events, 0.0))
            take_batches_ack(events)
        await writer.wait_idle()

    asyncio.run(scenario())
    return dlq


def take_batches_ack(events: list[MemoryEvent]) -> None:
    """Ack as take_batches does once the agent asks for the next batch: the writer still holds
    its own reference, so the events stay unacked until their write returns."""
    for event in events:
        event.ack()


def letters(dlq: MemoryTopic) -> list[DeadLetter]:
    return [DeadLetter.model_validate_json(value) for _, value in dlq.sent]


def test_a_batch_is_written_once_and_acked_only_after_the_write() -> None:
    events = [event_of(record("a"), 0), event_of(record("b"), 1)]
    sink = ListSink()
    drain(sink, [events])
    assert sink.written == [[("a", 0), ("b", 1)]]
    assert all(event.acked for event in events)


def test_nothing_is_acked_while_the_write_has_not_returned() -> None:
    events = [event_of(record("a"), 0)]

    async def scenario() -> bool:
        sink = ListSink(busy_times=1_000, retry_after=0.05)  # pushes back while the test looks
        writer = Writer(sink, [Sender(MemoryTopic("articles.dlq"), "sink")], "sink")
        await writer.submit(prepare(sink, events, 0.0))
        take_batches_ack(events)
        await asyncio.sleep(0.2)
        return events[0].acked

    assert asyncio.run(scenario()) is False


def test_a_destination_that_pushes_back_gets_the_same_batch_again_until_it_takes_it() -> None:
    sink = ListSink(busy_times=3)
    dlq = drain(sink, [[event_of(record("a"), 0), event_of(record("b"), 1)]])
    assert sink.written == [[("a", 0), ("b", 1)]]
    assert dlq.sent == []


def test_a_refused_record_is_dead_lettered_with_the_destinations_error_the_rest_stored() -> None:
    sink = ListSink(refused_ids=["bad"])
    batch = [event_of(record("a"), 0), event_of(record("bad"), 1), event_of(record("b"), 2)]
    dlq = drain(sink, [batch])
    assert sorted(item for written in sink.written for item in written) == [("a", 0), ("b", 2)]
    (letter,) = letters(dlq)
    assert (letter.key, letter.offset, letter.error_type) == (b"bad", 1, "ValueError")
    assert letter.payload == batch[1].message.value


def test_a_record_that_does_not_decode_is_dead_lettered_and_the_batch_stored() -> None:
    sink = ListSink()
    dlq = drain(sink, [[event_of(b"{not json", 0), event_of(record("a"), 1)]])
    assert sink.written == [[("a", 1)]]
    assert [letter.offset for letter in letters(dlq)] == [0]


def test_a_sink_keyed_by_article_keeps_the_later_of_two_versions_in_a_batch() -> None:
    class LatestSink(ListSink):
        latest_per_article = True

    sink = LatestSink()
    events = [event_of(record("a", "old"), 1), event_of(record("b"), 2), event_of(record("a"), 3)]
    drain(sink, [events])
    assert sink.written == [[("a", 3), ("b", 2)]]


def test_a_log_sink_keeps_every_version() -> None:
    sink = ListSink()
    drain(sink, [[event_of(record("a", "old"), 1), event_of(record("a", "new"), 2)]])
    assert sink.written == [[("a", 1), ("a", 2)]]


def test_batches_are_written_in_the_order_they_came() -> None:
    sink = ListSink()
    drain(sink, [[event_of(record(str(n)), n)] for n in range(5)])
    assert [written[0][1] for written in sink.written] == [0, 1, 2, 3, 4]


class GatedSink(ListSink):
    """Holds every write until the test opens the gate; counts the writes under way."""

    def __init__(self) -> None:
        super().__init__()
        self.gate = asyncio.Event()
        self.under_way = 0
        self.most_under_way = 0

    async def write(self, items: Sequence[tuple[str, int]]) -> None:
        self.under_way += 1
        self.most_under_way = max(self.most_under_way, self.under_way)
        await self.gate.wait()
        self.under_way -= 1
        await super().write(items)


def test_with_two_senders_two_batches_are_written_at_once_each_acked_after_its_own_write() -> None:
    first = [event_of(record("a"), 0)]
    second = [event_of(record("b"), 1)]
    sink = GatedSink()
    dlq = MemoryTopic("articles.dlq")

    async def scenario() -> None:
        writer = Writer(sink, [Sender(dlq, "sink"), Sender(dlq, "sink")], "sink")
        for events in (first, second):
            await writer.submit(prepare(sink, events, 0.0))
            take_batches_ack(events)
        await asyncio.sleep(0.05)
        assert sink.most_under_way == 2
        assert not any(event.acked for event in first + second)
        sink.gate.set()
        await writer.wait_idle()

    asyncio.run(scenario())
    assert sorted(sink.written) == [[("a", 0)], [("b", 1)]]
    assert all(event.acked for event in first + second)
