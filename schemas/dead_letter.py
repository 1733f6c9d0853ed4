"""The record on `articles.dlq`: a message a stage could not process, with its original bytes."""

from __future__ import annotations

import base64
from datetime import UTC, datetime

from pydantic import BaseModel, ConfigDict, Field

from schemas.articles import SCHEMA_VERSION


class DeadLetter(BaseModel):
    """Why a stage gave up on a message, and the message itself, to inspect and replay."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    schema_version: int = SCHEMA_VERSION
    stage: str
    error_type: str
    error: str = Field(description="One line saying what failed.")
    topic: str
    partition: int
    offset: int
    key_b64: str | None = Field(None, description="The message key, base64.")
    payload_b64: str = Field(description="The message value exactly as received, base64.")
    failed_at: datetime = Field(default_factory=lambda: datetime.now(UTC))

    @property
    def payload(self) -> bytes:
        return base64.b64decode(self.payload_b64)

    @property
    def key(self) -> bytes | None:
        return None if self.key_b64 is None else base64.b64decode(self.key_b64)

    @classmethod
    def of(
        cls,
        *,
        stage: str,
        error: BaseException,
        topic: str,
        partition: int,
        offset: int,
        key: bytes | None,
        payload: bytes,
    ) -> DeadLetter:
        """Build the dead letter of a message that failed with `error`."""
        return cls(
            stage=stage,
            error_type=type(error).__name__,
            error=one_line(error),
            topic=topic,
            partition=partition,
            offset=offset,
            key_b64=None if key is None else base64.b64encode(key).decode("ascii"),
            payload_b64=base64.b64encode(payload).decode("ascii"),
        )


def one_line(error: BaseException, limit: int = 500) -> str:
    """Describe `error` in one line of at most `limit` characters."""
    text = " ".join(str(error).split()) or type(error).__name__
    return text if len(text) <= limit else text[: limit - 1] + "…"
