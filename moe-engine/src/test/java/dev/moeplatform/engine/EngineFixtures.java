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

/**
 * The model variants every engine test covers: each architecture (and Mixtral-style llama) in each weight type, and
 * a Q4_K_M mix.
 */
final class EngineFixtures {

    /**
     * llama dense, llama with experts (Mixtral), qwen2moe, qwen3moe, and deepseek2 in three styles: "lite"
     * (V2-Lite: attn_q, softmax, no groups, YaRN, split attn_k_b/attn_v_b), "v2" (q LoRA, softmax limited to the
     * best 2 of 4 groups, scale 16, combined attn_kv_b) and "v3" (q LoRA, sigmoid + selection bias, groups scored by
     * their two best, renormalised, scale 2.5, YaRN); {@code mixed}: the "_M" recipe of a K-quant (Q6_K for attn_v,
     * ffn_down and output).
     */
    record Variant(String architecture, String style, int experts, int expertsUsed, GgmlType type, boolean mixed) {
        Variant(String architecture, int experts, int expertsUsed, GgmlType type) {
            this(architecture, "", experts, expertsUsed, type, false);
        }

        Variant(String architecture, String style, int experts, int expertsUsed, GgmlType type) {
            this(architecture, style, experts, expertsUsed, type, false);
        }

        String label() {
            return architecture + (architecture.equals("llama") && experts > 0 ? "-moe" : "")
                    + (style.isEmpty() ? "" : "-" + style) + "-" + type + (mixed ? "_M" : "");
        }

        /**
         * The tiny preset; for a K-quant with n_embd, the attention widths and the FFN widths at 256 (qwen3moe: heads
         * of 128, so n_head * head_dim is 512), so that every matrix is stored in it (rows of a multiple of 256).
         * The mixed variant's experts are 160 wide, so their ffn_down falls back to Q8_0 as well.
         */
        ModelSpec spec() {
            ModelSpec.Builder b = SyntheticModelBuilder.preset("tiny", architecture, experts, expertsUsed,
                    Vocabularies.defaultByteLevel()).weightType(type).mixed(mixed).seed(11);
            boolean k = type.blockSize > 32;
            int kvLora = k ? 256 : 64;
            int qLora = k ? 256 : 32;
            switch (style) {
                case "lite" -> b.deepseek(ModelSpec.DeepSeek.liteStyle(kvLora).withYarn(4f, 64, 0.1f));
                case "v2" -> b.deepseek(ModelSpec.DeepSeek.v2Style(qLora, kvLora, 4, 2).withSplitKvB(false));
                case "v3" -> b.deepseek(ModelSpec.DeepSeek.v3Style(qLora, kvLora, 4, 2).withYarn(4f, 64, 0.1f))
                        .expertWeightsNorm(true);
                default -> {
                }
            }
            if (k && architecture.equals("deepseek2")) {
                // rows of 256 wherever V2-Lite has them; attn_k_b's rows (the 64-wide non-rotated head part, 128 in
                // V2-Lite) fall back to Q8_0 as in real files
                b.embd(256).headDim(96, 64).rot(32).ff(256).ffExp(256);
            } else if (k) {
                b.embd(256).headDim(architecture.equals("qwen3moe") ? 128 : 64).ff(256);
                if (!architecture.equals("llama")) {
                    b.ffExp(mixed ? 160 : 256).ffShexp(architecture.equals("qwen2moe") ? 256 : 0);
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
        variants.add(new Variant("qwen2moe", "", 0, 0, GgmlType.Q4_K, true));
        return variants;
    }

    static ModelOptions options(String kernels) {
        return new ModelOptions(2, kernels);
    }

    private EngineFixtures() {
    }
}
