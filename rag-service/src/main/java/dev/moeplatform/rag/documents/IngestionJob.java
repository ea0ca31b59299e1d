package dev.moeplatform.rag.documents;

import java.time.Instant;
import java.util.UUID;

/** A background ingestion: queued, running, then succeeded or failed (with the reason). */
public record IngestionJob(UUID id, UUID collectionId, String documentId, String status, String error,
        Integer chunkCount, Instant createdAt, Instant finishedAt) {
}
