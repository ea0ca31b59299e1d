-- Collections belong to one tenant; documents to one collection; chunks to one document. Every table carries the
-- tenant so that every query can (and does) filter on it.
CREATE TABLE collection (
    id          uuid        PRIMARY KEY,
    tenant      text        NOT NULL,
    name        text        NOT NULL,
    description text,
    created_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (tenant, name)
);

CREATE TABLE document (
    collection_id  uuid        NOT NULL REFERENCES collection (id) ON DELETE CASCADE,
    id             text        NOT NULL,
    tenant         text        NOT NULL,
    title          text        NOT NULL,
    media_type     text        NOT NULL,
    size_bytes     bigint      NOT NULL,
    content_sha256 text        NOT NULL,
    chunk_count    integer     NOT NULL,
    token_count    integer     NOT NULL,
    metadata       jsonb       NOT NULL DEFAULT '{}',
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (collection_id, id)
);
CREATE INDEX document_tenant ON document (tenant, collection_id);

-- The chunk table is Spring AI PgVectorStore's table (id, content, metadata, embedding; searched through it) with
-- the columns this service filters and ranks on: tenant, collection, document, position, and the full-text vector.
-- all-MiniLM-L6-v2 embeddings have 384 dimensions; another embedding model needs a migration of its own.
CREATE TABLE rag_chunk (
    id            uuid     PRIMARY KEY,
    content       text     NOT NULL,
    metadata      jsonb    NOT NULL,
    embedding     vector(384) NOT NULL,
    tenant        text     NOT NULL,
    collection_id uuid     NOT NULL,
    document_id   text     NOT NULL,
    chunk_index   integer  NOT NULL,
    content_tsv   tsvector GENERATED ALWAYS AS (to_tsvector('english', content)) STORED,
    FOREIGN KEY (collection_id, document_id) REFERENCES document (collection_id, id) ON DELETE CASCADE
);
CREATE INDEX rag_chunk_embedding ON rag_chunk USING hnsw (embedding vector_cosine_ops) WITH (m = 16, ef_construction = 64);
CREATE INDEX rag_chunk_content_tsv ON rag_chunk USING gin (content_tsv);
CREATE INDEX rag_chunk_document ON rag_chunk (collection_id, document_id, chunk_index);
CREATE INDEX rag_chunk_tenant_collection ON rag_chunk (tenant, collection_id);

-- Ingestion of large documents runs in the background; its state survives restarts (a job found running at
-- start-up was interrupted and is marked failed).
CREATE TABLE ingestion_job (
    id            uuid        PRIMARY KEY,
    tenant        text        NOT NULL,
    collection_id uuid        NOT NULL REFERENCES collection (id) ON DELETE CASCADE,
    document_id   text        NOT NULL,
    status        text        NOT NULL CHECK (status IN ('queued', 'running', 'succeeded', 'skipped', 'failed')),
    error         text,
    chunk_count   integer,
    created_at    timestamptz NOT NULL DEFAULT now(),
    finished_at   timestamptz
);
CREATE INDEX ingestion_job_tenant ON ingestion_job (tenant, collection_id);
