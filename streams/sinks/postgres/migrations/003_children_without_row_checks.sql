-- The sink is the one writer of entities and quotes, and writes them in the same transaction
-- as their article, so the foreign keys' per-row checks only repeated what that transaction
-- guarantees, at about half the cost of writing the child rows (docs/performance.md).
-- Deleting articles still deletes their children: one statement-level trigger does it.
-- (TRUNCATE articles does not fire it: truncate the three tables together.)

ALTER TABLE entities DROP CONSTRAINT IF EXISTS entities_article_id_fkey;
ALTER TABLE quotes DROP CONSTRAINT IF EXISTS quotes_article_id_fkey;

CREATE FUNCTION delete_article_children() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM entities WHERE article_id IN (SELECT id FROM deleted_articles);
    DELETE FROM quotes WHERE article_id IN (SELECT id FROM deleted_articles);
    RETURN NULL;
END
$$;

CREATE TRIGGER articles_delete_children
    AFTER DELETE ON articles
    REFERENCING OLD TABLE AS deleted_articles
    FOR EACH STATEMENT EXECUTE FUNCTION delete_article_children();
