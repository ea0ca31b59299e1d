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
     * llama dense, llama with experts (Mixtral), qwen2moe, qwen3moe; {@code mixed}: the "_M" recipe of a K-quant
     * (Q6_K for attn_v, ffn_down and output).
     */
    record Variant(String architecture, int experts, int expertsUsed, GgmlType type, boolean mixed) {
        Variant(String architecture, int experts, int expertsUsed, GgmlType type) {
            this(architecture, experts, expertsUsed, type, false);
        }

        String label() {
            return architecture + (architecture.equals("llama") && experts > 0 ? "-moe" : "") + "-" + type
                    + (mixed ? "_M" : "");
        }

        /**
         * The tiny preset; for a K-quant with n_embd, the attention widths and the FFN widths at 256 (qwen3moe: heads
         * of 128, so n_head * head_dim is 512), so that every matrix is stored in it (rows of a multiple of 256).
         * The mixed variant's experts are 160 wide, so their ffn_down falls back to Q8_0 as well.
         */
        ModelSpec spec() {
            ModelSpec.Builder b = SyntheticModelBuilder.preset("tiny", architecture, experts, expertsUsed,
                    Vocabularies.defaultByteLevel()).weightType(type).mixed(mixed).seed(11);
            if (type.blockSize > 32) {
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
        }
        variants.add(new Variant("qwen2moe", 0, 0, GgmlType.Q4_K, true));
        return variants;
    }

    static ModelOptions options(String kernels) {
        return new ModelOptions(2, kernels);
    }

    private EngineFixtures() {
    }
}
