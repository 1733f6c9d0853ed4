"""Files, folders and stdin become RawArticle messages keyed by id."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from streams.intake.inputs import read_inputs


def values(paths: list[str], stdin: bytes = b"") -> list[dict[str, object]]:
    return [json.loads(item.value) for item in read_inputs(paths, io.BytesIO(stdin))]


def test_a_text_file_becomes_an_article_named_after_the_file(tmp_path: Path) -> None:
    (tmp_path / "budget-vote.txt").write_text("Budget passes\n\nThe council voted.")
    assert values([str(tmp_path / "budget-vote.txt")]) == [
        {"id": "budget-vote", "text": "Budget passes\n\nThe council voted."}
    ]


def test_html_json_and_jsonl_files_in_a_folder_are_read_in_name_order(tmp_path: Path) -> None:
    (tmp_path / "b.html").write_text("<p>Hi</p>")
    (tmp_path / "a.json").write_text(json.dumps({"id": "a", "text": "A."}))
    (tmp_path / "c.jsonl").write_text('{"id": "c1", "text": "C."}\n\n{"id": "c2", "text": "D."}\n')
    (tmp_path / "notes.csv").write_text("ignored")
    assert [v["id"] for v in values([str(tmp_path)])] == ["a", "b", "c1", "c2"]


def test_a_json_array_gives_one_message_per_element(tmp_path: Path) -> None:
    (tmp_path / "many.json").write_text(
        json.dumps([{"id": "x", "text": "X."}, {"id": "y", "text": "Y."}])
    )
    items = list(read_inputs([str(tmp_path / "many.json")], io.BytesIO()))
    assert [(i.origin.endswith("[1]"), i.key) for i in items] == [(True, b"x"), (False, b"y")]


def test_stdin_json_lines_keep_their_bytes_and_line_numbers() -> None:
    items = list(read_inputs(["-"], io.BytesIO(b'{"id": "s", "text": "S."}\n{broken\n')))
    assert [(i.origin, i.value, i.key) for i in items] == [
        ("stdin:1", b'{"id": "s", "text": "S."}', b"s"),
        ("stdin:2", b"{broken", None),
    ]


def test_plain_text_on_stdin_is_one_article() -> None:
    assert values(["-"], b"Just some text.") == [{"id": "stdin", "text": "Just some text."}]


def test_a_missing_path_is_a_clear_error() -> None:
    with pytest.raises(FileNotFoundError, match="no such file or folder: nope"):
        list(read_inputs(["nope"], io.BytesIO()))
