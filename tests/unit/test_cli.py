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


def test_a_reprocess_since_that_is_no_date_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["reprocess", "--since", "last tuesday"]) == 1
    err = capsys.readouterr().err
    assert err == "newsflow reprocess: --since 'last tuesday' is not an ISO 8601 date\n"
