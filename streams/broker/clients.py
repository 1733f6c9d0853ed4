"""kafka-python clients for the CLI side (publish, consume, admin), with one-line errors."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer
from kafka.errors import KafkaError

# Messages up to this size pass every hop: the enriched record of an article at the text-size
# limit is several times the text. Topics, the broker and both client libraries allow it.
MAX_MESSAGE_BYTES = 16 * 1024 * 1024

# How long a client tries to reach a bootstrap server before saying the broker is unreachable.
BOOTSTRAP_TIMEOUT_MS = 5_000

Client = TypeVar("Client")


class UnreachableError(RuntimeError):
    """A service newsflow needs does not answer; the message says what to do."""


def kafka_unreachable(bootstrap: str) -> UnreachableError:
    return UnreachableError(
        f"Kafka is not reachable at {bootstrap}: start it with `newsflow stack up`, "
        "or set NEWSFLOW_KAFKA_BOOTSTRAP to a running broker"
    )


def _connect(bootstrap: str, make: Callable[..., Client], **config: object) -> Client:
    from streams.config import bootstrap_servers, get_settings

    # NEWSFLOW_KAFKA_SECURITY_PROTOCOL and friends (SASL/SSL) apply to every CLI client too.
    config = {**get_settings().kafka_python_security(), **config}
    try:
        return make(
            bootstrap_servers=bootstrap_servers(bootstrap),
            bootstrap_timeout_ms=BOOTSTRAP_TIMEOUT_MS,
            **config,
        )
    except KafkaError as error:
        raise kafka_unreachable(bootstrap) from error


def admin_client(bootstrap: str, **config: object) -> KafkaAdminClient:
    config.setdefault("request_timeout_ms", 10_000)
    return _connect(bootstrap, KafkaAdminClient, client_id="newsflow-admin", **config)


def producer(bootstrap: str, **config: object) -> KafkaProducer:
    return _connect(
        bootstrap,
        KafkaProducer,
        client_id="newsflow-cli",
        # kafka-python's defaults too; explicit, so a conflicting option raises instead of
        # silently turning idempotence off. A send retried after a broker failover lands once.
        acks="all",
        enable_idempotence=True,
        linger_ms=5,
        max_request_size=MAX_MESSAGE_BYTES,
        **config,
    )


def consumer(bootstrap: str, **config: object) -> KafkaConsumer:
    return _connect(
        bootstrap,
        KafkaConsumer,
        client_id="newsflow-cli",
        fetch_max_bytes=MAX_MESSAGE_BYTES,
        max_partition_fetch_bytes=MAX_MESSAGE_BYTES,
        **config,
    )


def kafka_reachable(bootstrap: str) -> bool:
    """Return whether a broker at `bootstrap` answers a metadata request."""
    try:
        admin = admin_client(bootstrap, request_timeout_ms=3_000)
    except UnreachableError:
        return False
    try:
        admin.list_topics()
        return True
    except KafkaError:
        return False
    finally:
        admin.close()
