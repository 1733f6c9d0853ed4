"""The exported JSON Schema files equal the models, and the records keep their contract."""

from __future__ import annotations

from schemas import JSON_SCHEMA_DIR, EnrichedArticle, json_schemas


def test_exported_json_schemas_match_the_models() -> None:
    for filename, text in json_schemas().items():
        path = JSON_SCHEMA_DIR / filename
        assert path.exists(), f"{filename} missing: run `python -m schemas`"
        assert path.read_text(encoding="utf-8") == text, (
            f"{filename} is stale: run `python -m schemas`"
        )


def test_enriched_records_carry_the_contract_fields() -> None:
    fields = set(EnrichedArticle.model_json_schema()["properties"])
    assert {
        "id",
        "schema_version",
        "headline",
        "body",
        "dateline",
        "byline",
        "entities",
        "quotes",
    } <= fields
    quote = EnrichedArticle.model_json_schema()["$defs"]["Quote"]["properties"]
    assert set(quote) == {"text", "kind", "speaker", "cue", "start", "end"}
