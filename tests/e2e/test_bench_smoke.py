"""The pipeline benchmark runs end to end on a tiny input and prints its figures (no timings)."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator

import pytest

from bench.pipeline import JSON_KEYS
from tests.conftest import REPO, Services, database_of_its_own

pytestmark = [pytest.mark.e2e, pytest.mark.bench]


@pytest.fixture
def bench_db(migrated: Services) -> Iterator[str]:
    """A migrated database of its own: the benchmark's 1,500 copies of the seeds would crowd
    the other e2e tests' searches in the shared one."""
    with database_of_its_own(migrated, "bench") as url:
        yield url


def test_bench_prints_every_figure_as_its_last_line(migrated: Services, bench_db: str) -> None:
    # Small sink transactions, so the sink phase spans several and yields a rate.
    env = migrated.env(NEWSFLOW_SINK_BATCH_SIZE="50", NEWSFLOW_DATABASE_URL=bench_db)
    command = [
        sys.executable, "-m", "bench.pipeline", "--n", "8", "--latency-s", "2",
        "--sink-n", "1500", "--bootstrap", migrated.bootstrap, "--database-url", bench_db,
    ]  # fmt: skip
    done = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=600)

    assert done.returncode == 0, done.stderr[-3000:]
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    assert set(JSON_KEYS) <= set(figures)
    missing = [key for key in JSON_KEYS if figures[key] is None]
    assert missing == [], f"figures without a value: {missing}\n{done.stdout}"
    assert "ratio" in done.stdout and ">= 0.9" in done.stdout  # the table shows the targets
