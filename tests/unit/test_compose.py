"""Static checks of docker-compose.yml and the seed articles: no Docker engine needed."""

from __future__ import annotations

import json
import shlex
import shutil
import subprocess
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

from schemas.articles import RawArticle
from streams.stack.versions import KAFKA_VERSION, POSTGRES_MAJOR
from streams.stages import DEFAULT_STAGES

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = ROOT / "docker-compose.yml"
SEEDS = ROOT / "seeds"
SEED_FACTS = ROOT / "tests" / "e2e" / "seed_facts.json"
STAGES = DEFAULT_STAGES
OUR_IMAGE = "newsflow:local"


@cache
def _compose() -> dict[str, Any]:
    return yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))


def _services() -> dict[str, dict[str, Any]]:
    return _compose()["services"]


def _ours() -> dict[str, dict[str, Any]]:
    """Return the services that run the newsflow image."""
    return {
        name: service
        for name, service in _services().items()
        if "build" in service or service.get("image") == OUR_IMAGE
    }


def _command(service: dict[str, Any]) -> list[str]:
    command = service.get("command", [])
    return shlex.split(command) if isinstance(command, str) else [str(part) for part in command]


def _environment(service: dict[str, Any]) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, list):
        return dict(item.split("=", 1) if "=" in item else (item, "") for item in env)
    return {key: "" if value is None else str(value) for key, value in env.items()}


def _seed_files() -> list[Path]:
    return sorted(SEEDS.glob("*.json"))


def _seeds() -> dict[str, RawArticle]:
    articles = (RawArticle.model_validate_json(path.read_bytes()) for path in _seed_files())
    return {article.id: article for article in articles}


def test_compose_file_parses_into_services():
    assert isinstance(_compose(), dict)
    assert {"kafka", "postgres", "topics-init", "db-init", *STAGES} <= set(_services())


@pytest.mark.parametrize("stage", STAGES)
def test_every_stage_has_a_scalable_service(stage):
    service = _services()[stage]
    assert _command(service) == ["newsflow", "worker", stage]
    assert "container_name" not in service, "a fixed name stops `--scale` from starting more"
    assert "ports" not in service, "a fixed host port stops `--scale` from starting more"
    assert service.get("restart") == "unless-stopped"


@pytest.mark.parametrize("stage", STAGES)
def test_stages_start_after_topics_and_schema_exist(stage):
    depends_on = _services()[stage]["depends_on"]
    for init in ("topics-init", "db-init"):
        assert depends_on[init]["condition"] == "service_completed_successfully"


def test_our_services_share_one_image_built_here():
    for name, service in _ours().items():
        assert service.get("image") == OUR_IMAGE, name
        assert "build" in service, name


@pytest.mark.parametrize("name", sorted(_ours()))
def test_every_newsflow_command_names_a_real_subcommand(name):
    from streams import cli  # imported here so a broken CLI fails this test, not the module

    command = _command(_services()[name])
    assert command[:1] == ["newsflow"], f"{name} runs {command}, not a newsflow command"
    parser = cli.build_parser()
    try:
        parser.parse_args(command[1:])
    except SystemExit:
        pytest.fail(f"`{shlex.join(command)}` (service {name}) is not a valid newsflow command")


def test_kafka_image_tag_is_the_pinned_version():
    assert _services()["kafka"]["image"] == f"apache/kafka:{KAFKA_VERSION}"


def test_postgres_image_is_the_pinned_major_version():
    assert _services()["postgres"]["image"] == f"postgres:{POSTGRES_MAJOR}"


def test_kafka_does_not_auto_create_topics():
    env = _environment(_services()["kafka"])
    assert env["KAFKA_AUTO_CREATE_TOPICS_ENABLE"].lower() == "false"


def test_kafka_runs_as_a_single_kraft_node():
    env = _environment(_services()["kafka"])
    assert set(env["KAFKA_PROCESS_ROLES"].split(",")) == {"broker", "controller"}
    assert env["KAFKA_CONTROLLER_QUORUM_VOTERS"].startswith(f"{env['KAFKA_NODE_ID']}@")
    assert env["KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR"] == "1"
    assert "healthcheck" in _services()["kafka"]


def test_every_newsflow_service_knows_the_broker_and_the_database():
    for name, service in _ours().items():
        env = _environment(service)
        assert env.get("NEWSFLOW_KAFKA_BOOTSTRAP"), name
        assert env.get("NEWSFLOW_DATABASE_URL", "").startswith("postgresql://"), name


def test_compose_file_is_valid_for_docker_compose():
    if shutil.which("docker") is None:
        pytest.skip("docker is not on PATH")
    plugin = subprocess.run(["docker", "compose", "version"], capture_output=True, check=False)
    if plugin.returncode != 0:
        pytest.skip("the docker client has no compose plugin")
    result = subprocess.run(
        ["docker", "compose", "-f", str(COMPOSE_FILE), "config", "-q"],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr


def test_seeds_are_raw_articles_with_unique_ids():
    files = _seed_files()
    assert files, "seeds/ holds no articles"
    ids = [RawArticle.model_validate_json(path.read_bytes()).id for path in files]
    assert len(ids) == len(set(ids))


def test_expected_facts_name_only_existing_seeds():
    expected = json.loads(SEED_FACTS.read_text(encoding="utf-8"))
    assert set(expected) <= set(_seeds())


def test_expected_facts_match_their_seed_text():
    expected = json.loads(SEED_FACTS.read_text(encoding="utf-8"))
    seeds = _seeds()
    for seed_id, facts in expected.items():
        article = seeds[seed_id]
        page = article.text or article.html or ""
        for name in (*facts["people"], *facts["direct_quote_speakers"]):
            assert name in page, f"{seed_id} does not name {name}"
        for word in facts["must_not_mention"]:
            assert word.lower() in page.lower(), f"{seed_id} has no boilerplate word {word}"


def test_the_viewer_serves_the_database_on_a_host_port():
    viewer = _services()["viewer"]
    command = _command(viewer)
    assert command[:2] == ["newsflow", "view"]
    port = command[command.index("--port") + 1]
    assert command[command.index("--host") + 1] == "0.0.0.0", "unreachable from the host"
    assert any(str(mapping).endswith(f":{port}") for mapping in viewer["ports"])
    assert viewer["depends_on"]["db-init"]["condition"] == "service_completed_successfully"


@pytest.mark.parametrize("stage", STAGES)
def test_every_stage_serves_metrics_and_health_inside_its_container(stage):
    service = _services()[stage]
    env = _environment(service)
    assert env["NEWSFLOW_METRICS_HOST"] == "0.0.0.0"
    assert f"127.0.0.1:{env['NEWSFLOW_METRICS_PORT']}/health" in " ".join(
        service["healthcheck"]["test"]
    )


def test_prometheus_is_optional_and_scrapes_every_stage_on_the_metrics_port():
    prometheus = _services()["prometheus"]
    assert prometheus.get("profiles"), "Prometheus should start only when asked for"
    source, target = prometheus["volumes"][0].split(":")[:2]
    config = yaml.safe_load((ROOT / source).read_text(encoding="utf-8"))
    (discovery,) = config["scrape_configs"][0]["dns_sd_configs"]
    assert set(discovery["names"]) == set(STAGES)
    port = _environment(_services()["clean"])["NEWSFLOW_METRICS_PORT"]
    assert str(discovery["port"]) == port
    assert target == prometheus["command"][0].split("=", 1)[1]
