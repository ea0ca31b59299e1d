package dev.moeplatform.rag.documents;

/** The document types ingestion reads. */
final class MediaTypes {

    static final String TEXT = "text/plain";
    static final String MARKDOWN = "text/markdown";
    static final String HTML = "text/html";
    static final String PDF = "application/pdf";

    private MediaTypes() {
    }
}
