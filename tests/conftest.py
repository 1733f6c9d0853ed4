"""Shared fixtures: a real Kafka broker and PostgreSQL server for the integration and e2e tiers.

Where they come from, first that applies:
1. NEWSFLOW_TEST_KAFKA_BOOTSTRAP and NEWSFLOW_TEST_DATABASE_URL name running services;
2. a Docker engine answers: testcontainers starts apache/kafka and postgres images;
3. otherwise the local stack (streams.stack) starts a broker from its Maven Central jars and a
   PostgreSQL server, on free loopback ports, for this test session.
When none can be had the tests fail under CI=true and skip with the reason elsewhere.
"""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
IN_CI = os.environ.get("CI", "").lower() == "true"


@dataclass(frozen=True)
class Services:
    """Where the test session's broker and database answer."""

    bootstrap: str
    database_url: str
    origin: str

    def env(self, **extra: str) -> dict[str, str]:
        """Return an environment for a newsflow process that talks to these services."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSFLOW_")}
        env.update(
            NEWSFLOW_KAFKA_BOOTSTRAP=self.bootstrap,
            NEWSFLOW_DATABASE_URL=self.database_url,
            PYTHONUNBUFFERED="1",
        )
        env.update(extra)
        return env


def stack_root(name: str) -> Path:
    """Return a new folder for a throwaway stack's data and logs, kept after the run.

    Not under pytest's tmp_path: another pytest session on the same machine prunes those
    (keeping its last three), which deletes a running server's data under it.
    """
    return Path(tempfile.mkdtemp(prefix=f"newsflow-{name}-"))


def unavailable(reason: str) -> None:
    """Fail under CI (the tiers must run there), skip with the reason elsewhere."""
    if IN_CI:
        pytest.fail(f"CI=true and {reason}", pytrace=False)
    pytest.skip(reason)


def docker_engine_answers() -> bool:
    try:
        import docker

        docker.from_env(timeout=2).ping()
        return True
    except Exception:
        return False


@contextmanager
def containers() -> Iterator[tuple[str, str]]:
    """Start Kafka (the pinned apache/kafka image) and PostgreSQL with testcontainers."""
    from testcontainers.core.container import DockerContainer
    from testcontainers.core.wait_strategies import LogMessageWaitStrategy

    try:
        from testcontainers.community.postgres import PostgresContainer
    except ImportError:  # testcontainers < 4.15
        from testcontainers.postgres import PostgresContainer

    from streams.stack import free_port
    from streams.stack.versions import KAFKA_VERSION, POSTGRES_MAJOR

    port = free_port()
    kafka = (
        DockerContainer(f"apache/kafka:{KAFKA_VERSION}")
        .with_bind_ports(port, port)
        .with_env("KAFKA_NODE_ID", "1")
        .with_env("KAFKA_PROCESS_ROLES", "broker,controller")
        .with_env("KAFKA_LISTENERS", f"PLAINTEXT://:{port},CONTROLLER://:9093")
        .with_env("KAFKA_ADVERTISED_LISTENERS", f"PLAINTEXT://127.0.0.1:{port}")
        .with_env("KAFKA_CONTROLLER_LISTENER_NAMES", "CONTROLLER")
        .with_env("KAFKA_CONTROLLER_QUORUM_VOTERS", "1@localhost:9093")
        .with_env("KAFKA_AUTO_CREATE_TOPICS_ENABLE", "false")
        .with_env("KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR", "1")
        .with_env("KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR", "1")
        .with_env("KAFKA_TRANSACTION_STATE_LOG_MIN_ISR", "1")
        .with_env("KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS", "0")
        .with_env("KAFKA_MESSAGE_MAX_BYTES", str(16 * 1024 * 1024))
        .waiting_for(LogMessageWaitStrategy("Kafka Server started").with_startup_timeout(120))
    )
    postgres = PostgresContainer(
        f"postgres:{POSTGRES_MAJOR}", username="newsflow", password="newsflow", dbname="newsflow"
    )
    with kafka, postgres:
        url = postgres.get_connection_url(driver=None)
        yield f"127.0.0.1:{port}", url


@pytest.fixture(scope="session")
def services() -> Iterator[Services]:
    """Return the session's real broker and database, starting them when needed."""
    bootstrap = os.environ.get("NEWSFLOW_TEST_KAFKA_BOOTSTRAP")
    database_url = os.environ.get("NEWSFLOW_TEST_DATABASE_URL")
    if bootstrap and database_url:
        yield Services(bootstrap, database_url, "external")
        return
    with ExitStack() as stack:
        try:
            if docker_engine_answers():
                bootstrap, database_url = stack.enter_context(containers())
                origin = "testcontainers"
            else:
                from streams.stack import local_stack

                cache = Path(os.environ.get("NEWSFLOW_CACHE_DIR", Path.home() / ".cache/newsflow"))
                root = stack_root("stack")
                bootstrap, database_url = stack.enter_context(local_stack(root, cache))
                origin = f"local stack in {root}"
        except Exception as error:
            unavailable(f"no Kafka broker and PostgreSQL server could be started: {error}")
        yield Services(bootstrap, database_url, origin)


@pytest.fixture(scope="session")
def migrated(services: Services) -> Services:
    """The services, with newsflow's tables in the database."""
    from streams.sinks.postgres.migrations import migrate

    migrate(services.database_url)
    return services


@contextmanager
def database_of_its_own(services: Services, prefix: str) -> Iterator[str]:
    """Create a migrated database beside the services' own; yield its URL; drop it after."""
    from streams.sinks.postgres.migrations import migrate

    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(services.database_url, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    url = services.database_url.rsplit("/", 1)[0] + f"/{name}"
    migrate(url)
    yield url
    with psycopg.connect(services.database_url, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE {name} WITH (FORCE)")


@pytest.fixture
def db(migrated: Services) -> Iterator[psycopg.Connection]:
    """An autocommit connection to the test database."""
    with psycopg.connect(migrated.database_url, autocommit=True) as conn:
        yield conn


@pytest.fixture
def unique_id() -> str:
    """An article id no other test uses."""
    return f"test-{uuid.uuid4().hex[:12]}"
