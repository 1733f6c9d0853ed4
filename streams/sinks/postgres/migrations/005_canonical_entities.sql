-- People, organisations and places across articles: one row per cross-article entity, keyed by
-- a stable id the sink computes from the normalised name and label family
-- (streams/sinks/postgres/canonical.py: `person:choe son hui` for "Choe Son-hui").
-- Each article's mentions (entities) and quote speakers (quotes) refer to it by that id.
-- The sink writes all of it in the article's transaction. Rows stored before this migration
-- have NULL ids until their article is stored again.

-- The ids of the record's entities and quote speakers, in record order (what the sink derives
-- entities.entity_id and quotes.speaker_id from, as it derives the rest from `record`).
ALTER TABLE articles
    ADD COLUMN entity_ids  text[] NOT NULL DEFAULT '{}',
    ADD COLUMN speaker_ids text[] NOT NULL DEFAULT '{}';

ALTER TABLE entities ADD COLUMN entity_id text;
ALTER TABLE quotes ADD COLUMN speaker_id text;

CREATE INDEX entities_entity_id_idx ON entities (entity_id, article_id);
CREATE INDEX quotes_speaker_id_idx ON quotes (speaker_id);

-- One row per entity ever stored: its first-seen name and every surface form seen (aliases).
-- Counts are not kept here but computed from entities/quotes (entity_summary), so they stay
-- exact when an article is replaced or deleted.
CREATE TABLE canonical_entities (
    entity_id     text PRIMARY KEY,
    name          text        NOT NULL,
    family        text        NOT NULL,
    aliases       text[]      NOT NULL DEFAULT '{}',
    first_seen_at timestamptz NOT NULL DEFAULT now()
);
