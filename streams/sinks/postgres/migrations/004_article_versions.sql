-- Which code made each stored article and when (the record's `pipeline`), so the sink keeps
-- the newest version of an article whatever order versions arrive in (docs/reliability.md,
-- "Versions of an article"); and the runs of `newsflow reprocess` with what each changed.
-- Rows stored before this migration have no version: any versioned record of the same input
-- replaces them.

ALTER TABLE articles
    ADD COLUMN rules_version    integer,
    ADD COLUMN pipeline_version integer[] NOT NULL DEFAULT '{}',
    ADD COLUMN produced_at      timestamptz;

CREATE INDEX articles_pipeline_version_idx ON articles (pipeline_version);

-- One row per `newsflow reprocess` run: what it selects, the end of articles.raw it reads up
-- to, how far it got per partition (committed with the articles it wrote), and its counts.
CREATE TABLE reprocess_runs (
    id          bigserial   PRIMARY KEY,
    selection   jsonb       NOT NULL,
    pipeline    jsonb       NOT NULL,
    end_offsets jsonb       NOT NULL,
    done_offsets jsonb      NOT NULL DEFAULT '{}',
    counts      jsonb       NOT NULL DEFAULT '{}',
    started_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    finished_at timestamptz
);

-- What one run did to one article: written in the transaction that stored the article, so a
-- run killed and resumed holds each article at most once.
CREATE TABLE reprocess_changes (
    run_id           bigint  NOT NULL REFERENCES reprocess_runs (id) ON DELETE CASCADE,
    article_id       text    NOT NULL,
    outcome          text    NOT NULL CHECK (outcome IN ('new', 'updated', 'unchanged', 'newer-kept')),
    quotes_added     integer NOT NULL DEFAULT 0,
    quotes_removed   integer NOT NULL DEFAULT 0,
    quotes_changed   integer NOT NULL DEFAULT 0,
    speakers_added   text[]  NOT NULL DEFAULT '{}',
    speakers_removed text[]  NOT NULL DEFAULT '{}',
    entities_added   integer NOT NULL DEFAULT 0,
    entities_removed integer NOT NULL DEFAULT 0,
    PRIMARY KEY (run_id, article_id)
);
