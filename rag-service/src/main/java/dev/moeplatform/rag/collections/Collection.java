package dev.moeplatform.rag.collections;

import java.time.Instant;
import java.util.UUID;

/** A tenant's named set of documents, searched and asked as one. */
public record Collection(UUID id, String tenant, String name, String description, Instant createdAt,
        long documentCount, long chunkCount) {
}
