"""The `newsflow` command's surface: subcommands parse, errors are one line."""

from __future__ import annotations

import pytest

from streams.cli import build_parser, main


@pytest.mark.parametrize(
    "argv",
    [
        ["stack", "up"],
        ["stack", "status"],
        ["topics", "create"],
        ["db", "migrate"],
        ["worker", "entities"],
        ["worker", "all"],
        ["publish", "seeds/", "-"],
        ["consume", "--from-beginning", "--max", "3", "--timeout", "5"],
        ["enrich", "seeds/001.json"],
        ["show", "--limit", "5"],
        ["reprocess"],
        ["reprocess", "--since", "2026-11-01", "--source", "Wire", "--rate", "20"],
        ["reprocess", "--ids", "a-1", "a-2", "--restart", "--progress", "never"],
        ["reprocess", "--report", "7"],
    ],
)
def test_every_documented_command_parses(argv: list[str]) -> None:
    build_parser().parse_args(argv)


def test_an_unknown_stage_is_refused() -> None:
    with pytest.raises(SystemExit):
        build_parser().parse_args(["worker", "translate"])


def test_an_unreachable_broker_is_one_line_with_what_to_do(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from streams.config import get_settings

    monkeypatch.setenv("NEWSFLOW_KAFKA_BOOTSTRAP", "127.0.0.1:1")
    get_settings.cache_clear()
    try:
        assert main(["topics", "create"]) == 69
    finally:
        get_settings.cache_clear()
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "Kafka is not reachable at 127.0.0.1:1" in err and "newsflow stack up" in err


def test_a_settings_error_names_the_variable_not_its_value() -> None:
    from pydantic import ValidationError

    from streams.config import Settings, describe_settings_error, is_settings_error

    with pytest.raises(ValidationError) as caught:
        Settings(partitions="abc", database_url="postgresql://u:secret@h/db")  # type: ignore[arg-type]
    assert is_settings_error(caught.value)
    message = describe_settings_error(caught.value)
    assert message.startswith("invalid setting NEWSFLOW_PARTITIONS: ")
    assert "abc" not in message and "secret" not in message and "\n" not in message


@pytest.mark.parametrize(
    ("start", "expected"),
    [("beginning", 10), ("end", 50), (20, 20), (5, 10), (99, 50), (-5, 45), (-99, 10)],
)
def test_a_start_offset_is_kept_within_what_the_partition_holds(
    start: str | int, expected: int
) -> None:
    from streams.answers.consuming import start_offset

    assert start_offset(start, 10, 50) == expected  # type: ignore[arg-type]


def test_offsets_parse_like_kcat() -> None:
    from streams.answers.consuming import parse_start

    assert [parse_start(t) for t in ("beginning", "end", "7", "-3")] == ["beginning", "end", 7, -3]
    with pytest.raises(ValueError, match="not an offset"):
        parse_start("stored")


def test_a_missing_topic_or_partition_says_what_there_is() -> None:
    from streams.answers.consuming import ConsumeError, chosen_partitions

    assert chosen_partitions("t", {0, 1, 2}, None) == [0, 1, 2]
    assert chosen_partitions("t", {0, 1, 2}, 1) == [1]
    with pytest.raises(ConsumeError, match="topic t has partitions 0-2, not 7"):
        chosen_partitions("t", {0, 1, 2}, 7)
    with pytest.raises(ConsumeError, match="topic nope does not exist"):
        chosen_partitions("nope", None, None)


def test_the_meta_envelope_holds_the_record_under_value() -> None:
    from streams.answers.consuming import Message

    message = Message("articles.enriched", 2, 17, 1_700_000_000_000, b"a1", b"{}")
    assert message.envelope({"id": "a1"}) == {
        "topic": "articles.enriched",
        "partition": 2,
        "offset": 17,
        "timestamp": 1_700_000_000_000,
        "key": "a1",
        "value": {"id": "a1"},
    }


@pytest.mark.parametrize(
    ("argv", "complaint"),
    [
        (["view", "--port", "99999"], "--port: 99999 is out of range"),
        (["consume", "--max", "-1"], "--max: -1 is out of range"),
        (["consume", "--timeout", "0"], "--timeout: 0 is out of range"),
        (["consume", "--offset", "stored"], "not an offset"),
        (["consume", "--from-beginning", "--offset", "3"], "not allowed with argument"),
        (["enrich", "--n-process", "0"], "--n-process: 0 is out of range"),
        (["consume", "--bogus"], "unrecognized arguments: --bogus"),
        (["dlq", "replay"], "name the dead letters to replay"),
    ],
)
def test_a_usage_error_shows_the_commands_usage_and_one_line(
    argv: list[str], complaint: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(argv)
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith(f"usage: newsflow {argv[0]} ")
    [error_line] = [line for line in err.splitlines() if "error:" in line]
    assert error_line.startswith(f"newsflow {argv[0]}: error: ") and complaint in error_line


def test_a_reprocess_since_that_is_no_date_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["reprocess", "--since", "last tuesday"]) == 1
    err = capsys.readouterr().err
    assert err == "newsflow reprocess: --since 'last tuesday' is not an ISO 8601 date\n"
