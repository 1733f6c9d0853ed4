"""The metric names the alert rules and the dashboard may use: the one list both tests check.

What newsflow exports is read from the metrics themselves (streams.runtime.metrics registers them in
prometheus_client's registry), so a renamed metric fails these tests without an edit here.
PLANNED names what issue #14 adds from another branch; drop an entry once it is exported.
"""

from __future__ import annotations

import re

from prometheus_client import REGISTRY

import streams.runtime.metrics  # noqa: F401  (registers newsflow's metrics)

# Series each metric type exposes, as suffixes of its name.
SUFFIXES = {
    "counter": ("_total",),
    "histogram": ("_bucket", "_sum", "_count"),
    "gauge": ("",),
    "info": ("_info",),
}
PLANNED = {
    # Broker-side lag per consumer group (labels group, topic, partition), exported from one
    # process that outlives the workers; today's per-worker gauge of the same name has labels
    # stage, topic, partition.
    "newsflow_consumer_lag": "broker-side lag by group, topic, partition",
    "newsflow_build_info": "the pipeline version a worker runs (newsflow, spaCy model, rules)",
}
# Prometheus' own series about each scrape.
PROMETHEUS_OWN = {"up", "scrape_duration_seconds"}
METRIC_NAME = re.compile(r"\b(newsflow_[a-z0-9_]+|up|scrape_duration_seconds)\b")


def exported() -> set[str]:
    """Return every newsflow_* series name the workers' registry exposes."""
    names: set[str] = set()
    for family in REGISTRY.collect():
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
