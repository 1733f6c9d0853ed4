"""Static checks of docker-compose.yml and the seed articles: no Docker engine needed.

Besides the checks of what newsflow needs, the file is validated against the Compose
Specification's JSON Schema (tests/vendor/compose-spec/), after interpolating its variables
with their defaults, as `docker compose config` would with none of them set.
"""

from __future__ import annotations

import json
import re
import shlex
import shutil
import subprocess
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft7Validator

from schemas.articles import RawArticle
from streams.stack.versions import KAFKA_VERSION, POSTGRES_MAJOR
from streams.stages import DEFAULT_STAGES, STAGE_NAMES

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = ROOT / "docker-compose.yml"
SEEDS = ROOT / "seeds"
SEED_FACTS = ROOT / "tests" / "e2e" / "seed_facts.json"
STAGES = DEFAULT_STAGES
OUR_IMAGE = "newsflow:local"
COMPOSE_SCHEMA = ROOT / "tests" / "vendor" / "compose-spec" / "compose-spec.json"
LOOPBACK_BIND = "${NEWSFLOW_BIND:-127.0.0.1}"
# `${NAME}`, `${NAME:-default}` or `${NAME-default}`; `$$` is a literal dollar.
VARIABLE = re.compile(r"\$\{(?P<name>\w+)(?::?-(?P<default>[^}]*))?\}")
DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)(h|ms|m|s|us)")
DURATION_UNITS_S = {"h": 3600.0, "m": 60.0, "s": 1.0, "ms": 1e-3, "us": 1e-6}


@cache
def _compose() -> dict[str, Any]:
    return yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))


def _services() -> dict[str, dict[str, Any]]:
    return _compose()["services"]


def interpolate(value: Any) -> Any:
    """Return `value` with every `${VAR...}` in its strings replaced by its default ("")."""
    if isinstance(value, str):
        return VARIABLE.sub(lambda match: match["default"] or "", value).replace("$$", "$")
    if isinstance(value, dict):
        return {key: interpolate(item) for key, item in value.items()}
    if isinstance(value, list):
        return [interpolate(item) for item in value]
    return value


def duration_s(text: str) -> float:
    """Return the seconds of a compose duration such as `90s` or `1m30s`."""
    parts = DURATION_PART.findall(text)
    assert parts and "".join(a + b for a, b in parts) == text, f"not a duration: {text}"
    return sum(float(amount) * DURATION_UNITS_S[unit] for amount, unit in parts)


def _mounts(service: dict[str, Any]) -> dict[str, str]:
    """Return the service's mounts as container path -> volume name or host path."""
    return {target: source for source, target, *_ in (v.split(":") for v in service["volumes"])}


def _long_running() -> dict[str, dict[str, Any]]:
    """Return the services that stay up (all but the one-shot init jobs)."""
    return {name: s for name, s in _services().items() if s.get("restart") != "no"}


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


@pytest.mark.parametrize("stage", STAGE_NAMES)
def test_every_stage_has_a_scalable_service(stage):
    service = _services()[stage]
    assert _command(service) == ["newsflow", "worker", stage]
    assert "container_name" not in service, "a fixed name stops `--scale` from starting more"
    assert "ports" not in service, "a fixed host port stops `--scale` from starting more"
    assert service.get("restart") == "unless-stopped"


@pytest.mark.parametrize("stage", STAGE_NAMES)
def test_optional_stages_start_only_with_their_profile(stage):
    profiles = _services()[stage].get("profiles")
    assert (profiles is None) == (stage in DEFAULT_STAGES), profiles


@pytest.mark.parametrize("stage", STAGE_NAMES)
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


def test_interpolate_uses_defaults_like_compose_with_no_variables_set():
    assert interpolate({"a": ["${X:-127.0.0.1}:1:1", "${Y}", "${Z-b}c", "$$x"]}) == {
        "a": ["127.0.0.1:1:1", "", "bc", "$x"]
    }


def test_duration_s_reads_compose_durations():
    assert duration_s("90s") == 90
    assert duration_s("1m30s") == 90
    with pytest.raises(AssertionError):
        duration_s("90")


