"""newsflow's wire contracts: pydantic v2 models of each topic's records, and their JSON Schema."""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import BaseModel

from schemas.articles import (
    SCHEMA_VERSION,
    CleanArticle,
    EnrichedArticle,
    EntitiesArticle,
    Entity,
    Mention,
    Pipeline,
    Quote,
    RawArticle,
    Span,
)
from schemas.dead_letter import DeadLetter

JSON_SCHEMA_DIR = Path(__file__).parent / "json"

RECORDS: dict[str, type[BaseModel]] = {
    "raw_article": RawArticle,
    "clean_article": CleanArticle,
    "entities_article": EntitiesArticle,
    "enriched_article": EnrichedArticle,
    "dead_letter": DeadLetter,
}


def json_schemas() -> dict[str, str]:
    """Return each record's JSON Schema as the text of its `json/<name>.schema.json` file."""
    return {
        f"{name}.schema.json": json.dumps(model.model_json_schema(), indent=2, sort_keys=True)
        + "\n"
        for name, model in RECORDS.items()
    }


def export_json_schemas(directory: Path = JSON_SCHEMA_DIR) -> list[Path]:
    """Write every record's JSON Schema into `directory`; return the files written."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for filename, text in json_schemas().items():
        path = directory / filename
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


__all__ = [
    "RECORDS",
    "SCHEMA_VERSION",
    "CleanArticle",
    "DeadLetter",
    "EnrichedArticle",
    "EntitiesArticle",
    "Entity",
    "Mention",
    "Pipeline",
    "Quote",
    "RawArticle",
    "Span",
    "export_json_schemas",
    "json_schemas",
]
