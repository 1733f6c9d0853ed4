"""The metric names the alert rules and the dashboard may use: the one list both tests check.

What newsflow exports is read from the metrics themselves (streams.runtime.metrics registers the
workers' in prometheus_client's registry; streams.ops.lag yields the lag exporter's), so a
renamed metric fails these tests without an edit here. PLANNED names what another branch adds;
drop an entry once it is exported.
"""

from __future__ import annotations

import re

from prometheus_client import REGISTRY

import streams.runtime.metrics  # noqa: F401  (registers newsflow's metrics)
from streams.ops.lag import families
from streams.runtime.metrics import build_labels

# Series each metric type exposes, as suffixes of its name.
SUFFIXES = {
    "counter": ("_total",),
    "histogram": ("_bucket", "_sum", "_count"),
    "gauge": ("",),
    "info": ("_info",),
}
PLANNED: dict[str, str] = {}
# Prometheus' own series about each scrape.
PROMETHEUS_OWN = {"up", "scrape_duration_seconds"}
METRIC_NAME = re.compile(r"\b(newsflow_[a-z0-9_]+|up|scrape_duration_seconds)\b")


def exported() -> set[str]:
    """Return every newsflow_* series name the workers and the lag exporter expose."""
    names: set[str] = set()
    lag_exporter = families([], True, 0.0, build_labels("model"))
    for family in [*REGISTRY.collect(), *lag_exporter]:
        if family.name.startswith("newsflow_"):
            names.update(family.name + suffix for suffix in SUFFIXES.get(family.type, ("",)))
    return names


def known() -> set[str]:
    """Return the series names a rule or panel may use: exported, planned or Prometheus'."""
    return exported() | set(PLANNED) | PROMETHEUS_OWN


def metrics_in(expr: str) -> set[str]:
    """Return the metric names a PromQL expression reads (newsflow's and Prometheus' own)."""
    without_strings = re.sub(r'"[^"]*"', '""', expr)
    return set(METRIC_NAME.findall(without_strings))
