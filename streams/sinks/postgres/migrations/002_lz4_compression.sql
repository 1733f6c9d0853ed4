-- Compress the two large columns with lz4 instead of pglz: the sink's article upserts took
-- about 1.6x less time in the benchmark (docs/performance.md). Rows stored before keep pglz.

ALTER TABLE articles
    ALTER COLUMN body SET COMPRESSION lz4,
    ALTER COLUMN record SET COMPRESSION lz4;
