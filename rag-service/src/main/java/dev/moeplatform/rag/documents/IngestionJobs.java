package dev.moeplatform.rag.documents;

import dev.moeplatform.contracts.identity.PlatformIdentity;
import dev.moeplatform.rag.RagProperties;
import dev.moeplatform.web.errors.ApiError;
import dev.moeplatform.web.errors.ApiException;
import jakarta.annotation.PreDestroy;
import java.sql.Timestamp;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.EventListener;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * Background ingestion of large documents: a bounded queue in front of {@code ingestion-workers} threads; job
 * state in PostgreSQL so that a client can poll it. A full queue is a 503 with the reason. Jobs that were queued
 * or running when the service stopped are marked failed at the next start (the upload is not kept).
 */
@Component
class IngestionJobs {

    private static final Logger log = LoggerFactory.getLogger(IngestionJobs.class);
    private static final int QUEUE = 16;

    private final JdbcTemplate jdbc;
    private final Ingestion ingestion;
    private final ThreadPoolExecutor workers;

    IngestionJobs(JdbcTemplate jdbc, Ingestion ingestion, RagProperties properties) {
        this.jdbc = jdbc;
        this.ingestion = ingestion;
        this.workers = new ThreadPoolExecutor(properties.ingestionWorkers(), properties.ingestionWorkers(), 0,
                TimeUnit.SECONDS, new ArrayBlockingQueue<>(QUEUE), Thread.ofPlatform().name("ingestion-", 0).factory());
    }

    @EventListener(ApplicationReadyEvent.class)
    void failInterrupted() {
        int interrupted = jdbc.update("UPDATE ingestion_job SET status = 'failed', finished_at = now(), error = "
                + "'interrupted by a restart of rag-service; upload the document again' "
                + "WHERE status IN ('queued', 'running')");
        if (interrupted > 0) {
            log.warn("{} ingestion jobs were interrupted by a restart and are marked failed", interrupted);
        }
    }

    IngestionJob submit(String tenant, PlatformIdentity caller, Ingestion.Prepared prepared) {
        UUID id = UUID.randomUUID();
        jdbc.update("INSERT INTO ingestion_job (id, tenant, collection_id, document_id, status) VALUES (?, ?, ?, ?, "
                + "'queued')", id, tenant, prepared.collection(), prepared.documentId());
        try {
            workers.execute(() -> run(id, tenant, caller, prepared));
        } catch (RejectedExecutionException e) {
            jdbc.update("DELETE FROM ingestion_job WHERE id = ?", id);
            throw new ApiException(ApiError.of(503, "The ingestion queue is full (" + QUEUE + " documents waiting); "
                    + "retry later.", "ingestion_queue_full"));
        }
        return require(tenant, prepared.collection(), id.toString());
    }

    private void run(UUID id, String tenant, PlatformIdentity caller, Ingestion.Prepared prepared) {
        jdbc.update("UPDATE ingestion_job SET status = 'running' WHERE id = ?", id);
        try {
            ingestion.store(tenant, caller, prepared);
            jdbc.update("UPDATE ingestion_job SET status = 'succeeded', chunk_count = ?, finished_at = now() "
                    + "WHERE id = ?", prepared.chunks().size(), id);
        } catch (RuntimeException e) {
            String reason = e instanceof ApiException api ? api.getMessage() : e.toString();
            log.warn("Ingestion job {} of document '{}' failed: {}", id, prepared.documentId(), reason);
            jdbc.update("UPDATE ingestion_job SET status = 'failed', error = ?, finished_at = now() WHERE id = ?",
                    reason, id);
        }
    }

    IngestionJob require(String tenant, UUID collection, String id) {
        UUID uuid;
        try {
            uuid = UUID.fromString(id);
        } catch (IllegalArgumentException e) {
            uuid = null;
        }
        List<IngestionJob> found = uuid == null ? List.of() : jdbc.query("""
                SELECT id, collection_id, document_id, status, error, chunk_count, created_at, finished_at
                FROM ingestion_job WHERE tenant = ? AND collection_id = ? AND id = ?""",
                (rs, row) -> new IngestionJob(rs.getObject("id", UUID.class), rs.getObject("collection_id", UUID.class),
                        rs.getString("document_id"), rs.getString("status"), rs.getString("error"),
                        (Integer) rs.getObject("chunk_count"), rs.getTimestamp("created_at").toInstant(),
                        instant(rs.getTimestamp("finished_at"))),
                tenant, collection, uuid);
        if (found.isEmpty()) {
            throw new ApiException(new ApiError(404, "No ingestion job '" + id + "' exists in this collection.", "job",
                    "job_not_found"));
        }
        return found.getFirst();
    }

    private static java.time.Instant instant(Timestamp timestamp) {
        return timestamp == null ? null : timestamp.toInstant();
    }

    @PreDestroy
    void stop() throws InterruptedException {
        workers.shutdown();
        workers.awaitTermination(30, TimeUnit.SECONDS);
    }
}
