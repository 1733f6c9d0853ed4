"""The answers to the common questions, in SQL, from the CLI and from Python, on a real database.

The articles are the demo seeds and a 2,000-article synthetic corpus, enriched in-process, plus
a few hand-made records that spell one person two ways; all are written by the sink's own path.
Expected counts are computed here from the records, not by the code under test.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import re
import shlex
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

import psycopg
import pytest

from bench.synthetic import articles as synthetic_articles
from schemas import EnrichedArticle, Entity, Mention, Quote
from streams.answers import queries
from streams.config import Settings
from streams.intake.enriching import enrich_inputs
from streams.intake.inputs import Input, read_inputs
from streams.sinks.postgres.migrations import migrate
from streams.sinks.postgres.sink import PostgresSink
from tests.conftest import REPO, Services
from tests.e2e.browser import running_viewer
from tests.memory import write_records

pytestmark = pytest.mark.integration

README = REPO / "README.md"


def hand_made(article_id: str, choe: str, days_ago: int, body_word: str) -> EnrichedArticle:
    """An article where Choe (spelled `choe`) and Wang Yi talk about North Korea."""
    body = f"{choe} met Wang Yi to discuss North Korea and {body_word}. Wang Yi said it went well."
    start = body.index("Wang Yi")
    return EnrichedArticle(
        id=article_id,
        headline=f"{choe} meets Wang Yi",
        body=body,
        content_hash=uuid.uuid4().hex * 2,
        source="Test Wire",
        published_at=datetime.now(UTC) - timedelta(days=days_ago),
        entities=[
            Entity(
                name=choe, label="PERSON", mentions=[Mention(start=0, end=len(choe), text=choe)]
            ),
            Entity(
                name="Wang Yi",
                label="PERSON",
                mentions=[Mention(start=start, end=start + 7, text="Wang Yi")],
            ),
            Entity(name="North Korea", label="GPE", mentions=[Mention(start=0, end=1, text="N")]),
        ],
        quotes=[
            Quote(
                text=f"the talks on {body_word} went well",
                kind="indirect",
                speaker="Wang Yi",
                cue="said",
                start=0,
                end=10,
            ),
            Quote(text="we are ready", kind="direct", speaker=choe, cue="said", start=0, end=5),
        ],
    )


HAND_MADE = [
    hand_made("hand-1", "Choe Son Hui", 1, "hegemony"),
    hand_made("hand-2", "Choe Son-hui", 2, "sanctions"),
    hand_made("hand-3", "Choe Son-hui", 30, "fisheries"),
]


@pytest.fixture(scope="module")
def records() -> list[EnrichedArticle]:
    """The seeds and the synthetic corpus enriched in-process (as `newsflow enrich`), and more."""
    settings = Settings()
    inputs = [
        *read_inputs([str(REPO / "seeds")], io.BytesIO()),
        *(Input(key, value) for key, value in synthetic_articles("synthetic", 2000)),
    ]
    enriched = [outcome for _, outcome in enrich_inputs(inputs, settings)]
    assert not [outcome for outcome in enriched if isinstance(outcome, Exception)]
    return [*enriched, *HAND_MADE]  # type: ignore[list-item]


@pytest.fixture(scope="module")
def answers_db(migrated: Services, records: list[EnrichedArticle]) -> Iterator[str]:
    """A database of its own holding exactly `records`, written by the sink in batches."""
    name = f"answers_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(migrated.database_url, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    url = migrated.database_url.rsplit("/", 1)[0] + f"/{name}"
    migrate(url)
    for start in range(0, len(records), 500):
        asyncio.run(write_records(PostgresSink(url), records[start : start + 500]))
    yield url


@pytest.fixture
def conn(answers_db: str) -> Iterator[psycopg.Connection]:
    with psycopg.connect(answers_db, autocommit=True) as connection:
        yield connection


def person_key(name: str) -> str:
    """The test's own spelling-blind key: case and hyphens do not matter."""
    return " ".join(name.lower().replace("-", " ").split())


