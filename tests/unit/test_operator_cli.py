"""What the operator sees from `publish` and `consume`: progress, summary, filters, table."""

from __future__ import annotations

from pathlib import Path

import pytest

from streams.answers.consuming import record_matches, table_row
from streams.cli import build_parser, main
from streams.intake.publishing import Progress, PublishReport, plan_files, progress_line

RECORD = {
    "id": "kenya-loans",
    "headline": "Kenya caps\n fees",
    "entities": [{"name": "Central Bank of Kenya", "aliases": ["CBK"], "label": "ORG"}],
    "quotes": [{"speaker": "Wanjiru Kamau"}, {"speaker": None}],
}


def test_progress_line_shows_the_bar_counts_and_rate() -> None:
    line = progress_line(Progress(5, 10, 40, 2, 4.0), width=10)
    assert line.startswith("[#####.....] 5/10 files")
    assert "40 sent" in line and "2 failed" in line and "10.0 articles/s" in line


def test_summary_counts_published_skipped_and_failed() -> None:
    report = PublishReport(3, ["seeds/README.md"], [("bad.json", "no id")])
    assert report.summary() == "published 3, skipped 1, failed 1"


def test_folders_skip_files_that_are_not_articles_but_named_files_are_read(tmp_path: Path) -> None:
    (tmp_path / "a.json").write_text("{}")
    (tmp_path / "notes.md").write_text("x")
    (tmp_path / ".hidden").write_text("x")
    files, skipped = plan_files([str(tmp_path), str(tmp_path / "notes.md")])
    assert files == [str(tmp_path / "a.json"), str(tmp_path / "notes.md")]
    assert skipped == [str(tmp_path / "notes.md")]
    with pytest.raises(FileNotFoundError):
        plan_files([str(tmp_path / "missing")])


@pytest.mark.parametrize(
    ("entity", "speaker", "matches"),
    [
        (None, None, True),
        ("kenya", None, True),
        ("cbk", None, True),
        ("Nairobi", None, False),
        (None, "kamau", True),
        (None, "Ruto", False),
        ("Kenya", "Ruto", False),
    ],
)
def test_records_are_filtered_by_entity_or_alias_and_by_speaker(
    entity: str | None, speaker: str | None, matches: bool
) -> None:
    assert record_matches(RECORD, entity, speaker) is matches


def test_a_table_row_is_one_line_with_counts_and_speakers() -> None:
    row = table_row(RECORD)
    assert "\n" not in row
    assert row.split()[:3] == ["kenya-loans", "1", "2"]
    assert row.endswith("Kenya caps fees / Wanjiru Kamau")


@pytest.mark.parametrize(
    "argv",
    [
        ["view", "--port", "0"],
        ["consume", "--from-beginning", "--follow", "--entity", "Kenya", "--format", "table"],
        ["consume", "--speaker", "Kamau", "--max", "1"],
        ["publish", "--progress", "never", "seeds/"],
    ],
)
def test_new_options_parse(argv: list[str]) -> None:
    build_parser().parse_args(argv)


def test_every_subcommand_help_has_examples(capsys: pytest.CaptureFixture[str]) -> None:
    parser = build_parser()
    commands = parser._subparsers._group_actions[0].choices  # type: ignore[union-attr]
    for name in commands:
        with pytest.raises(SystemExit) as exit_:
            main([name, "--help"])
        assert exit_.value.code == 0
        out = capsys.readouterr().out
        assert "examples:" in out and f"newsflow {name}" in out.split("examples:")[1], name


def test_a_taken_viewer_port_is_one_line_with_what_to_do(
    capsys: pytest.CaptureFixture[str],
) -> None:
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert main(["view", "--port", str(port)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--port" in err


def test_only_matching_records_come_through_with_their_text() -> None:
    import json

    from streams.answers.consuming import Message, matching_records

    values = [b"not json", b"[1]", json.dumps(RECORD).encode(), b'{"id": "other"}']
    messages = [Message("t", 0, n, None, None, value) for n, value in enumerate(values)]
    found = list(matching_records(messages, "kenya", None))
    assert [(message.offset, record["id"]) for message, _, record in found] == [(2, "kenya-loans")]
    assert json.loads(found[0][1]) == RECORD
