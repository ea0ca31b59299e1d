package dev.moeplatform.inference.models;

import dev.moeplatform.web.errors.ApiError;
import dev.moeplatform.web.errors.ApiException;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.stereotype.Component;

/** Looks models up by the id clients send; the single place that decides whether a model exists. */
@Component
public class ModelCatalog {

    private final Map<String, ModelCatalogProperties.Model> byId = new LinkedHashMap<>();
    private final long createdEpochSeconds;

    public ModelCatalog(ModelCatalogProperties properties, Clock clock) {
        for (ModelCatalogProperties.Model model : properties.models()) {
            if (byId.putIfAbsent(model.id(), model) != null) {
                throw new IllegalStateException("platform.inference.models declares model '" + model.id() + "' twice");
            }
        }
        this.createdEpochSeconds = clock.instant().getEpochSecond();
    }

    public List<ModelCatalogProperties.Model> all() {
        return List.copyOf(byId.values());
    }

    /** @throws ApiException 404 {@code model_not_found}, as OpenAI answers for an unknown model */
    public ModelCatalogProperties.Model require(String id) {
        ModelCatalogProperties.Model model = byId.get(id);
        if (model == null) {
            throw new ApiException(new ApiError(404, "The model '" + id + "' does not exist. GET /v1/models lists "
                    + "the models this platform serves.", "model", "model_not_found"));
        }
        return model;
    }

    /** When the catalog was loaded, shown as each model's {@code created}. */
    public long createdEpochSeconds() {
        return createdEpochSeconds;
    }
}
