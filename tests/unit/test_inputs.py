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


def test_a_named_file_of_unknown_kind_fails_before_anything_is_read(tmp_path: Path) -> None:
    from streams.intake.inputs import UnknownKindError

    (tmp_path / "a.jsonl").write_text('{"id": "a", "text": "A."}\n')
    (tmp_path / "x.csv").write_text("id,text\n")
    with pytest.raises(UnknownKindError, match=r"x\.csv: unknown kind of file \(use .*\.jsonl"):
        read_inputs([str(tmp_path / "a.jsonl"), str(tmp_path / "x.csv")], io.BytesIO())


def test_stdin_lines_come_as_written_and_say_when_none_is_waiting() -> None:
    import os

    from streams.intake.inputs import StdinLines

    read_end, write_end = os.pipe()
    with os.fdopen(read_end, "rb", buffering=0) as reader, os.fdopen(write_end, "wb") as writer:
        stdin = StdinLines(reader)
        items = read_inputs(["-"], stdin)
        writer.write(b'\n{"id": "a", "text": "A."}\n{"id": "b", "text": "B."}\n')
        writer.flush()
        first = next(items)  # the writer is still open: a line comes without waiting for EOF
        assert (first.origin, first.key) == ("stdin:2", b"a")
        assert stdin.ready()  # the second line is in the buffer
        assert next(items).key == b"b"
        assert not stdin.ready()  # nothing more written yet
        writer.write(b'{"id": "c", "text": "C."}')
        writer.close()
        assert stdin.ready()
        assert [item.key for item in items] == [b"c"]


def test_a_large_json_lines_file_is_read_a_line_at_a_time(tmp_path: Path) -> None:
    path = tmp_path / "many.jsonl"
    path.write_text("".join(json.dumps({"id": f"n{n}", "text": "T."}) + "\n" for n in range(3)))
    items = read_inputs([str(path)], io.BytesIO())
    assert next(items).key == b"n0"
    with path.open("a") as more:  # a line added after reading began is still read
        more.write(json.dumps({"id": "late", "text": "T."}) + "\n")
    assert [item.key for item in items] == [b"n1", b"n2", b"late"]
