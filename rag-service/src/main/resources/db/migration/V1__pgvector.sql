-- Embeddings are stored with pgvector. Creating an extension needs a privileged role the first time; on a managed
-- server, have the administrator run this once and the migration is then a no-op.
CREATE EXTENSION IF NOT EXISTS vector;
