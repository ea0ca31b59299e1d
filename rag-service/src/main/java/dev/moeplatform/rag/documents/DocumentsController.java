package dev.moeplatform.rag.documents;

import dev.moeplatform.contracts.identity.PlatformIdentity;
import dev.moeplatform.rag.collections.Collection;
import dev.moeplatform.rag.collections.Collections;
import dev.moeplatform.web.errors.ApiError;
import dev.moeplatform.web.errors.ApiException;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Size;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Pattern;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RequestPart;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.multipart.MultipartFile;

/**
 * Documents of one of the caller's collections: upload (multipart file, or JSON with the text), list, read, delete.
 * Documents up to {@code synchronous-limit} are ingested in the request (201, or 200 "unchanged"); larger ones by a
 * background job (202 with the job to poll).
 */
@RestController
@RequestMapping("/v1/rag/collections/{collection}")
@Tag(name = "Documents")
class DocumentsController {

    private static final Pattern DOCUMENT_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._~-]{0,199}");

    /** A document sent as JSON: the text itself, in one of the text formats. */
    record JsonDocument(@Size(max = 200) String id, @Size(max = 500) String title,
            @Size(max = 100) String mediaType, @NotNull String content) {
    }

    /** What an upload did: ingested now, unchanged (same content), or queued as a job. */
    record UploadResult(String status, StoredDocument document, IngestionJob job) {
    }

    private final Collections collections;
    private final Documents documents;
    private final Ingestion ingestion;
    private final IngestionJobs jobs;
    private final long synchronousLimit;

    DocumentsController(Collections collections, Documents documents, Ingestion ingestion, IngestionJobs jobs,
            dev.moeplatform.rag.RagProperties properties) {
        this.collections = collections;
        this.documents = documents;
        this.ingestion = ingestion;
        this.jobs = jobs;
        this.synchronousLimit = properties.synchronousLimit().toBytes();
    }

    @PostMapping(path = "/documents", consumes = MediaType.MULTIPART_FORM_DATA_VALUE)
    @Operation(summary = "Upload a document file (text, Markdown, HTML or PDF); the same id replaces it")
    ResponseEntity<UploadResult> upload(PlatformIdentity caller, @PathVariable String collection,
            @RequestPart("file") MultipartFile file, @RequestParam(required = false) String id,
            @RequestParam(required = false) String title) throws IOException {
        String documentId = documentId(id, file.getOriginalFilename());
        String mediaType = DocumentParser.mediaTypeOf(file.getContentType(), file.getOriginalFilename());
        return ingest(caller, collection, new Ingestion.Upload(documentId, title, mediaType, file.getBytes()));
    }

    @PostMapping(path = "/documents", consumes = MediaType.APPLICATION_JSON_VALUE)
    @Operation(summary = "Add a document given as JSON text (mediaType text/plain, text/markdown or text/html)")
    ResponseEntity<UploadResult> add(PlatformIdentity caller, @PathVariable String collection,
            @Valid @RequestBody JsonDocument document) {
        String mediaType = document.mediaType() == null ? MediaTypes.TEXT
                : DocumentParser.mediaTypeOf(document.mediaType(), null);
        if (mediaType.equals(MediaTypes.PDF)) {
            throw new ApiException(new ApiError(415, "A PDF is uploaded as a file (multipart/form-data), not as "
                    + "JSON text.", "mediaType", "unsupported_media_type"));
        }
        return ingest(caller, collection, new Ingestion.Upload(documentId(document.id(), null), document.title(),
                mediaType, document.content().getBytes(StandardCharsets.UTF_8)));
    }

    private ResponseEntity<UploadResult> ingest(PlatformIdentity caller, String collectionId,
            Ingestion.Upload upload) {
        Collection collection = collections.require(caller.tenant(), collectionId);
        Optional<Ingestion.Prepared> prepared = ingestion.prepare(caller.tenant(), collection.id(), upload);
        URI location = URI.create("/v1/rag/collections/" + collection.id() + "/documents/" + upload.documentId());
        if (prepared.isEmpty()) {
            return ResponseEntity.ok().location(location).body(new UploadResult("unchanged",
                    documents.require(caller.tenant(), collection.id(), upload.documentId()), null));
        }
        if (upload.content().length > synchronousLimit) {
            IngestionJob job = jobs.submit(caller.tenant(), caller, prepared.get());
            return ResponseEntity.accepted().location(URI.create("/v1/rag/collections/" + collection.id() + "/jobs/"
                    + job.id())).body(new UploadResult("queued", null, job));
        }
        StoredDocument stored = ingestion.store(caller.tenant(), caller, prepared.get());
        return ResponseEntity.created(location).body(new UploadResult("ingested", stored, null));
    }

    @GetMapping("/documents")
    @Operation(summary = "List the collection's documents")
    Map<String, List<StoredDocument>> list(PlatformIdentity caller, @PathVariable String collection) {
        return Map.of("data", documents.list(caller.tenant(), collections.require(caller.tenant(), collection).id()));
    }

    @GetMapping("/documents/{document}")
    @Operation(summary = "One document")
    StoredDocument get(PlatformIdentity caller, @PathVariable String collection, @PathVariable String document) {
        return documents.require(caller.tenant(), collections.require(caller.tenant(), collection).id(), document);
    }

    @GetMapping("/documents/{document}/chunks")
    @Operation(summary = "The document's chunks in order, with heading path, page and token count")
    Map<String, List<Documents.StoredChunk>> chunks(PlatformIdentity caller, @PathVariable String collection,
            @PathVariable String document) {
        UUID id = collections.require(caller.tenant(), collection).id();
        documents.require(caller.tenant(), id, document);
        return Map.of("data", documents.chunks(caller.tenant(), id, document));
    }

    @DeleteMapping("/documents/{document}")
    @Operation(summary = "Delete a document and its chunks")
    ResponseEntity<Void> delete(PlatformIdentity caller, @PathVariable String collection,
            @PathVariable String document) {
        documents.delete(caller.tenant(), collections.require(caller.tenant(), collection).id(), document);
        return ResponseEntity.noContent().build();
    }

    @GetMapping("/jobs/{job}")
    @Operation(summary = "An ingestion job's status")
    IngestionJob job(PlatformIdentity caller, @PathVariable String collection, @PathVariable String job) {
        return jobs.require(caller.tenant(), collections.require(caller.tenant(), collection).id(), job);
    }

    /** The id given, else one made from the file name, else a new one. */
    private static String documentId(String given, String filename) {
        if (given != null && !given.isBlank()) {
            if (!DOCUMENT_ID.matcher(given).matches()) {
                throw new ApiException(new ApiError(400, "Document ids are 1-200 characters of letters, digits, '.', "
                        + "'_', '~' and '-', starting with a letter or digit.", "id", "invalid_document_id"));
            }
            return given;
        }
        if (filename != null) {
            String base = filename.replaceAll(".*[/\\\\]", "").replaceAll("[^A-Za-z0-9._~-]+", "-")
                    .replaceAll("^[^A-Za-z0-9]+", "");
            if (!base.isEmpty()) {
                return base.length() > 200 ? base.substring(0, 200) : base;
            }
        }
        return UUID.randomUUID().toString();
    }
}
