-- One row per article (the latest version of its enriched record), its entities and quotes.
-- The sink replaces an article's children in the same transaction as the article row.

CREATE TABLE articles (
    id              text PRIMARY KEY,
    schema_version  integer     NOT NULL,
    headline        text,
    body            text        NOT NULL,
    dateline        text,
    byline          text,
    language        text,
    url             text,
    source          text,
    published_at    timestamptz,
    content_hash    text        NOT NULL,
    record          jsonb       NOT NULL,
    kafka_partition integer     NOT NULL,
    kafka_offset    bigint      NOT NULL,
    published_ms    bigint,
    stored_at       timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE entities (
    article_id text    NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    ordinal    integer NOT NULL,
    name       text    NOT NULL,
    label      text    NOT NULL,
    mentions   jsonb   NOT NULL,
    aliases    text[]  NOT NULL DEFAULT '{}',
    PRIMARY KEY (article_id, ordinal)
);

CREATE TABLE quotes (
    article_id text    NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    ordinal    integer NOT NULL,
    text       text    NOT NULL,
    kind       text    NOT NULL CHECK (kind IN ('direct', 'indirect')),
    speaker    text,
    cue        text,
    start_char integer NOT NULL,
    end_char   integer NOT NULL,
    PRIMARY KEY (article_id, ordinal)
);

CREATE INDEX entities_name_idx ON entities (name);
CREATE INDEX quotes_speaker_idx ON quotes (speaker);
