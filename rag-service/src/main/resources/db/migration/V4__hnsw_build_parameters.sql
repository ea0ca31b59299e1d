-- A denser HNSW graph than pgvector's defaults (m 16, ef_construction 64): at 100,000 chunks the defaults gave
-- recall@10 0.82 at ef_search 100 in scripts/platform bench-rag; more links per node cost insert time, not search time.
DROP INDEX rag_chunk_embedding;
CREATE INDEX rag_chunk_embedding ON rag_chunk USING hnsw (embedding vector_cosine_ops) WITH (m = 24, ef_construction = 128);
