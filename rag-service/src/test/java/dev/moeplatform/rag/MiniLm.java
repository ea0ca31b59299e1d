package dev.moeplatform.rag;

import java.nio.file.Path;
import java.util.List;
import org.springframework.ai.document.MetadataMode;
import org.springframework.ai.transformers.TransformersEmbeddingModel;

/**
 * all-MiniLM-L6-v2, the embedding model inference-service serves, run here in-process from the model jar on the
 * test classpath, with the sentence-transformers normalisation (unit vectors) inference-service applies.
 */
public final class MiniLm {

    private static MiniLm instance;
    private final TransformersEmbeddingModel model;

    private MiniLm() throws Exception {
        Path cache = Path.of(System.getProperty("java.io.tmpdir"), "moe-platform-embeddings");
        setIfAbsent("ai.djl.offline", "true");
        setIfAbsent("ai.djl.default_engine", "Rust");
        setIfAbsent("DJL_CACHE_DIR", cache.resolve("djl").toString());
        model = new TransformersEmbeddingModel(MetadataMode.NONE);
        model.setModelResource("classpath:all-minilm-l6-v2.onnx");
        model.setTokenizerResource("classpath:all-minilm-l6-v2-tokenizer.json");
        model.setDisableCaching(true);
        model.setResourceCacheDirectory(cache.resolve("spring-ai").toString());
        model.afterPropertiesSet();
    }

    private static void setIfAbsent(String property, String value) {
        if (System.getProperty(property) == null) {
            System.setProperty(property, value);
        }
    }

    public static synchronized MiniLm get() {
        if (instance == null) {
            try {
                instance = new MiniLm();
            } catch (Exception e) {
                throw new IllegalStateException("all-MiniLM-L6-v2 could not be loaded", e);
            }
        }
        return instance;
    }

    public List<float[]> embed(List<String> texts) {
        List<float[]> vectors = model.embed(texts);
        for (float[] v : vectors) {
            double norm = 0;
            for (float x : v) {
                norm += (double) x * x;
            }
            norm = Math.sqrt(norm);
            for (int i = 0; i < v.length; i++) {
                v[i] = (float) (v[i] / norm);
            }
        }
        return vectors;
    }
}
