"""The answer commands parse, and their errors are one line with a documented exit status."""

from __future__ import annotations

import pytest

from streams.cli import build_parser, main


@pytest.mark.parametrize(
    "argv",
    [
        ["quotes", "--speaker", "Wang Yi", "--about", "North Korea", "--since", "7d"],
        ["people", "--top", "20", "--format", "csv"],
        ["people", "--quoted", "--about", "Kenya", "--source", "Example Wire"],
        ["entity", "Wang Yi", "--related", "--format", "json"],
        ["search", "hegemony", "--in", "quotes"],
        ["export", "--format", "jsonl", "--out", "x"],
        ["db", "index"],
    ],
)
def test_every_answer_command_parses(argv: list[str]) -> None:
    build_parser().parse_args(argv)


def test_an_unknown_export_format_is_a_usage_error() -> None:
    with pytest.raises(SystemExit) as raised:
        build_parser().parse_args(["export", "--format", "xlsx"])
    assert raised.value.code == 2


def test_a_time_that_is_not_one_is_one_line_and_status_1(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["quotes", "--since", "last week"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "give an age (30m, 24h, 7d, 2w)" in err


def test_an_unreachable_database_is_one_line_and_status_69(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from streams.config import get_settings

    monkeypatch.setenv("NEWSFLOW_DATABASE_URL", "postgresql://u:p@127.0.0.1:1/db")
    get_settings.cache_clear()
    try:
        assert main(["people", "--top", "3"]) == 69
    finally:
        get_settings.cache_clear()
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "PostgreSQL is not reachable" in err
