package dev.moeplatform.engine;

import dev.moeplatform.engine.gguf.GgmlType;
import dev.moeplatform.engine.tokenizer.Vocabularies;
import dev.moeplatform.engine.tools.ModelSpec;
import dev.moeplatform.engine.tools.SyntheticModel;
import dev.moeplatform.engine.tools.SyntheticModelBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The model variants every engine test covers: each architecture (and Mixtral-style llama) in each weight type. */
final class EngineFixtures {

    /**
     * llama dense, llama with experts (Mixtral), qwen2moe, qwen3moe, and deepseek2 in three styles: "lite"
     * (V2-Lite: attn_q, softmax, no groups, YaRN, split attn_k_b/attn_v_b), "v2" (q LoRA, softmax limited to the
     * best 2 of 4 groups, scale 16, combined attn_kv_b) and "v3" (q LoRA, sigmoid + selection bias, groups scored by
     * their two best, renormalised, scale 2.5, YaRN).
     */
    record Variant(String architecture, String style, int experts, int expertsUsed, GgmlType type) {
        Variant(String architecture, int experts, int expertsUsed, GgmlType type) {
            this(architecture, "", experts, expertsUsed, type);
        }

        String label() {
            return architecture + (architecture.equals("llama") && experts > 0 ? "-moe" : "")
                    + (style.isEmpty() ? "" : "-" + style) + "-" + type;
        }

        ModelSpec spec() {
            ModelSpec.Builder b = SyntheticModelBuilder.preset("tiny", architecture, experts, expertsUsed,
                    Vocabularies.defaultByteLevel()).weightType(type).seed(11);
            switch (style) {
                case "lite" -> b.deepseek(ModelSpec.DeepSeek.liteStyle(64).withYarn(4f, 64, 0.1f));
                case "v2" -> b.deepseek(ModelSpec.DeepSeek.v2Style(32, 64, 4, 2).withSplitKvB(false));
                case "v3" -> b.deepseek(ModelSpec.DeepSeek.v3Style(32, 64, 4, 2).withYarn(4f, 64, 0.1f))
                        .expertWeightsNorm(true);
                default -> {
                }
            }
            return b.build();
        }

        SyntheticModel build(Path dir) {
            try {
                return SyntheticModelBuilder.build(spec(), dir.resolve(label() + ".gguf"));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        Path file(Path dir) {
            return dir.resolve(label() + ".gguf");
        }
    }

    static List<Variant> all() {
        List<Variant> variants = new ArrayList<>();
        for (GgmlType type : GgmlType.values()) {
            variants.add(new Variant("llama", 0, 0, type));
            variants.add(new Variant("llama", 4, 2, type));
            variants.add(new Variant("qwen2moe", 0, 0, type));
            variants.add(new Variant("qwen3moe", 0, 0, type));
            for (String style : List.of("lite", "v2", "v3")) {
                variants.add(new Variant("deepseek2", style, 0, 0, type));
            }
        }
        return variants;
    }

    static ModelOptions options(String kernels) {
        return new ModelOptions(2, kernels);
    }

    private EngineFixtures() {
    }
}
