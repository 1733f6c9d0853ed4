-- An article counts for an entity when it names it as an entity or quotes it as a speaker.
-- Before, `articles` counted entity rows only, so a speaker the model did not tag as an entity
-- (the sink files such a speaker as a person) was listed with 0 articles and 1 quote.
CREATE OR REPLACE VIEW entity_summary AS
SELECT c.entity_id, c.name, c.family, c.aliases,
       coalesce(n.articles, 0) AS articles,
       coalesce(m.mentions, 0) AS mentions,
       coalesce(s.quotes, 0) AS quotes
FROM canonical_entities AS c
LEFT JOIN (SELECT entity_id, count(DISTINCT article_id) AS articles
           FROM (SELECT entity_id, article_id FROM entities
                 UNION ALL SELECT speaker_id, article_id FROM quotes) AS named
           GROUP BY entity_id) AS n USING (entity_id)
LEFT JOIN (SELECT entity_id, sum(jsonb_array_length(mentions)) AS mentions
           FROM entities GROUP BY entity_id) AS m USING (entity_id)
LEFT JOIN (SELECT speaker_id AS entity_id, count(*) AS quotes
           FROM quotes GROUP BY speaker_id) AS s USING (entity_id)
WHERE n.articles IS NOT NULL;
