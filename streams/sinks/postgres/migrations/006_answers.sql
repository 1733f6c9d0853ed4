-- Answers to the common questions as views and functions (README "Query it").
-- A function's `entity` or `speaker` argument is an entity id (`person:wang yi`), or any name
-- or alias it was stored under, in any case (entity_ids_named); it matches every such entity.

-- Quotes with their article, speaker and time (dated_at: published, else stored).
CREATE VIEW quote_details AS
SELECT q.article_id, q.ordinal, q.text, q.kind, q.speaker, q.speaker_id, q.cue,
       a.headline, a.source, a.url, a.published_at, a.stored_at,
       coalesce(a.published_at, a.stored_at) AS dated_at
FROM quotes AS q
JOIN articles AS a ON a.id = q.article_id;

-- One row per cross-article entity with its counts, computed from the stored rows.
CREATE VIEW entity_summary AS
SELECT c.entity_id, c.name, c.family, c.aliases,
       coalesce(m.articles, 0) AS articles,
       coalesce(m.mentions, 0) AS mentions,
       coalesce(s.quotes, 0) AS quotes
FROM canonical_entities AS c
LEFT JOIN (SELECT entity_id, count(DISTINCT article_id) AS articles,
                  sum(jsonb_array_length(mentions)) AS mentions
           FROM entities GROUP BY entity_id) AS m USING (entity_id)
LEFT JOIN (SELECT speaker_id AS entity_id, count(*) AS quotes
           FROM quotes GROUP BY speaker_id) AS s USING (entity_id)
WHERE m.articles IS NOT NULL OR s.quotes IS NOT NULL;

CREATE FUNCTION entity_ids_named(wanted text) RETURNS text[]
LANGUAGE sql STABLE PARALLEL SAFE
RETURN ARRAY(
    SELECT entity_id FROM canonical_entities
    WHERE entity_id = wanted
       OR substr(entity_id, strpos(entity_id, ':') + 1) = lower(wanted)
       OR EXISTS (SELECT 1 FROM unnest(aliases) AS alias WHERE lower(alias) = lower(wanted))
);

-- Quotes, newest first, by a speaker, in articles naming an entity, in [since, until), by source.
CREATE FUNCTION find_quotes(
    speaker text DEFAULT NULL, entity text DEFAULT NULL,
    since timestamptz DEFAULT NULL, until timestamptz DEFAULT NULL, source text DEFAULT NULL
) RETURNS SETOF quote_details
LANGUAGE sql STABLE AS $$
    SELECT q.* FROM quote_details AS q
    WHERE ($1 IS NULL OR q.speaker_id = ANY(entity_ids_named($1)))
      AND ($2 IS NULL OR EXISTS (
          SELECT 1 FROM entities AS e
          WHERE e.article_id = q.article_id AND e.entity_id = ANY(entity_ids_named($2))))
      AND ($3 IS NULL OR q.dated_at >= $3)
      AND ($4 IS NULL OR q.dated_at < $4)
      AND ($5 IS NULL OR q.source = $5)
    ORDER BY q.dated_at DESC, q.article_id, q.ordinal
$$;

-- Who is quoted most: overall, or in articles naming an entity, in [since, until), by source.
CREATE FUNCTION top_speakers(
    entity text DEFAULT NULL,
    since timestamptz DEFAULT NULL, until timestamptz DEFAULT NULL, source text DEFAULT NULL
) RETURNS TABLE (speaker_id text, name text, quotes bigint, articles bigint)
LANGUAGE sql STABLE AS $$
    SELECT q.speaker_id, c.name, count(*), count(DISTINCT q.article_id)
    FROM find_quotes(NULL, $1, $2, $3, $4) AS q
    JOIN canonical_entities AS c ON c.entity_id = q.speaker_id
    GROUP BY q.speaker_id, c.name
    ORDER BY count(*) DESC, count(DISTINCT q.article_id) DESC, q.speaker_id
$$;

-- The entities named in the same articles as an entity, by how many articles they share.
CREATE FUNCTION co_occurring(entity text)
RETURNS TABLE (entity_id text, name text, family text, articles bigint)
LANGUAGE sql STABLE AS $$
    SELECT o.entity_id, c.name, c.family, count(DISTINCT o.article_id)
    FROM entities AS e
    JOIN entities AS o ON o.article_id = e.article_id AND o.entity_id <> e.entity_id
    JOIN canonical_entities AS c ON c.entity_id = o.entity_id
    WHERE e.entity_id = ANY(entity_ids_named($1))
      AND o.entity_id <> ALL(entity_ids_named($1))
    GROUP BY o.entity_id, c.name, c.family
    ORDER BY count(DISTINCT o.article_id) DESC, o.entity_id
$$;

