package dev.moeplatform.inference.completions;

import dev.moeplatform.engine.Model;
import dev.moeplatform.inference.models.ModelCatalog;
import dev.moeplatform.inference.models.NativeModels;
import dev.moeplatform.inference.models.ServedModel;
import dev.moeplatform.inference.scheduling.Scheduler;
import dev.moeplatform.inference.scheduling.Schedulers;
import dev.moeplatform.web.errors.ApiException;
import java.util.Optional;
import org.springframework.stereotype.Component;

/** A request's native backend: the engine's scheduler of a natively loaded model (the router picks the backend). */
public record NativeTarget(ServedModel served, Model model, Scheduler scheduler) {

    static final String BACKEND_HEADER = "x-platform-backend";
    /** On streamed answers: the prompt's tokens (the gateway removes the header before the client sees it). */
    static final String PROMPT_TOKENS_HEADER = "x-platform-prompt-tokens";

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

        /** @throws ApiException 404 for an unknown model */
        ServedModel served(String modelId) {
            return catalog.require(modelId);
        }

        /** The native engine's scheduler for the model; empty when the model is not loaded natively. */
        Optional<NativeTarget> find(ServedModel served) {
            Scheduler scheduler = schedulers.forModel(served.id()).orElse(null);
            Model model = models.get(served.id()).orElse(null);
            return scheduler == null || model == null ? Optional.empty()
                    : Optional.of(new NativeTarget(served, model, scheduler));
        }
    }
}