def test_compose_file_is_valid_against_the_compose_spec_schema():
    schema = json.loads(COMPOSE_SCHEMA.read_text(encoding="utf-8"))
    validator = Draft7Validator(schema)
    errors = [
        f"{'/'.join(map(str, error.absolute_path))}: {error.message}"
        for error in validator.iter_errors(interpolate(_compose()))
    ]
    assert errors == []


def test_the_schema_check_catches_a_broken_service():
    schema = json.loads(COMPOSE_SCHEMA.read_text(encoding="utf-8"))
    broken = interpolate(_compose())
    broken["services"]["sink"]["stop_grace_period"] = 90
    broken["services"]["clean"]["restart_policy"] = "always"
    assert len(list(Draft7Validator(schema).iter_errors(broken))) == 2


def test_kafka_keeps_topics_offsets_and_dead_letters_in_a_named_volume():
    kafka = _services()["kafka"]
    env = _environment(kafka)
    assert _mounts(kafka)[env["KAFKA_LOG_DIRS"]] in _compose()["volumes"]
    assert env["CLUSTER_ID"], "a fixed cluster id keeps the formatted volume valid"


def test_postgres_keeps_its_rows_in_a_named_volume():
    assert _mounts(_services()["postgres"])["/var/lib/postgresql/data"] in _compose()["volumes"]


def test_every_published_port_is_bound_to_loopback_unless_the_user_opts_in():
    published = {
        name: service["ports"] for name, service in _services().items() if "ports" in service
    }
    assert {"kafka", "postgres", "viewer", "prometheus"} <= set(published)
    for name, ports in published.items():
        for mapping in ports:
            assert isinstance(mapping, str), f"{name}: write ports as strings"
            assert mapping.startswith(f"{LOOPBACK_BIND}:"), f"{name}: {mapping}"
            assert interpolate(mapping).startswith("127.0.0.1:"), f"{name}: {mapping}"


@pytest.mark.parametrize("stage", STAGES)
def test_workers_get_longer_to_stop_than_they_take_to_drain(stage):
    from streams.runtime.stopping import STOP_GRACE_S

    assert duration_s(_services()[stage]["stop_grace_period"]) > STOP_GRACE_S


@pytest.mark.parametrize("name", sorted(_long_running()))
def test_every_long_running_service_restarts_and_has_a_healthcheck(name):
    service = _services()[name]
    assert service.get("restart") in ("unless-stopped", "always"), name
    test = service.get("healthcheck", {}).get("test")
    assert test and test[0] in ("CMD", "CMD-SHELL"), f"{name} has no healthcheck"


def test_the_init_jobs_run_once():
    one_shot = set(_services()) - set(_long_running())
    assert one_shot == {"topics-init", "db-init"}


def test_prometheus_loads_the_alert_rules_it_mounts():
    prometheus = _services()["prometheus"]
    config_dir = Path(prometheus["command"][0].split("=", 1)[1]).parent
    mounts = _mounts(prometheus)
    config = yaml.safe_load((ROOT / "deploy" / "prometheus.yml").read_text(encoding="utf-8"))
    assert config["rule_files"], "Prometheus loads no alert rules"
    for rule_file in config["rule_files"]:
        source = mounts[str(config_dir / rule_file)]
        assert (ROOT / source).is_file(), source


def test_grafana_is_optional_and_provisions_prometheus_and_the_dashboard():
    grafana = _services()["grafana"]
    assert grafana.get("profiles") == _services()["prometheus"]["profiles"]
    mounts = _mounts(grafana)
    provisioning = ROOT / mounts["/etc/grafana/provisioning"]
    (datasource,) = yaml.safe_load(
        (provisioning / "datasources" / "prometheus.yml").read_text(encoding="utf-8")
    )["datasources"]
    assert datasource["url"] == "http://prometheus:9090"
    (provider,) = yaml.safe_load(
        (provisioning / "dashboards" / "newsflow.yml").read_text(encoding="utf-8")
    )["providers"]
    dashboard = mounts[f"{provider['options']['path']}/newsflow.json"]
    assert (ROOT / dashboard).resolve() == ROOT / "deploy" / "grafana" / "newsflow.json"
