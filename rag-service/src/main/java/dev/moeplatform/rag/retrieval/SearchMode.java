package dev.moeplatform.rag.retrieval;

import com.fasterxml.jackson.annotation.JsonProperty;

/** Which rankings a search uses. */
public enum SearchMode {
    @JsonProperty("hybrid") HYBRID,
    @JsonProperty("vector") VECTOR,
    @JsonProperty("keyword") KEYWORD
}
