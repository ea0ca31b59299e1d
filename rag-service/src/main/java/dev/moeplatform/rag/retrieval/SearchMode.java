package dev.moeplatform.rag.retrieval;

/** Which rankings a search uses. */
public enum SearchMode {
    HYBRID, VECTOR, KEYWORD
}