-- The articles naming an entity, newest first, with how often each names it.
CREATE FUNCTION articles_mentioning(entity text)
RETURNS TABLE (article_id text, headline text, source text, dated_at timestamptz, mentions bigint)
LANGUAGE sql STABLE AS $$
    SELECT a.id, a.headline, a.source, coalesce(a.published_at, a.stored_at),
           sum(jsonb_array_length(e.mentions))::bigint
    FROM entities AS e
    JOIN articles AS a ON a.id = e.article_id
    WHERE e.entity_id = ANY(entity_ids_named($1))
    GROUP BY a.id
    ORDER BY coalesce(a.published_at, a.stored_at) DESC, a.id
$$;

-- Full-text search. A body's tsvector costs the sink more than the rest of its row
-- (docs/performance.md), so the sink computes none: index_articles() indexes the articles
-- stored since it last ran (`newsflow search` and `newsflow db index` call it), and an article
-- not indexed yet, or whose body changed since, is still found: matching_articles reads its
-- body instead of the index. Quotes are parts of their article's body, so a quote matches only
-- in a matching article, and only those few quotes are searched, without an index.
CREATE FUNCTION article_document(headline text, body text) RETURNS tsvector
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN setweight(to_tsvector('english', coalesce(headline, '')), 'A')
       || to_tsvector('english', body);

CREATE TABLE article_search (
    article_id   text PRIMARY KEY,
    content_hash text     NOT NULL,
    document     tsvector NOT NULL
);
CREATE INDEX article_search_document_idx ON article_search USING gin (document);

-- Index up to `most` articles that lack an index entry or changed since; return how many.
CREATE FUNCTION index_articles(most integer DEFAULT 100000) RETURNS integer
LANGUAGE sql AS $$
    DELETE FROM article_search AS s
    WHERE NOT EXISTS (SELECT 1 FROM articles AS a WHERE a.id = s.article_id);
    WITH stale AS (
        SELECT a.id, a.content_hash, a.headline, a.body
        FROM articles AS a
        LEFT JOIN article_search AS s ON s.article_id = a.id
        WHERE s.article_id IS NULL OR s.content_hash <> a.content_hash
        ORDER BY a.id
        LIMIT most
    ), indexed AS (
        INSERT INTO article_search (article_id, content_hash, document)
        SELECT id, content_hash, article_document(headline, body) FROM stale
        ON CONFLICT (article_id) DO UPDATE
            SET content_hash = EXCLUDED.content_hash, document = EXCLUDED.document
        RETURNING 1
    )
    SELECT count(*)::integer FROM indexed
$$;

-- The articles whose headline or body match `tsq`, with their tsvector.
CREATE FUNCTION matching_articles(tsq tsquery)
RETURNS TABLE (article_id text, document tsvector)
LANGUAGE sql STABLE AS $$
    SELECT s.article_id, s.document
    FROM article_search AS s
    JOIN articles AS a ON a.id = s.article_id AND a.content_hash = s.content_hash
    WHERE s.document @@ $1
    UNION ALL
    SELECT a.id, article_document(a.headline, a.body)
    FROM articles AS a
    LEFT JOIN article_search AS s ON s.article_id = a.id AND s.content_hash = a.content_hash
    WHERE s.article_id IS NULL AND article_document(a.headline, a.body) @@ $1
$$;

-- Articles matching a web-search style query ("hegemony", "rice -exports", '"trade war"').
CREATE FUNCTION search_articles(query text)
RETURNS TABLE (article_id text, headline text, source text, dated_at timestamptz,
               rank real, snippet text)
LANGUAGE sql STABLE AS $$
    SELECT a.id, a.headline, a.source, coalesce(a.published_at, a.stored_at),
           ts_rank(m.document, q.tsq),
           ts_headline('english', a.body, q.tsq,
                       'MaxFragments=1, MaxWords=20, MinWords=8, StartSel=«, StopSel=»')
    FROM (SELECT websearch_to_tsquery('english', $1) AS tsq) AS q,
         matching_articles(q.tsq) AS m
    JOIN articles AS a ON a.id = m.article_id
    ORDER BY ts_rank(m.document, q.tsq) DESC, a.id
$$;

-- Quotes matching a web-search style query, best first.
CREATE FUNCTION search_quotes(query text)
RETURNS TABLE (article_id text, ordinal integer, text text, speaker text, speaker_id text,
               headline text, dated_at timestamptz, rank real)
LANGUAGE sql STABLE AS $$
    SELECT d.article_id, d.ordinal, d.text, d.speaker, d.speaker_id, d.headline, d.dated_at,
           ts_rank(to_tsvector('english', d.text), q.tsq)
    FROM (SELECT websearch_to_tsquery('english', $1) AS tsq) AS q,
         matching_articles(q.tsq) AS m
    JOIN quote_details AS d ON d.article_id = m.article_id
    WHERE to_tsvector('english', d.text) @@ q.tsq
    ORDER BY 8 DESC, d.article_id, d.ordinal
$$;
