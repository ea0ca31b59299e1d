-- A denser HNSW graph than pgvector's defaults (m 16, ef_construction 64): more links per node cost insert time,
-- and buy recall at the same ef_search (scripts/platform bench-rag measures both at 100,000 chunks).
DROP INDEX rag_chunk_embedding;
CREATE INDEX rag_chunk_embedding ON rag_chunk USING hnsw (embedding vector_cosine_ops) WITH (m = 24, ef_construction = 128);
