"""Operator tooling without a broker: the lag table, DLQ replay marks, purge ages, topic configs."""

from __future__ import annotations

import json

import pytest

from schemas import DeadLetter
from streams.broker.topics import Offsets, topic_configs
from streams.cli import build_parser
from streams.intake.decoding import RejectedInput
from streams.ops import dlq
from streams.ops.lag import StageLag, as_json, over, table
from streams.stages import CLEAN, DLQ, DLQ_REPLAYED, RAW

LAGS = [
    StageLag("clean", Offsets("newsflow-clean", RAW, 0, 90, 100)),
    StageLag("clean", Offsets("newsflow-clean", RAW, 1, None, 7)),
]


def test_the_lag_table_has_a_header_a_row_per_partition_and_a_dash_for_never_committed() -> None:
    lines = table(LAGS).splitlines()
    assert lines[0].split() == ["stage", "group", "topic", "partition", "committed", "end", "lag"]
    assert lines[1].split() == ["clean", "newsflow-clean", RAW, "0", "90", "100", "10"]
    assert lines[2].split() == ["clean", "newsflow-clean", RAW, "1", "-", "7", "7"]
    assert len({line.index("topic" if n == 0 else RAW) for n, line in enumerate(lines)}) == 1


def test_the_lag_json_is_one_object_per_partition() -> None:
    rows = json.loads(as_json(LAGS))
    assert rows[1] == {
        "stage": "clean",
        "group": "newsflow-clean",
        "topic": RAW,
        "partition": 1,
        "committed": None,
        "end": 7,
        "lag": 7,
    }
    assert [lag.offsets.partition for lag in over(LAGS, 7)] == [0]


def letter_at(partition: int, offset: int, origin_offset: int) -> dlq.Letter:
    letter = DeadLetter.of(
        stage="clean",
        error=RejectedInput("not a valid RawArticle"),
        topic=RAW,
        partition=0,
        offset=origin_offset,
        key=b"k",
        payload=b"{}",
    )
    return dlq.Letter(partition, offset, letter)


def test_a_replay_record_marks_only_the_letter_it_was_written_for() -> None:
    replayed = letter_at(0, 5, origin_offset=42)
    reused = letter_at(1, 3, origin_offset=43)  # same name as an old replay, another letter
    fresh = letter_at(2, 9, origin_offset=44)
    at = "2026-12-01T10:00:00Z"
    replays = {
        "0:5": dlq.Replay("0:5", replayed.origin, RAW, at),
        "1:3": dlq.Replay("1:3", f"{RAW}[0]@1", RAW, at),
    }
    marked = dlq.with_replays([replayed, reused, fresh], replays)
    assert [item.replayed is not None for item in marked] == [True, False, False]
    assert [item.name for item in dlq.not_replayed(marked)] == ["1:3", "2:9"]
    assert dlq.summary(marked[0]).endswith(f"\treplayed {at}")
    assert dlq.summary(marked[1]).endswith("\t-")
    assert json.loads(dlq.details(marked[0]))["replayed"] == at
    record = replays["0:5"]
    assert dlq.Replay.from_record(b"0:5", record.to_json()) == record


@pytest.mark.parametrize(
    ("text", "seconds"), [("14d", 14 * 86_400), ("36h", 129_600), ("90m", 5400), ("2w", 1_209_600)]
)
def test_ages_read_in_their_unit(text: str, seconds: float) -> None:
    assert dlq.parse_age(text) == seconds


@pytest.mark.parametrize("text", ["14", "d", "-3d", "14 days", ""])
def test_an_age_without_a_unit_is_refused_with_an_example(text: str) -> None:
    with pytest.raises(ValueError, match=r"e\.g\. 14d"):
        dlq.parse_age(text)


def test_only_the_dead_letter_topics_get_their_own_retention_and_compaction() -> None:
    assert topic_configs(DLQ, dlq_retention_days=28)["retention.ms"] == str(28 * 24 * 3600 * 1000)
    assert topic_configs(DLQ_REPLAYED)["cleanup.policy"] == "compact"
    assert set(topic_configs(CLEAN)) == {"max.message.bytes", "min.insync.replicas"}


def test_the_dlq_retention_default_is_weeks(monkeypatch: pytest.MonkeyPatch) -> None:
    from streams.config import Settings

    monkeypatch.delenv("NEWSFLOW_DLQ_RETENTION_DAYS", raising=False)
    assert Settings().dlq_retention_days >= 14


@pytest.mark.parametrize(
    "argv",
    [
        ["lag"],
        ["lag", "--format", "json", "--fail-above", "10"],
        ["lag", "--serve", "9399", "--host", "0.0.0.0"],
        ["dlq", "replay", "--stage", "clean", "--dry-run"],
        ["dlq", "replay", "0:5", "--again"],
        ["dlq", "purge", "--older-than", "14d", "--dry-run"],
    ],
)
def test_the_operations_commands_parse(argv: list[str]) -> None:
    build_parser().parse_args(argv)
