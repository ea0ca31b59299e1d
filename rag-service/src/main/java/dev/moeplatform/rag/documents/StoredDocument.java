package dev.moeplatform.rag.documents;

import java.time.Instant;
import java.util.UUID;

/** A document as stored: what was ingested, its content hash, and how many chunks and tokens it became. */
public record StoredDocument(UUID collectionId, String id, String title, String mediaType, long sizeBytes,
        String contentSha256, int chunkCount, int tokenCount, Instant createdAt, Instant updatedAt) {
}
