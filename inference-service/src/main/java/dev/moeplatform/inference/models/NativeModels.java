package dev.moeplatform.inference.models;

import dev.moeplatform.engine.BundledModels;
import dev.moeplatform.engine.Model;
import dev.moeplatform.engine.ModelOptions;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.stereotype.Component;

/**
 * Loads every model that has the native backend, at start-up: a missing or malformed file stops the service with
 * the engine's message instead of failing the first request. Closes them on shutdown (after the schedulers that use
 * them have stopped, since those depend on this bean).
 */
@Component
public class NativeModels implements DisposableBean {

    private static final Logger log = LoggerFactory.getLogger(NativeModels.class);

    private final Map<String, Model> byId = new LinkedHashMap<>();

    public NativeModels(ModelCatalogProperties catalog, EngineProperties engine) {
        ModelOptions options = ModelOptions.defaults().withKernels(engine.kernels())
                .withKvCacheBytes(engine.kvCache().toBytes());
        if (engine.threads() > 0) {
            options = options.withThreads(engine.threads());
        }
        try {
            for (ModelCatalogProperties.Model model : declaredOrBundled(catalog)) {
                if (model.backends().contains(Backend.NATIVE) && !byId.containsKey(model.id())) {
                    byId.put(model.id(), load(model, options));
                }
            }
        } catch (RuntimeException e) {
            destroy();
            throw e;
        }
    }

    /** What the catalog serves: the declared models, or the bundled one when none is declared. */
    static List<ModelCatalogProperties.Model> declaredOrBundled(ModelCatalogProperties catalog) {
        if (!catalog.models().isEmpty()) {
            return catalog.models();
        }
        return List.of(new ModelCatalogProperties.Model(BundledModels.DEFAULT_ID, List.of(Backend.NATIVE), null, null,
                "self-hosted", null, null));
    }

    public Optional<Model> get(String id) {
        return Optional.ofNullable(byId.get(id));
    }

    private static Model load(ModelCatalogProperties.Model model, ModelOptions options) {
        Path file = model.gguf();
        if (file == null) {
            if (!model.id().equals(BundledModels.DEFAULT_ID)) {
                throw new IllegalStateException("platform.inference.models: model '" + model.id() + "' has the native "
                        + "backend but no gguf file (only the bundled model '" + BundledModels.DEFAULT_ID
                        + "' may leave it out)");
            }
            file = BundledModels.extractDefault();
        }
        try {
            long start = System.nanoTime();
            Model loaded = Model.load(file, options);
            log.info("Loaded model '{}' from {} in {} ms: {}", model.id(), file,
                    (System.nanoTime() - start) / 1_000_000, loaded);
            return loaded;
        } catch (RuntimeException e) {
            throw new IllegalStateException("platform.inference.models: cannot load model '" + model.id() + "' from "
                    + file + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void destroy() {
        byId.values().forEach(Model::close);
    }
}
