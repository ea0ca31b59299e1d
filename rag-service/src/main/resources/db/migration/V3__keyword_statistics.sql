-- What the keyword ranking needs to weigh terms by rarity (BM25): per collection, in how many chunks each lexeme
-- occurs, and the collection's chunk and lexeme totals. Kept in the ingestion transaction, with the chunks.
CREATE TABLE rag_lexeme_stats (
    collection_id uuid    NOT NULL REFERENCES collection (id) ON DELETE CASCADE,
    lexeme        text    NOT NULL,
    chunks        integer NOT NULL,
    PRIMARY KEY (collection_id, lexeme)
);

ALTER TABLE collection
    ADD COLUMN chunk_count  bigint NOT NULL DEFAULT 0,
    ADD COLUMN lexeme_count bigint NOT NULL DEFAULT 0;
