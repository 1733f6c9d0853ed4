"""The lock files: complete, hash-pinned, in step with pyproject.toml, and what is installed.

`make install` installs requirements-dev.lock into a fresh virtualenv, so under `make test`
the installed-version tests prove the install is exactly the lock. Run from another
environment they fail: rebuild it with `rm -rf .venv && make install`.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import metadata
from pathlib import Path

import pytest
from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]
RUNTIME_LOCK = ROOT / "requirements.lock"
DEV_LOCK = ROOT / "requirements-dev.lock"
# Installed but pinned by no lock: the venv's own installer, and this project (--no-deps).
UNLOCKED = {"pip", "newsflow"}
DEV_ONLY = {"pytest", "ruff", "mypy", "uv", "jsonschema", "selenium", "testcontainers"}


@dataclass(frozen=True)
class Pin:
    """One `name==version ; marker` entry of a lock file, with its hashes."""

    name: str
    version: str
    marker: str
    hashes: tuple[str, ...]

    def applies(self) -> bool:
        """Return whether this entry is for the running interpreter and platform."""
        return not self.marker or Marker(self.marker).evaluate()


def parse_lock(text: str) -> list[Pin]:
    """Return the pins of a `uv pip compile --generate-hashes` file."""
    pins: list[Pin] = []
    for line in text.splitlines():
        stripped = line.strip().removesuffix("\\").strip()
        if not stripped or stripped.startswith("#"):
            continue
        if stripped.startswith("--hash="):
            last = pins[-1]
            pins[-1] = Pin(last.name, last.version, last.marker, (*last.hashes, stripped[7:]))
            continue
        requirement, _, marker = stripped.partition(";")
        name, version = requirement.strip().split("==")
        pins.append(Pin(canonicalize_name(name), version.strip(), marker.strip(), ()))
    return pins


@cache
def _pins(lock: Path) -> tuple[Pin, ...]:
    return tuple(parse_lock(lock.read_text(encoding="utf-8")))


def _applicable(lock: Path) -> dict[str, str]:
    """Return name -> version for the pins of `lock` that apply here."""
    return {pin.name: pin.version for pin in _pins(lock) if pin.applies()}


def _pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def _requirements(*, dev: bool) -> list[Requirement]:
    project = _pyproject()
    texts = [*project["project"]["dependencies"], *project["build-system"]["requires"]]
    if dev:
        texts += project["project"]["optional-dependencies"]["dev"]
    return [Requirement(text) for text in texts]


def test_parse_lock_reads_names_versions_markers_and_hashes():
    text = (
        "# header\nFoo_Bar==1.2 ; sys_platform == 'win32' \\\n"
        "    --hash=sha256:aa \\\n    --hash=sha256:bb\n    # via x\nbaz==3\n"
    )
    assert parse_lock(text) == [
        Pin("foo-bar", "1.2", "sys_platform == 'win32'", ("sha256:aa", "sha256:bb")),
        Pin("baz", "3", "", ()),
    ]


@pytest.mark.parametrize("lock", [RUNTIME_LOCK, DEV_LOCK], ids=lambda path: path.name)
def test_every_pin_has_a_hash(lock):
    assert _pins(lock), f"{lock.name} pins nothing"
    assert [pin.name for pin in _pins(lock) if not pin.hashes] == []


@pytest.mark.parametrize(("lock", "dev"), [(RUNTIME_LOCK, False), (DEV_LOCK, True)])
def test_the_lock_satisfies_every_requirement_in_pyproject(lock, dev):
    pinned = _applicable(lock)
    stale = [
        str(requirement)
        for requirement in _requirements(dev=dev)
        if not requirement.specifier.contains(
            pinned.get(canonicalize_name(requirement.name), "0.dev0"), prereleases=True
        )
    ]
    assert stale == [], f"{lock.name} is older than pyproject.toml: run `make lock`"


def test_the_image_lock_is_the_dev_lock_without_the_dev_tools():
    dev = {(pin.name, pin.version, pin.marker): pin.hashes for pin in _pins(DEV_LOCK)}
    runtime = {(pin.name, pin.version, pin.marker): pin.hashes for pin in _pins(RUNTIME_LOCK)}
    assert {key: dev.get(key) for key in runtime} == runtime, "run `make lock`"
    assert DEV_ONLY.isdisjoint(name for name, _, _ in runtime)


def test_dev_tools_are_pinned_exactly():
    for text in _pyproject()["project"]["optional-dependencies"]["dev"]:
        (specifier,) = Requirement(text).specifier
        assert specifier.operator == "==", text


def test_every_locked_package_is_installed_at_its_locked_version():
    wrong = {}
    for name, version in _applicable(DEV_LOCK).items():
        try:
            installed = metadata.version(name)
        except metadata.PackageNotFoundError:
            installed = "missing"
        if installed != version:
            wrong[name] = f"locked {version}, installed {installed}"
    assert wrong == {}, "rebuild the virtualenv: rm -rf .venv && make install"


def test_nothing_is_installed_that_the_lock_does_not_pin():
    installed = {canonicalize_name(dist.metadata["Name"]) for dist in metadata.distributions()}
    extra = installed - set(_applicable(DEV_LOCK)) - UNLOCKED
    assert extra == set(), "rebuild the virtualenv: rm -rf .venv && make install"


def test_make_and_the_image_install_the_locks_with_hashes_and_the_project_without_deps():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert "install --require-hashes --no-deps -r $(DEV_LOCK)" in makefile
    assert "install --no-deps --no-build-isolation -e ." in makefile
    assert "install --require-hashes --no-deps -r requirements.lock && pip check" in dockerfile
    assert "install --no-deps --no-build-isolation ." in dockerfile
