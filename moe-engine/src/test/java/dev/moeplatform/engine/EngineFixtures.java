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

    /** llama dense, llama with experts (Mixtral), qwen2moe, qwen3moe. */
    record Variant(String architecture, int experts, int expertsUsed, GgmlType type) {
        String label() {
            return architecture + (architecture.equals("llama") && experts > 0 ? "-moe" : "") + "-" + type;
        }

        ModelSpec spec() {
            return SyntheticModelBuilder.preset("tiny", architecture, experts, expertsUsed,
                    Vocabularies.defaultByteLevel()).weightType(type).seed(11).build();
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
        return variants;
    }

    static ModelOptions options(String kernels) {
        return new ModelOptions(2, kernels);
    }

    private EngineFixtures() {
    }
}
