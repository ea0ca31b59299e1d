package dev.moeplatform.inference.models;

import dev.moeplatform.engine.Model;
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

    private final Map<String, ServedModel> byId = new LinkedHashMap<>();
    private final long createdEpochSeconds;

    public ModelCatalog(ModelCatalogProperties properties, NativeModels nativeModels, Clock clock) {
        for (ModelCatalogProperties.Model model : NativeModels.declaredOrBundled(properties)) {
            int contextLength = contextLength(model, nativeModels.get(model.id()).orElse(null));
            ServedModel served = new ServedModel(model.id(), List.copyOf(model.backends()), contextLength,
                    model.ownedBy());
            if (byId.putIfAbsent(model.id(), served) != null) {
                throw new IllegalStateException("platform.inference.models declares model '" + model.id() + "' twice");
            }
        }
        this.createdEpochSeconds = clock.instant().getEpochSecond();
    }

    private static int contextLength(ModelCatalogProperties.Model model, Model loaded) {
        Integer configured = model.contextLength();
        if (loaded == null) {
            if (configured == null) {
                throw new IllegalStateException("platform.inference.models: model '" + model.id()
                        + "' needs a context-length (only natively served models can take it from their file)");
            }
            return configured;
        }
        int own = loaded.info().contextLength();
        if (configured != null && configured > own) {
            throw new IllegalStateException("platform.inference.models: model '" + model.id() + "' has context-length "
                    + configured + ", more than the " + own + " tokens its file supports");
        }
        return configured != null ? configured : own;
    }

    public List<ServedModel> all() {
        return List.copyOf(byId.values());
    }

    /** @throws ApiException 404 {@code model_not_found}, as OpenAI answers for an unknown model */
    public ServedModel require(String id) {
        ServedModel model = byId.get(id);
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
