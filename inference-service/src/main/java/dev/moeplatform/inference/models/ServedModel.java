package dev.moeplatform.inference.models;

import java.util.List;

/**
 * A model as the service serves it: its configuration with the context length resolved (from the model file when
 * the operator gave none).
 *
 * @param backends in order of preference; the first is the one {@code /v1/models} shows
 */
public record ServedModel(String id, List<Backend> backends, int contextLength, String ownedBy) {

    public Backend listedBackend() {
        return backends.getFirst();
    }

    public boolean servedNatively() {
        return backends.contains(Backend.NATIVE);
    }
}
