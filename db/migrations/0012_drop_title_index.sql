-- A title sort reads a covering index and keeps the best rows instead (see db/schema.ts): the sync no longer
-- rewrites leaf pages all over a title b-tree at every commit.
DROP INDEX `tasks_title_idx`;