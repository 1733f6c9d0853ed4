"""Hostile input through the same decode -> clean -> entities -> quotes path the stages take.

Also through `newsflow enrich` as a process: a one-line error per rejected line naming it,
no record for it, the other lines processed, exit status 1, never a traceback. The same cases
go through the real pipeline in tests/faults/test_faults.py.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from schemas import EnrichedArticle
from streams.config import Settings
from streams.intake.enriching import enrich_inputs
from streams.intake.inputs import Input
from streams.sinks.postgres.rows import article_row
from tests.faults.checks import record_hostile
from tests.faults.hostile import Case, cases, non_english

CASES = cases("unit")


@pytest.fixture(scope="module")
def outcomes() -> dict[str, EnrichedArticle | Exception]:
    inputs = [Input(case.name, case.value) for case in [*CASES, non_english("unit")]]
    return dict(enrich_inputs(inputs, Settings()))


def as_expected(case: Case, outcome: EnrichedArticle | Exception) -> bool:
    """Tell whether `outcome` is the one `case` must have."""
    if case.reason is not None:
        return isinstance(outcome, Exception) and case.reason in str(outcome)
    return (
        isinstance(outcome, EnrichedArticle)
        and outcome.id == case.article_id
        and case.check(outcome)
        and "\x00" not in repr(article_row(outcome, 0, 0))  # PostgreSQL refuses NUL
    )


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_each_hostile_input_has_its_outcome(
    case: Case, outcomes: dict[str, EnrichedArticle | Exception]
) -> None:
    outcome = outcomes[case.name]
    ok = as_expected(case, outcome)
    record_hostile(case.name, "enrich", ok)
    detail = outcome if isinstance(outcome, Exception) else outcome.model_dump_json()[:500]
    assert ok, f"{case.name}: {detail}"
    if isinstance(outcome, Exception):
        assert "\n" not in str(outcome)
    else:
        outcome.model_dump_json().encode("utf-8")  # the next hop can encode it


def test_a_non_english_article_gets_no_english_entities(
    outcomes: dict[str, EnrichedArticle | Exception],
) -> None:
    outcome = outcomes["non-english"]
    ok = isinstance(outcome, EnrichedArticle) and non_english("unit").check(outcome)
    record_hostile("non-english", "enrich", ok)
    assert isinstance(outcome, EnrichedArticle)
    assert ok, [(e.name, e.label) for e in outcome.entities]


def test_newsflow_enrich_reports_each_rejected_line_and_goes_on(tmp_path: Path) -> None:
    lines = [case.value for case in CASES if b"\n" not in case.value and case.value.strip()]
    path = tmp_path / "hostile.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    result = subprocess.run(
        [sys.executable, "-m", "streams", "enrich", str(path)],
        capture_output=True,
        timeout=600,
    )
    stderr = result.stderr.decode(errors="replace")
    assert result.returncode == 1, stderr
    assert "Traceback" not in stderr
    by_line = {n: value for n, value in enumerate(lines, start=1)}
    rejected = {n for n, v in by_line.items() if next(c for c in CASES if c.value == v).reason}
    errors = [line for line in stderr.splitlines() if line.startswith("newsflow enrich:")]
    assert len(errors) == len(rejected), stderr
    for n in rejected:
        assert any(f"{path}:{n}:" in line or f"line {n}" in line for line in errors), (n, stderr)
    records = [json.loads(line) for line in result.stdout.splitlines()]
    stored = [
        next(c for c in CASES if c.value == v) for n, v in by_line.items() if n not in rejected
    ]
    assert [r["id"] for r in records] == [case.article_id for case in stored]


def test_sasl_ssl_settings_reach_both_kafka_clients_and_the_password_is_never_shown(
    tmp_path: Path,
) -> None:
    from streams.runtime.app import create_app

    settings = Settings(
        kafka_security_protocol="SASL_SSL",
        kafka_sasl_mechanism="SCRAM-SHA-512",
        kafka_sasl_username="newsflow-app",
        kafka_sasl_password="s3cret-Pa55",
        database_url="postgresql://newsflow:db-Pa55@127.0.0.1:5432/newsflow",
    )
    assert settings.kafka_python_security() == {
        "security_protocol": "SASL_SSL",
        "sasl_mechanism": "SCRAM-SHA-512",
        "sasl_plain_username": "newsflow-app",
        "sasl_plain_password": "s3cret-Pa55",
    }
    credentials = create_app("clean", settings).conf.broker_credentials
    assert credentials.protocol.name == "SASL_SSL"
    assert (credentials.username, credentials.password) == ("newsflow-app", "s3cret-Pa55")
    assert credentials.mechanism.value == "SCRAM-SHA-512"
    shown = repr(settings) + str(settings) + settings.model_dump_json() + settings.database_display
    assert "s3cret-Pa55" not in shown and "db-Pa55" not in shown
