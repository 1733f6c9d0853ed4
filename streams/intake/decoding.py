"""Turn message bytes into records, rejecting bad input with one-line reasons.

Used by the stages and by `newsflow enrich`, so both treat a bad article the same way.
"""

from __future__ import annotations

from typing import TypeVar

from pydantic import BaseModel, ValidationError

from schemas import RawArticle

Model = TypeVar("Model", bound=BaseModel)

UTF8_BOM = b"\xef\xbb\xbf"


class RejectedInput(ValueError):
    """A message that can never be processed: its reason is one line for the dead letter."""


def decode_record(value: bytes, model: type[Model]) -> Model:
    """Parse and validate JSON `value` as `model`; raise RejectedInput saying why not."""
    if not value.strip():
        raise RejectedInput("empty message: expected a JSON object")
    try:
        return model.model_validate_json(value.removeprefix(UTF8_BOM))
    except ValidationError as error:
        raise RejectedInput(describe(error, model)) from None
    except RecursionError:
        raise RejectedInput("JSON nested too deeply") from None


def decode_raw_article(value: bytes, max_text_bytes: int) -> RawArticle:
    """Decode a RawArticle, rejecting text or HTML larger than `max_text_bytes`."""
    # Escapes can make JSON up to 6x its text; anything larger cannot be within the limit.
    if len(value) > 6 * max_text_bytes + 65_536:
        raise RejectedInput(f"message of {len(value)} bytes is over the article size limit")
    article = decode_record(value, RawArticle)
    for field in ("text", "html"):
        content = getattr(article, field)
        if content is not None:
            size = len(content.encode("utf-8", "surrogatepass"))
            if size > max_text_bytes:
                raise RejectedInput(
                    f"{field} of article {article.id!r} is {size} bytes, over the limit of "
                    f"{max_text_bytes} (NEWSFLOW_MAX_TEXT_BYTES)"
                )
    return article


def describe(error: ValidationError, model: type[BaseModel]) -> str:
    """Say in one line what made `error`: the first problems, with where they are."""
    problems = []
    for item in error.errors(include_url=False)[:3]:
        where = ".".join(str(part) for part in item["loc"])
        problems.append(f"{where}: {item['msg']}" if where else item["msg"])
    more = error.error_count() - len(problems)
    suffix = f" (and {more} more)" if more > 0 else ""
    return f"not a valid {model.__name__}: " + "; ".join(problems) + suffix
