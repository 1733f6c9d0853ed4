-- The sink's children get cheaper to write: the b-tree indexes on entities.name and
-- quotes.speaker serve no question newsflow asks. Every question goes through the cross-article
-- ids (entities.entity_id, quotes.speaker_id, indexed since 005), and the viewer's name search
-- is a substring match (ILIKE '%...%'), which a b-tree cannot serve. Keeping them cost the
-- database about a quarter of the time it spends writing an article's entity and quote rows
-- (bench/sink_write.py, docs/performance.md). A user who filters by the exact surface form
-- often can create either again; the sink does not depend on them.
DROP INDEX IF EXISTS entities_name_idx;
DROP INDEX IF EXISTS quotes_speaker_idx;