def expected_people(records: list[EnrichedArticle]) -> Counter[str]:
    """Articles per person, counted from the records: their PERSON entities, and the quote
    speakers that are none of the record's entities (the sink files those as people)."""
    return Counter(key for record in records for key in people_of(record))


def people_of(record: EnrichedArticle) -> set[str]:
    named = {e.name for e in record.entities}
    return {person_key(e.name) for e in record.entities if e.label == "PERSON"} | {
        person_key(q.speaker) for q in record.quotes if q.speaker and q.speaker not in named
    }


def newsflow(answers_db: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = Services("unused", answers_db, "test").env()
    return subprocess.run(
        [sys.executable, "-m", "streams", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


def json_lines(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


# ---------------------------------------------------------------- people across articles


def test_people_are_one_row_each_across_articles_with_the_counts_of_the_records(
    conn: psycopg.Connection, records: list[EnrichedArticle]
) -> None:
    rows = conn.execute(
        "SELECT entity_id, articles FROM entity_summary WHERE family = 'person' AND articles > 0"
    ).fetchall()
    found = Counter({entity_id.split(":", 1)[1]: articles for entity_id, articles in rows})
    assert len(rows) == len(found)
    assert found == expected_people(records)
    # the corpus names its eight people in hundreds of articles each
    assert min(count for key, count in found.items() if key == "hannah weber") > 100


def test_two_spellings_of_one_person_are_one_entity_with_both_aliases(
    conn: psycopg.Connection,
) -> None:
    row = conn.execute(
        "SELECT name, aliases, articles, quotes FROM entity_summary"
        " WHERE entity_id = 'person:choe son hui'"
    ).fetchone()
    assert row is not None
    _, aliases, articles, quotes = row
    assert {"Choe Son Hui", "Choe Son-hui"} <= set(aliases)
    assert (articles, quotes) == (3, 3)


def test_people_command_json_matches_the_records(
    answers_db: str, records: list[EnrichedArticle]
) -> None:
    result = newsflow(answers_db, "people", "--top", "20", "--format", "json")
    assert result.returncode == 0, result.stderr
    shown = {
        row["entity_id"].split(":", 1)[1]: row["articles"] for row in json_lines(result.stdout)
    }
    expected = expected_people(records)
    assert len(shown) == 20
    assert all(expected[key] == count for key, count in shown.items())
    assert min(shown.values()) >= sorted(expected.values(), reverse=True)[19]


def test_columns_picks_and_orders_the_columns_and_a_wrong_name_lists_them(
    answers_db: str,
) -> None:
    picked = newsflow(
        answers_db, "people", "--top", "3", "--columns", "articles,name", "--format", "csv"
    )
    assert picked.returncode == 0, picked.stderr
    header, *rows = picked.stdout.splitlines()
    assert header == "articles,name" and len(rows) == 3

    wrong = newsflow(answers_db, "people", "--columns", "articles,nope")
    assert wrong.returncode == 2
    assert "usage: newsflow people" in wrong.stderr
    assert "no column nope: choose from entity_id,name," in wrong.stderr


def test_people_from_python_match_the_records(
    answers_db: str, records: list[EnrichedArticle]
) -> None:
    from newsflow import connect

    table = connect(answers_db).people(top=None).arrow()
    frame = table.to_pandas()
    found = {
        entity_id.split(":", 1)[1]: articles
        for entity_id, articles in zip(frame["entity_id"], frame["articles"], strict=True)
        if articles > 0
    }
    assert found == dict(expected_people(records))


# ---------------------------------------------------------------- quotes and speakers


def test_quotes_by_speaker_about_an_entity_in_a_window_from_sql_cli_and_python(
    conn: psycopg.Connection, answers_db: str
) -> None:
    sql = conn.execute(
        "SELECT article_id, text FROM find_quotes(speaker => 'Choe Son-hui',"
        " entity => 'North Korea', since => now() - interval '7 days') ORDER BY article_id"
    ).fetchall()
    assert sql == [("hand-1", "we are ready"), ("hand-2", "we are ready")]

    result = newsflow(
        answers_db, "quotes", "--speaker", "choe son hui", "--about", "North Korea",
        "--since", "7d", "--format", "json",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert sorted(row["article_id"] for row in json_lines(result.stdout)) == ["hand-1", "hand-2"]

    from newsflow import connect

    shown = connect(answers_db).quotes(speaker="Choe Son-hui", about="North Korea", since="7d")
    assert sorted(row["article_id"] for row in shown.dicts()) == ["hand-1", "hand-2"]


def test_who_is_quoted_most_overall_about_an_entity_in_a_window_by_source(
    conn: psycopg.Connection, answers_db: str, records: list[EnrichedArticle]
) -> None:
    quoted = Counter(
        person_key(q.speaker) for record in records for q in record.quotes if q.speaker
    )
    overall = conn.execute("SELECT speaker_id, quotes FROM top_speakers() LIMIT 3").fetchall()
    assert [count for _, count in overall] == [count for _, count in quoted.most_common(3)]
    about = conn.execute(
        "SELECT speaker_id, quotes FROM top_speakers(entity => 'north korea',"
        " since => now() - interval '7 days', source => 'Test Wire')"
    ).fetchall()
    assert about == [("person:choe son hui", 2), ("person:wang yi", 2)]

    result = newsflow(
        answers_db, "people", "--quoted", "--about", "North Korea", "--source", "Test Wire",
        "--format", "csv",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[:3] == [
        "speaker_id,name,quotes,articles",
        "person:choe son hui,Choe Son Hui,3,3",
        "person:wang yi,Wang Yi,3,3",
    ]
    from newsflow import connect

    top = connect(answers_db).top_speakers(about="North Korea", since="7d", source="Test Wire")
    assert [(row["speaker_id"], row["quotes"]) for row in top.dicts()] == about


# ---------------------------------------------------------------- entities


def test_co_occurring_entities_and_articles_mentioning_one(
    conn: psycopg.Connection, answers_db: str
) -> None:
    related = conn.execute("SELECT entity_id, articles FROM co_occurring('Wang Yi')").fetchall()
    assert related == [("person:choe son hui", 3), ("place:north korea", 3)]
    mentioning = conn.execute(
        "SELECT article_id FROM articles_mentioning('person:choe son hui')"
    ).fetchall()
    assert mentioning == [("hand-1",), ("hand-2",), ("hand-3",)]

    result = newsflow(answers_db, "entity", "Wang Yi", "--related", "--format", "json")
    assert result.returncode == 0, result.stderr
    assert [row["entity_id"] for row in json_lines(result.stdout)] == [e for e, _ in related]
    result = newsflow(answers_db, "entity", "CHOE SON-HUI", "--format", "csv")
    assert [line.split(",")[1] for line in result.stdout.splitlines()[1:]] == [
        "hand-1",
        "hand-2",
        "hand-3",
    ]
    from newsflow import connect

    store = connect(answers_db)
    assert [row["entity_id"] for row in store.co_occurring("wang yi").dicts()] == [
        e for e, _ in related
    ]
    assert len(store.articles_mentioning("Choe Son Hui").rows) == 3


# ---------------------------------------------------------------- full-text search


def test_a_server_refreshes_the_search_index_at_most_every_few_seconds(
    conn: psycopg.Connection,
) -> None:
    def indexed() -> int:
        return conn.execute("SELECT count(*) FROM article_search").fetchone()[0]

    queries.search(conn, "hegemony")  # the CLI's way: index first, every time
    everything = indexed()
    conn.execute("DELETE FROM article_search WHERE article_id = 'hand-1'")
    found = queries.search(conn, "hegemony", "articles", index_every_s=3600).dicts()
    assert (indexed(), [row["article_id"] for row in found]) == (everything - 1, ["hand-1"])
    queries.search(conn, "hegemony", index_every_s=0.0)
    assert indexed() == everything


def test_search_finds_bodies_before_and_after_indexing_and_quotes(
    conn: psycopg.Connection, answers_db: str
) -> None:
    before = conn.execute("SELECT article_id FROM search_articles('hegemony')").fetchall()
    assert before == [("hand-1",)]
    assert conn.execute("SELECT index_articles()").fetchone()[0] >= 0
    assert (
        conn.execute("SELECT count(*) FROM article_search").fetchone()[0]
        == conn.execute("SELECT count(*) FROM articles").fetchone()[0]
    )
    after = conn.execute("SELECT article_id FROM search_articles('hegemony')").fetchall()
    assert after == before
    quotes = conn.execute("SELECT article_id, speaker FROM search_quotes('hegemony')").fetchall()
    assert quotes == [("hand-1", "Wang Yi")]

    result = newsflow(answers_db, "search", "hegemony", "--format", "json")
    assert result.returncode == 0, result.stderr
    assert sorted((row["kind"], row["article_id"]) for row in json_lines(result.stdout)) == [
        ("article", "hand-1"),
        ("quote", "hand-1"),
    ]
    for within, kind in (("quotes", "quote"), ("articles", "article")):
        alone = newsflow(answers_db, "search", "hegemony", "--in", within, "--format", "json")
        assert alone.returncode == 0, alone.stderr
        assert [(row["kind"], row["article_id"]) for row in json_lines(alone.stdout)] == [
            (kind, "hand-1")
        ]
    from newsflow import connect

    assert {row["kind"] for row in connect(answers_db).search("hegemony").dicts()} == {
        "article",
        "quote",
    }


def test_a_changed_body_is_found_by_its_new_words_before_reindexing(
    conn: psycopg.Connection, answers_db: str
) -> None:
    conn.execute("SELECT index_articles()")
    changed = hand_made("hand-4", "Choe Son Hui", 1, "aquaculture")
    asyncio.run(write_records(PostgresSink(answers_db), [changed]))
    assert conn.execute("SELECT article_id FROM search_articles('aquaculture')").fetchall() == [
        ("hand-4",)
    ]
    conn.execute("DELETE FROM articles WHERE id = 'hand-4'")


# ---------------------------------------------------------------- export


@pytest.mark.parametrize("form", ["parquet", "csv", "jsonl"])
def test_export_writes_every_row_readable_by_duckdb_and_pandas(
    answers_db: str, conn: psycopg.Connection, tmp_path: Path, form: str
) -> None:
    import duckdb
    import pandas

    result = newsflow(answers_db, "export", "--format", form, "--out", str(tmp_path))
    assert result.returncode == 0, result.stderr
    for table in ("articles", "entities", "quotes"):
        count = conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
        path = tmp_path / f"{table}.{form}"
        reader = {"parquet": "read_parquet", "csv": "read_csv", "jsonl": "read_json"}[form]
        assert duckdb.sql(f"SELECT count(*) FROM {reader}('{path}')").fetchall() == [(count,)]
        frame = {
            "parquet": pandas.read_parquet,
            "csv": pandas.read_csv,
            "jsonl": lambda p: pandas.read_json(p, lines=True),
        }[form](path)
        assert len(frame) == count
    if form == "parquet":
        people = duckdb.sql(
            f"SELECT count(DISTINCT article_id) FROM '{tmp_path}/entities.parquet'"
            " WHERE entity_id = 'person:choe son hui'"
        ).fetchall()
        assert people == [(3,)]
        times = pandas.read_parquet(tmp_path / "articles.parquet")["published_at"]
        assert str(times.dtype) == "datetime64[us, UTC]"


# ---------------------------------------------------------------- the JSON HTTP API


@pytest.fixture(scope="module")
def api(answers_db: str) -> Iterator[str]:
    """`newsflow view` on a free port over the answers database; its base URL."""
    with running_viewer(Services("unused", answers_db, "test")) as url:
        yield url


def get(url: str) -> tuple[int, dict[str, str], bytes]:
    """GET `url`; return its status, headers and body (error statuses too)."""
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def get_json(url: str) -> Any:
    status, _, body = get(url)
    assert status == 200, (url, status, body[:300])
    return json.loads(body)


def test_api_pages_through_the_people_once_each_with_the_counts_of_the_records(
    api: str, records: list[EnrichedArticle]
) -> None:
    found: dict[str, int] = {}
    pages = 0
    path: str | None = "/api/people?limit=7"
    while path is not None:
        page = get_json(api + path)
        assert len(page["items"]) <= 7
        for row in page["items"]:
            assert row["entity_id"] not in found, f"{row['entity_id']} on two pages"
            found[row["entity_id"]] = row["articles"]
        path, pages = page["next"], pages + 1
    assert pages > 1
    assert {key.split(":", 1)[1]: n for key, n in found.items()} == dict(expected_people(records))


def test_api_quotes_take_the_filters_of_the_cli(api: str, answers_db: str) -> None:
    query = urllib.parse.urlencode(
        {"speaker": "Choe Son-hui", "about": "north korea", "since": "7d"}
    )
    page = get_json(f"{api}/api/quotes?{query}")
    assert sorted(row["article_id"] for row in page["items"]) == ["hand-1", "hand-2"]
    cli = newsflow(
        answers_db, "quotes", "--speaker", "Choe Son-hui", "--about", "north korea",
        "--since", "7d", "--format", "json",
    )  # fmt: skip
    assert page["items"] == json_lines(cli.stdout)
    assert page["next"] is None and page["offset"] == 0

    second = get_json(f"{api}/api/quotes?{query}&limit=1&offset=1")
    assert second["items"] == page["items"][1:] and second["next"] is None


def test_api_entities_search_and_articles_answer_from_the_same_sql(api: str) -> None:
    choe = get_json(f"{api}/api/entities/{quote('person:choe son hui', safe='')}")
    assert {"Choe Son Hui", "Choe Son-hui"} <= set(choe["aliases"])
    assert (choe["articles"], choe["quotes"]) == (3, 3)

    beside = get_json(f"{api}/api/entities/person%3Achoe%20son%20hui/co-occurring")["items"]
    assert {row["entity_id"]: row["articles"] for row in beside}["person:wang yi"] == 3
    named = get_json(f"{api}/api/entities/person%3Achoe%20son%20hui/articles")["items"]
    assert sorted(row["article_id"] for row in named) == ["hand-1", "hand-2", "hand-3"]
    talked = get_json(f"{api}/api/entities/person%3Awang%20yi/talks-about")["items"]
    assert all(row["entity_id"] != "person:wang yi" for row in talked)

    hits = get_json(f"{api}/api/search?q=hegemony")["items"]
    assert sorted((row["kind"], row["article_id"]) for row in hits) == [
        ("article", "hand-1"),
        ("quote", "hand-1"),
    ]
    speakers = get_json(f"{api}/api/speakers?about=North%20Korea")
    assert {(row["speaker_id"], row["quotes"]) for row in speakers["items"]} == {
        ("person:choe son hui", 3),
        ("person:wang yi", 3),
    }
    assert get_json(f"{api}/api/speakers?about=North%20Korea&limit=1")["next"] is not None

    record = get_json(f"{api}/api/articles/hand-1")
    assert record["id"] == "hand-1" and record["headline"] == "Choe Son Hui meets Wang Yi"
    listed = get_json(f"{api}/api/articles?about=Wang%20Yi")["items"]
    assert [row["article_id"] for row in listed] == ["hand-1", "hand-2", "hand-3"]


@pytest.mark.parametrize(
    ("path", "status", "detail"),
    [
        ("/api/quotes?since=yesterday", 400, "since: 'yesterday' is not a time"),
        ("/api/people?limit=0", 422, "greater than or equal to 1"),
        ("/api/search", 422, "Field required"),
        ("/api/articles/no-such-article", 404, "no article 'no-such-article'"),
        ("/api/entities/person%3Anobody", 404, "no entity 'person:nobody'"),
        ("/api/nothing-here", 404, "Not Found"),
    ],
)
def test_api_errors_are_json_with_a_reason(api: str, path: str, status: int, detail: str) -> None:
    got, headers, body = get(api + path)
    assert got == status
    assert headers["content-type"].startswith("application/json")
    assert detail in json.dumps(json.loads(body)["detail"])


def test_the_openapi_description_names_every_route_and_its_page_runs_no_script(api: str) -> None:
    spec = get_json(f"{api}/api/openapi.json")
    assert {
        "/api/articles",
        "/api/articles/{article_id}",
        "/api/quotes",
        "/api/people",
        "/api/speakers",
        "/api/entities/{entity_id}",
        "/api/entities/{entity_id}/co-occurring",
        "/api/search",
    } <= set(spec["paths"])
    quotes_parameters = {p["name"] for p in spec["paths"]["/api/quotes"]["get"]["parameters"]}
    assert {"speaker", "about", "since", "until", "source", "limit", "offset"} <= quotes_parameters

    status, headers, body = get(f"{api}/api/docs")
    page = body.decode()
    assert status == 200 and "<script" not in page and "/api/quotes" in page
    assert "default-src 'none'" in headers["content-security-policy"]


# ---------------------------------------------------------------- README examples


def readme_blocks(language: str) -> list[str]:
    """Return the README's code blocks of `language` in its "Query it" section."""
    text = README.read_text(encoding="utf-8")
    section = text.split("## Query it", 1)[1].split("\n## ", 1)[0]
    return re.findall(rf"```{language}\n(.*?)```", section, re.DOTALL)


def readme_commands() -> list[str]:
    """Return the `newsflow …` and `curl …` lines of "Query it" and of the first screen."""
    text = README.read_text(encoding="utf-8")
    console = re.findall(r"```console\n(.*?)```", text.split("\n## ", 1)[0], re.DOTALL)
    lines = [line.removeprefix("$ ") for block in console for line in block.splitlines()]
    lines += [line for block in readme_blocks("sh") for line in block.splitlines()]
    return [line for line in lines if line.startswith(("newsflow ", "curl "))]


def test_the_readme_sql_examples_run_and_return_rows(conn: psycopg.Connection) -> None:
    blocks = readme_blocks("sql")
    assert len(blocks) >= 6
    for sql in blocks:
        assert conn.execute(sql).fetchall(), sql


def test_the_readme_python_examples_run_in_one_session(
    answers_db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from streams.config import get_settings

    monkeypatch.setenv("NEWSFLOW_DATABASE_URL", answers_db)
    get_settings.cache_clear()
    blocks = readme_blocks("python")
    assert len(blocks) >= 6
    session: dict[str, Any] = {}
    printed = io.StringIO()
    try:
        with contextlib.redirect_stdout(printed):
            for code in blocks:
                exec(compile(code, "README.md", "exec"), session)
    finally:
        get_settings.cache_clear()
    assert printed.getvalue().count("\n") >= len(blocks) - 1


def test_the_readme_commands_run_and_answer(answers_db: str, api: str) -> None:
    commands = readme_commands()
    assert sum(line.startswith("newsflow ") for line in commands) >= 6
    for line in commands:
        words = shlex.split(line)
        if words[0] == "curl":
            path = urllib.parse.urlsplit(words[-1])
            page = get_json(f"{api}{path.path}?{path.query}")
            assert page["items"], line
            continue
        result = newsflow(answers_db, *words[1:])
        assert result.returncode == 0, (line, result.stderr)
        assert result.stdout.strip(), line


def test_python_enrich_is_the_enrich_command(tmp_path: Path) -> None:
    from newsflow import enrich

    seed = REPO / "seeds" / "005_mill-road-cycle-lanes.json"
    command = subprocess.run(
        [sys.executable, "-m", "streams", "enrich", str(seed)],
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )
    (record,) = enrich(json.loads(seed.read_text()))
    made = EnrichedArticle.model_validate_json(command.stdout)
    # The same record but for when it was made (the pipeline stamp's produced_at).
    unstamped = {"pipeline": {"produced_at"}}
    assert made.model_dump(exclude=unstamped) == record.model_dump(exclude=unstamped)
