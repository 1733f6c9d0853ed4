"""The Grafana dashboard deploy/grafana/newsflow.json: a valid dashboard model on our metrics.

No Grafana runs here, so the model is checked against the parts of Grafana's dashboard schema
(its "dashboard kind": required fields and their types, panels, grid positions, queries) that
a dashboard needs to load, plus what the schema cannot say: unique panel ids, panels that do
not overlap, and queries that read only metrics newsflow exports (tests/unit/metric_catalog).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft7Validator

from tests.unit.metric_catalog import known, metrics_in

ROOT = Path(__file__).resolve().parents[2]
DASHBOARD = ROOT / "deploy" / "grafana" / "newsflow.json"
GRID_COLUMNS = 24
BY_LE = re.compile(r"by \((?:\w+, )*le\)")
# What the issue asks the dashboard to show, and a metric that shows it.
REQUIRED_VIEWS = {
    "throughput": "newsflow_events_processed_total",
    "latency quantiles": "newsflow_publish_to_commit_seconds_bucket",
    "lag": "newsflow_consumer_lag",
    "dead-letter rate": "newsflow_events_dead_lettered_total",
    "errors": "newsflow_events_failed_total",
}

GRID_POS = {
    "type": "object",
    "required": ["h", "w", "x", "y"],
    "properties": {
        "h": {"type": "integer", "minimum": 1},
        "w": {"type": "integer", "minimum": 1, "maximum": GRID_COLUMNS},
        "x": {"type": "integer", "minimum": 0, "maximum": GRID_COLUMNS - 1},
        "y": {"type": "integer", "minimum": 0},
    },
}
DATASOURCE_REF = {
    "type": "object",
    "properties": {"type": {"type": "string"}, "uid": {"type": "string"}},
}
QUERY_PANEL = {
    "type": "object",
    "required": ["id", "type", "title", "gridPos", "datasource", "targets", "fieldConfig"],
    "properties": {
        "id": {"type": "integer", "minimum": 1},
        "type": {"enum": ["timeseries", "stat", "gauge", "table", "bargauge", "heatmap"]},
        "title": {"type": "string", "minLength": 1},
        "description": {"type": "string"},
        "gridPos": GRID_POS,
        "datasource": DATASOURCE_REF,
        "fieldConfig": {
            "type": "object",
            "required": ["defaults", "overrides"],
            "properties": {"defaults": {"type": "object"}, "overrides": {"type": "array"}},
        },
        "options": {"type": "object"},
        "targets": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["refId", "expr"],
                "properties": {
                    "refId": {"type": "string", "minLength": 1},
                    "expr": {"type": "string", "minLength": 1},
                    "legendFormat": {"type": "string"},
                    "datasource": DATASOURCE_REF,
                },
            },
        },
    },
}
ROW_PANEL = {
    "type": "object",
    "required": ["id", "type", "title", "gridPos", "collapsed", "panels"],
    "properties": {
        "id": {"type": "integer", "minimum": 1},
        "type": {"const": "row"},
        "title": {"type": "string"},
        "gridPos": GRID_POS,
        "collapsed": {"type": "boolean"},
        "panels": {"type": "array"},
    },
}
DASHBOARD_SCHEMA = {
    "type": "object",
    "required": [
        "uid",
        "title",
        "schemaVersion",
        "panels",
        "time",
        "templating",
        "annotations",
        "editable",
        "graphTooltip",
        "timezone",
    ],
    "properties": {
        "id": {"type": ["integer", "null"]},
        "uid": {"type": "string", "pattern": "^[A-Za-z0-9_-]{1,40}$"},
        "title": {"type": "string", "minLength": 1},
        "tags": {"type": "array", "items": {"type": "string"}},
        # 36 is the dashboard kind's first version; Grafana migrates older models on load.
        "schemaVersion": {"type": "integer", "minimum": 36},
        "version": {"type": "integer", "minimum": 0},
        "editable": {"type": "boolean"},
        "graphTooltip": {"enum": [0, 1, 2]},
        "timezone": {"type": "string"},
        "refresh": {"type": "string", "pattern": "^[0-9]+[smhd]$"},
        "time": {
            "type": "object",
            "required": ["from", "to"],
            "properties": {"from": {"type": "string"}, "to": {"type": "string"}},
        },
        "templating": {
            "type": "object",
            "required": ["list"],
            "properties": {
                "list": {
                    "type": "array",
                    "items": {"type": "object", "required": ["name", "type"]},
                }
            },
        },
        "annotations": {
            "type": "object",
            "required": ["list"],
            "properties": {
                "list": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["datasource", "enable", "iconColor", "name"],
                    },
                }
            },
        },
        "panels": {
            "type": "array",
            "minItems": 1,
            "items": {
                "if": {"properties": {"type": {"const": "row"}}},
                "then": ROW_PANEL,
                "else": QUERY_PANEL,
            },
        },
    },
}


def _dashboard() -> dict[str, Any]:
    return json.loads(DASHBOARD.read_text(encoding="utf-8"))


def _query_panels() -> list[dict[str, Any]]:
    return [panel for panel in _dashboard()["panels"] if panel["type"] != "row"]


def _expressions() -> list[str]:
    return [target["expr"] for panel in _query_panels() for target in panel["targets"]]


def _cells(panel: dict[str, Any]) -> set[tuple[int, int]]:
    pos = panel["gridPos"]
    return {
        (x, y)
        for x in range(pos["x"], pos["x"] + pos["w"])
        for y in range(pos["y"], pos["y"] + pos["h"])
    }


def _schema_errors(model: dict[str, Any]) -> list[str]:
    return [
        f"{'/'.join(map(str, error.absolute_path))}: {error.message}"
        for error in Draft7Validator(DASHBOARD_SCHEMA).iter_errors(model)
    ]


def test_the_dashboard_is_a_valid_grafana_dashboard_model():
    assert _schema_errors(_dashboard()) == []


def test_the_schema_check_catches_a_broken_panel():
    model = _dashboard()
    del model["panels"][1]["gridPos"]["w"]
    model["panels"][2]["targets"][0].pop("refId")
    assert len(_schema_errors(model)) == 2


def test_panel_ids_are_unique():
    ids = [panel["id"] for panel in _dashboard()["panels"]]
    assert len(ids) == len(set(ids))


def test_panels_fit_the_grid_and_do_not_overlap():
    taken: set[tuple[int, int]] = set()
    for panel in _dashboard()["panels"]:
        pos = panel["gridPos"]
        assert pos["x"] + pos["w"] <= GRID_COLUMNS, panel["title"]
        cells = _cells(panel)
        assert not cells & taken, f"{panel['title']} overlaps another panel"
        taken |= cells


def test_every_query_names_its_own_ref_id_once_per_panel():
    for panel in _query_panels():
        refs = [target["refId"] for target in panel["targets"]]
        assert len(refs) == len(set(refs)), panel["title"]


def test_every_panel_reads_prometheus_through_the_datasource_variable():
    variables = {v["name"]: v for v in _dashboard()["templating"]["list"]}
    assert variables["datasource"]["type"] == "datasource"
    assert variables["datasource"]["query"] == "prometheus"
    for panel in _query_panels():
        assert panel["datasource"] == {"type": "prometheus", "uid": "${datasource}"}, panel["title"]


@pytest.mark.parametrize("expr", _expressions())
def test_every_expression_reads_only_metrics_newsflow_exports(expr):
    names = metrics_in(expr)
    assert names, f"reads no metric: {expr}"
    assert names <= known(), f"unknown metrics {names - known()} in {expr}"


@pytest.mark.parametrize("view", sorted(REQUIRED_VIEWS))
def test_the_dashboard_shows_what_the_issue_asks_for(view):
    metric = REQUIRED_VIEWS[view]
    assert any(metric in metrics_in(expr) for expr in _expressions()), view


def test_the_latency_panels_show_quantiles_of_the_histograms():
    quantiles = [expr for expr in _expressions() if "histogram_quantile(" in expr]
    assert quantiles
    # Summed by `le` (and maybe more labels): otherwise the quantile mixes buckets of workers.
    assert all(re.search(r"_bucket\b", expr) and BY_LE.search(expr) for expr in quantiles)
