"""`newsflow reprocess` on the real broker and database: each changed article updated once.

Each test publishes its own synthetic articles (one source per test) to articles.raw, stores
them with a first reprocess run (as the live pipeline would have: the same functions, the same
write path), then changes the rules and reprocesses. Two ways of changing the rules, both
real: NEWSFLOW_ENTITY_LABELS (an operator setting that changes the output of the entities
stage, and through it the quotes' speakers), and a bump of RULES_VERSION, done the way a
release does it, by running code whose constant is higher.

Every write to those articles' rows is logged by a trigger this module installs, so "updated
exactly once" is counted from what PostgreSQL committed, not from newsflow's own report.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator

import psycopg
import pytest

from bench.synthetic import articles
from schemas import EnrichedArticle
from streams.agents.pipeline import RULES_VERSION
from streams.broker.clients import admin_client, producer
from streams.broker.topics import create_topics
from streams.config import Settings
from streams.ops.changes import RunReport
from streams.ops.reprocess import Selection, reprocess
from streams.stages import RAW
from tests.conftest import REPO, Services
from tests.e2e.workers import wait_until
from tests.faults.checks import tally

NEXT_RULES = RULES_VERSION + 1  # the release the rule change of these tests makes

# The runs' sizes; NEWSFLOW_REPROCESS_ARTICLES=2000 runs both on the issue's corpus.
KILLED_RUN_ARTICLES = int(os.environ.get("NEWSFLOW_REPROCESS_ARTICLES", "300"))
RULES_CHANGE_ARTICLES = int(os.environ.get("NEWSFLOW_REPROCESS_ARTICLES", "120"))
PREFIX = "reprocess-test-"

_AUDIT = """
CREATE TABLE IF NOT EXISTS test_article_writes (
    article_id text NOT NULL, op text NOT NULL, rules integer, at timestamptz DEFAULT now());
CREATE OR REPLACE FUNCTION test_log_article_write() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO test_article_writes (article_id, op, rules)
        VALUES (NEW.id, TG_OP, NEW.rules_version);
    RETURN NULL;
END $$;
DROP TRIGGER IF EXISTS test_article_writes ON articles;
CREATE TRIGGER test_article_writes AFTER INSERT OR UPDATE ON articles FOR EACH ROW
    WHEN (NEW.id LIKE 'reprocess-test-%') EXECUTE FUNCTION test_log_article_write();
"""


@pytest.fixture(scope="module")
def audited(migrated: Services) -> Iterator[Services]:
    """The services, every write to this module's article rows logged."""
    create_topics(migrated.bootstrap, 4)
    with psycopg.connect(migrated.database_url, autocommit=True) as conn:
        conn.execute(_AUDIT)
    try:
        yield migrated
    finally:
        with psycopg.connect(migrated.database_url, autocommit=True) as conn:
            conn.execute("DROP TRIGGER IF EXISTS test_article_writes ON articles")


def publish_raw(services: Services, count: int) -> tuple[str, list[str]]:
    """Publish `count` synthetic articles of a new source to articles.raw; return it and ids."""
    source = f"Reprocess Wire {uuid.uuid4().hex[:8]}"
    pairs = articles(f"{PREFIX}{uuid.uuid4().hex[:8]}", count)
    client = producer(services.bootstrap)
    try:
        futures = []
        for article_id, value in pairs:
            data = {**json.loads(value), "source": source}
            futures.append(
                client.send(RAW, key=article_id.encode(), value=json.dumps(data).encode())
            )
        client.flush()
        for future in futures:
            future.get(timeout=60)
    finally:
        client.close()
    return source, [article_id for article_id, _ in pairs]


def settings_for(services: Services, **changes: str) -> Settings:
    return Settings(
        kafka_bootstrap=services.bootstrap, database_url=services.database_url, **changes
    )


def run(services: Services, source: str, **changes: str) -> tuple[int, RunReport]:
    return asyncio.run(reprocess(settings_for(services, **changes), Selection(source=source)))


def writes(db: psycopg.Connection, ids: list[str], op: str) -> dict[str, int]:
    rows = db.execute(
        "SELECT article_id, count(*) FROM test_article_writes"
        " WHERE article_id = ANY(%s) AND op = %s GROUP BY article_id",
        (ids, op),
    ).fetchall()
    return dict(rows)


def stored(db: psycopg.Connection, ids: list[str]) -> dict[str, EnrichedArticle]:
    rows = db.execute("SELECT id, record FROM articles WHERE id = ANY(%s)", (ids,)).fetchall()
    return {article_id: EnrichedArticle.model_validate(record) for article_id, record in rows}


def inconsistent(db: psycopg.Connection, ids: list[str]) -> list[str]:
    """Return the articles whose entity or quote rows disagree with their stored record.

    (Unlike the fault tally, an article may have no entities left: the PERSON-only setting
    leaves none in an article whose speaker spaCy did not label PERSON.)
    """
    rows = db.execute(
        """
        SELECT a.id FROM articles a
        WHERE a.id = ANY(%s) AND (
            jsonb_array_length(a.record->'entities')
                <> (SELECT count(*) FROM entities e WHERE e.article_id = a.id)
            OR jsonb_array_length(a.record->'quotes')
                <> (SELECT count(*) FROM quotes q WHERE q.article_id = a.id))
        """,
        (ids,),
    ).fetchall()
    return [row[0] for row in rows]


