package dev.moeplatform.inference.completions;

import dev.moeplatform.engine.Model;
import dev.moeplatform.inference.models.ModelCatalog;
import dev.moeplatform.inference.models.NativeModels;
import dev.moeplatform.inference.models.ServedModel;
import dev.moeplatform.inference.scheduling.Scheduler;
import dev.moeplatform.inference.scheduling.Schedulers;
import dev.moeplatform.web.errors.ApiError;
import dev.moeplatform.web.errors.ApiException;
import org.springframework.stereotype.Component;

/** Where a request for a model goes: today the native engine's scheduler, or a clear 503 for vLLM-only models. */
public record NativeTarget(ServedModel served, Model model, Scheduler scheduler) {

    static final String BACKEND_HEADER = "x-platform-backend";

    @Component
    static final class Resolver {

        private final ModelCatalog catalog;
        private final NativeModels models;
        private final Schedulers schedulers;

        Resolver(ModelCatalog catalog, NativeModels models, Schedulers schedulers) {
            this.catalog = catalog;
            this.models = models;
            this.schedulers = schedulers;
        }

        /** @throws ApiException 404 for an unknown model, 503 for one no available backend computes */
        NativeTarget resolve(String modelId) {
            ServedModel served = catalog.require(modelId);
            Scheduler scheduler = schedulers.forModel(modelId).orElse(null);
            Model model = models.get(modelId).orElse(null);
            if (scheduler == null || model == null) {
                throw new ApiException(new ApiError(503, "The model '" + modelId + "' is configured for the "
                        + served.listedBackend().wireName() + " backend, which this release cannot reach yet "
                        + "(only the native engine serves requests for now).", "model", "backend_unavailable"));
            }
            return new NativeTarget(served, model, scheduler);
        }
    }
}
