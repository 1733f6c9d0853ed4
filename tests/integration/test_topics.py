"""Topic creation and the publish/consume commands against a real Kafka broker."""

from __future__ import annotations

import io
import json

import pytest

from streams.answers.consuming import consume
from streams.broker.topics import create_topics, partition_counts
from streams.config import Settings
from streams.intake.publishing import publish
from streams.stages import ALL_TOPICS, RAW
from tests.conftest import Services

pytestmark = pytest.mark.integration


def test_topics_are_created_once_with_the_configured_partitions(services: Services) -> None:
    create_topics(services.bootstrap, partitions=4)
    assert create_topics(services.bootstrap, partitions=4) == []
    assert partition_counts(services.bootstrap) == dict.fromkeys(ALL_TOPICS, 4)


def test_publish_sends_valid_articles_keyed_by_id_and_reports_the_rest(
    services: Services, unique_id: str
) -> None:
    create_topics(services.bootstrap, partitions=4)
    settings = Settings(kafka_bootstrap=services.bootstrap)
    lines = [
        json.dumps({"id": unique_id, "text": "A short article."}),
        json.dumps({"id": 7, "text": "a number is not an id"}),
        "{not json",
    ]
    report = publish(["-"], settings, io.BytesIO("\n".join(lines).encode()))
    assert report.published == 1
    assert [origin for origin, _ in report.failed] == ["stdin:2", "stdin:3"]
    values = list(consume(settings, from_beginning=True, idle_timeout_s=3, topic=RAW))
    assert lines[0].encode() in values
