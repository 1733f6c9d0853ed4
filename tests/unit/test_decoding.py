"""Bad input is rejected with a one-line reason; good input decodes."""

from __future__ import annotations

import json

import pytest

from streams.intake.decoding import RejectedInput, decode_raw_article

LIMIT = 1_000


def reason(value: bytes) -> str:
    with pytest.raises(RejectedInput) as caught:
        decode_raw_article(value, LIMIT)
    message = str(caught.value)
    assert "\n" not in message
    return message


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (b"", "empty message"),
        (b"   ", "empty message"),
        (b'{"id": "a", "text": "cut off', "Invalid JSON"),
        (b"[1, 2]", "Input should be an object"),
        (b"42", "Input should be an object"),
        (b'{"id": 42, "text": "numbers are not ids"}', "id: Input should be a valid string"),
        (b'{"id": "", "text": "x"}', "id:"),
        (b'{"id": "a"}', "needs non-empty 'text' or 'html'"),
        (b'{"id": "a", "text": " \\u00a0\\u200b "}', "needs non-empty 'text' or 'html'"),
        (b"\xff\xfe{}", "Invalid JSON"),
        (b"[" * 100_000, "over the article size limit"),
    ],
)
def test_bad_input_is_rejected_with_a_reason(value: bytes, expected: str) -> None:
    assert expected in reason(value)


def test_deep_nesting_within_the_size_limit_is_rejected_not_a_crash() -> None:
    nested = b'{"id": "a", "text": "x", "metadata": ' + b'{"a": ' * 2000 + b"1" + b"}" * 2000 + b"}"
    with pytest.raises(RejectedInput, match="recursion limit"):
        decode_raw_article(nested, 10**6)


def test_text_over_the_limit_is_rejected_before_nlp() -> None:
    assert "over the limit" in reason(json.dumps({"id": "a", "text": "x" * (LIMIT + 1)}).encode())


def test_a_utf8_bom_and_unknown_fields_are_accepted() -> None:
    article = decode_raw_article(b'\xef\xbb\xbf{"id": "a", "text": "Hello.", "extra": 1}', LIMIT)
    assert (article.id, article.text) == ("a", "Hello.")


def test_html_only_articles_decode() -> None:
    assert decode_raw_article(b'{"id": "a", "html": "<p>Hi</p>"}', LIMIT).html == "<p>Hi</p>"
