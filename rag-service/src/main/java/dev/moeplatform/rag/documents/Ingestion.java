package dev.moeplatform.rag.documents;

import dev.moeplatform.contracts.identity.PlatformIdentity;
import dev.moeplatform.rag.RagProperties;
import dev.moeplatform.rag.models.Callers;
import dev.moeplatform.web.errors.ApiError;
import dev.moeplatform.web.errors.ApiException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.springframework.ai.embedding.EmbeddingModel;
import org.springframework.stereotype.Component;

/**
 * Ingestion of one document: checks and parses it at once (so bad input is refused in the request), then chunks,
 * embeds every chunk through the gateway, and only then replaces the document's chunks in one transaction. A
 * failure at any step leaves the collection as it was. A document whose bytes hash to what is stored is skipped.
 */
@Component
class Ingestion {

    /** What ingestion was asked to do. */
    record Upload(String documentId, String title, String mediaType, byte[] content) {
    }

    /** A document checked, parsed and chunked, ready to embed and store. */
    record Prepared(UUID collection, String documentId, String title, String mediaType, long size, String sha256,
            List<Chunker.Chunk> chunks) {
    }

    private final DocumentParser parser;
    private final Chunker chunker;
    private final EmbeddingModel embeddings;
    private final Documents documents;
    private final long maxBytes;
    private final MeterRegistry meters;
    private final Timer embedAndStore;

    Ingestion(DocumentParser parser, Chunker chunker, EmbeddingModel embeddings, Documents documents,
            RagProperties properties, MeterRegistry meters) {
        this.parser = parser;
        this.chunker = chunker;
        this.embeddings = embeddings;
        this.documents = documents;
        this.maxBytes = properties.maxDocumentSize().toBytes();
        this.meters = meters;
        this.embedAndStore = Timer.builder("platform.rag.ingestion.duration")
                .description("Embedding and storing one document's chunks").register(meters);
        // Every outcome's series exists from the start, so that rates read 0 rather than "no data".
        for (String outcome : List.of("ingested", "unchanged", "failed")) {
            counter(outcome);
        }
        chunkCounter();
    }

    /**
     * @return the prepared document, or empty when the stored document has the same content already
     * @throws ApiException 400 empty, 413 too large, 415 unsupported type, 422 unreadable
     */
    Optional<Prepared> prepare(String tenant, UUID collection, Upload upload) {
        if (upload.content().length == 0) {
            throw new ApiException(new ApiError(400, "The document is empty.", "file", "empty_document"));
        }
        if (upload.content().length > maxBytes) {
            throw new ApiException(new ApiError(413, "The document has " + upload.content().length + " bytes; the "
                    + "limit is " + maxBytes + " bytes.", "file", "document_too_large"));
        }
        if (!DocumentParser.SUPPORTED.contains(upload.mediaType())) {
            throw DocumentParser.unsupported(upload.mediaType());
        }
        String sha256 = sha256(upload.content());
        Optional<StoredDocument> stored = documents.find(tenant, collection, upload.documentId());
        if (stored.isPresent() && stored.get().contentSha256().equals(sha256)
                && (upload.title() == null || upload.title().equals(stored.get().title()))) {
            count("unchanged");
            return Optional.empty();
        }
        ParsedDocument parsed = parser.parse(upload.content(), upload.mediaType(), upload.documentId());
        String title = upload.title() != null && !upload.title().isBlank() ? upload.title().strip() : parsed.title();
        return Optional.of(new Prepared(collection, upload.documentId(), title, upload.mediaType(),
                upload.content().length, sha256, chunker.chunk(parsed)));
    }

    /** Embeds the chunks on {@code caller}'s behalf and replaces the document's chunks with them. */
    StoredDocument store(String tenant, PlatformIdentity caller, Prepared prepared) {
        try {
            StoredDocument stored = embedAndStore.recordCallable(() -> {
                List<String> texts = prepared.chunks().stream().map(Chunker.Chunk::text).toList();
                List<float[]> vectors = Callers.callAs(caller, () -> embeddings.embed(texts));
                return documents.replace(tenant, prepared.collection(), prepared.documentId(), prepared.title(),
                        prepared.mediaType(), prepared.size(), prepared.sha256(), prepared.chunks(), vectors);
            });
            count("ingested");
            chunkCounter().increment(prepared.chunks().size());
            return stored;
        } catch (RuntimeException e) {
            count("failed");
            throw e;
        } catch (Exception e) {
            count("failed");
            throw new IllegalStateException(e);
        }
    }

    private void count(String outcome) {
        counter(outcome).increment();
    }

    private Counter counter(String outcome) {
        return Counter.builder("platform.rag.ingestion.documents").description("Documents ingested, by outcome")
                .tag("outcome", outcome).register(meters);
    }

    private Counter chunkCounter() {
        return Counter.builder("platform.rag.ingestion.chunks").description("Chunks embedded and stored")
                .register(meters);
    }

    private static String sha256(byte[] content) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