def other_entities(record: EnrichedArticle) -> set[tuple[str, str]]:
    return {(e.name, e.label) for e in record.entities if e.label != "PERSON"}


@pytest.mark.e2e
def test_articles_raw_keeps_every_article_for_ever_compacted(audited: Services) -> None:
    from kafka.admin import ConfigResource, ConfigResourceType

    admin = admin_client(audited.bootstrap)
    try:
        described = admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, RAW)])
    finally:
        admin.close()
    (configs,) = [topics[RAW] for topics in described.values() if RAW in topics]
    values = (configs["cleanup.policy"]["value"], configs["retention.ms"]["value"])
    assert values == ("compact", "-1")


@pytest.mark.e2e
def test_reprocess_after_a_rules_change_updates_every_changed_article_once(
    audited: Services, db: psycopg.Connection
) -> None:
    source, ids = publish_raw(audited, RULES_CHANGE_ARTICLES)
    _, first = run(audited, source)
    # Every article of ours is new. `failed` also counts raw messages no run can read, and the
    # session's topic holds other tests' poison messages, so it is not compared here.
    assert first.outcomes == {"new": len(ids)}
    before = stored(db, ids)
    changed = sorted(i for i in ids if other_entities(before[i]))
    assert 0 < len(changed) < len(ids), "the corpus should have articles the change leaves alone"

    _, report = run(audited, source, entity_labels="PERSON")

    assert report.outcomes == {"updated": len(changed), "unchanged": len(ids) - len(changed)}
    assert report.entities_removed == sum(len(other_entities(before[i])) for i in changed)
    assert writes(db, ids, "UPDATE") == dict.fromkeys(changed, 1)
    after = stored(db, ids)
    assert not any(other_entities(record) for record in after.values())
    assert [after[i].pipeline.entity_labels for i in changed if after[i].pipeline] == [
        ["PERSON"]
    ] * len(changed)
    assert sorted(after) == ids and inconsistent(db, ids) == []

    _, again = run(audited, source, entity_labels="PERSON")
    assert again.outcomes == {"unchanged": len(ids)}, "a second run found work the first left"
    assert writes(db, ids, "UPDATE") == dict.fromkeys(changed, 1)


def reprocess_command(services: Services, source: str, *options: str) -> list[str]:
    """Return the `newsflow reprocess` command run by a release with the next rules version."""
    argv = ["reprocess", "--source", source, "--progress", "never", *options]
    code = (
        f"import sys, streams.agents.pipeline as p; p.RULES_VERSION = {NEXT_RULES};"
        f" from streams.cli import main; sys.exit(main({argv!r}))"
    )
    return [sys.executable, "-c", code]


def run_of(db: psycopg.Connection, source: str, after: int) -> tuple[int, int] | None:
    """Return (run id, articles it committed) of the first run selecting `source` after one."""
    found = db.execute(
        "SELECT r.id, (SELECT count(*) FROM reprocess_changes c WHERE c.run_id = r.id)"
        " FROM reprocess_runs r WHERE r.selection->>'source' = %s AND r.id > %s"
        " ORDER BY r.id LIMIT 1",
        (source, after),
    ).fetchone()
    return None if found is None else (found[0], found[1])


@pytest.mark.faults
@pytest.mark.timeout(1200)
def test_a_reprocess_killed_halfway_resumes_and_does_no_article_twice(
    audited: Services, db: psycopg.Connection
) -> None:
    count = KILLED_RUN_ARTICLES
    source, ids = publish_raw(audited, count)
    started = time.monotonic()
    first_id, first = run(audited, source)
    assert first.outcomes == {"new": count}
    print(f"\nfirst run of {count} articles: {time.monotonic() - started:.1f} s")

    env = audited.env()
    rate = max(count / 20, 5.0)  # about 20 s for the run, so the kill lands halfway
    killed = subprocess.Popen(
        reprocess_command(audited, source, "--rate", f"{rate:.0f}"),
        env=env,
        cwd=REPO,
        start_new_session=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        halfway = wait_until(
            lambda: (found := run_of(db, source, first_id)) is not None and found[1] >= count // 2,
            timeout=600,
            interval=0.2,
        )
    finally:
        os.killpg(killed.pid, signal.SIGKILL)
        output = killed.communicate(timeout=60)[0].decode(errors="replace")
    assert halfway, output
    killed_run = run_of(db, source, first_id)
    assert killed_run is not None and killed_run[1] < count, "the run ended before the kill"
    print(f"killed run {killed_run[0]} after {killed_run[1]} of {count} articles")

    started = time.monotonic()
    resumed = subprocess.run(
        reprocess_command(audited, source), env=env, cwd=REPO, capture_output=True, timeout=900
    )
    print(f"resumed run: {time.monotonic() - started:.1f} s")
    assert resumed.returncode == 0, resumed.stderr.decode(errors="replace")
    report = resumed.stdout.decode()
    assert report.startswith(f"reprocess run {killed_run[0]}: {count} updated, 0 new"), report

    assert writes(db, ids, "UPDATE") == dict.fromkeys(ids, 1), "an article done twice, or never"
    (rules,) = db.execute(
        "SELECT array_agg(DISTINCT rules_version) FROM articles WHERE id = ANY(%s)", (ids,)
    ).fetchone()
    assert rules == [NEXT_RULES]
    result = tally(db, "reprocess-killed", ids)
    assert (result.lost, result.duplicated, result.inconsistent) == (0, 0, 0)
