package dev.moeplatform.engine.tools;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.data.Percentage.withPercentage;

import dev.moeplatform.engine.gguf.GgmlType;
import dev.moeplatform.engine.gguf.GgufTestReader;
import dev.moeplatform.engine.gguf.GgufValueType;
import dev.moeplatform.engine.tokenizer.Vocabularies;
import dev.moeplatform.engine.tokenizer.Vocabulary;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

class SyntheticModelBuilderTest {

    static final Vocabulary VOCAB = Vocabularies.defaultByteLevel();

    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"llama", "qwen2moe", "qwen3moe"})
    void fileHoldsExactlyTheMaterializedWeights(String arch) throws IOException {
        for (GgmlType type : GgmlType.values()) {
            ModelSpec spec = ModelSpec.builder(arch, VOCAB).weightType(type).build();
            Path file = dir.resolve(arch + "-" + type + ".gguf");
            SyntheticModel model = SyntheticModelBuilder.build(spec, file);
            GgufTestReader gguf = GgufTestReader.read(file);

            List<SyntheticModelBuilder.TensorSpec> tensors = SyntheticModelBuilder.tensors(spec);
            assertThat(gguf.tensors().keySet()).containsExactlyElementsOf(
                    tensors.stream().map(SyntheticModelBuilder.TensorSpec::name).toList());
            assertThat(model.tensors()).hasSameSizeAs(tensors);
            for (SyntheticModelBuilder.TensorSpec t : tensors) {
                GgufTestReader.TensorInfo info = gguf.tensors().get(t.name());
                assertThat(info.dims()).as(t.name()).containsExactly(t.dims());
                // the tiny rows (64 or 128 values) are too short for a K-quant's 256: Q8_0 instead
                GgmlType matrix = type.blockSize > 32 ? GgmlType.Q8_0 : type;
                assertThat(info.type()).as(t.name()).isEqualTo(
                        t.name().endsWith("norm.weight") || t.name().endsWith(".bias") ? GgmlType.F32 : matrix);
                assertThat(gguf.values(t.name())).as(t.name()).isEqualTo(model.values(t.name()));
            }
            assertThat(Files.size(file)).isEqualTo(SyntheticModelBuilder.writer(spec).fileSize());
        }
    }

    @Test
    void kQuantsAndTheMixedRecipe() throws IOException {
        // n_embd and the attention and shared-expert widths are multiples of 256, the experts 96 wide
        ModelSpec.Builder builder = ModelSpec.builder("qwen2moe", VOCAB).embd(256).headDim(64).ffExp(96).ffShexp(512)
                .weightType(GgmlType.Q4_K).mixed(true);
        ModelSpec spec = builder.build();
        Path file = dir.resolve("q4_k_m.gguf");
        SyntheticModel model = SyntheticModelBuilder.build(spec, file);
        GgufTestReader gguf = GgufTestReader.read(file);
        Map<String, GgmlType> types = gguf.tensors().values().stream()
                .collect(Collectors.toMap(GgufTestReader.TensorInfo::name, GgufTestReader.TensorInfo::type));
        assertThat(types).containsEntry("token_embd.weight", GgmlType.Q4_K)
                .containsEntry("output.weight", GgmlType.Q6_K)
                .containsEntry("output_norm.weight", GgmlType.F32);
        for (int i = 0; i < 2; i++) {
            String b = "blk." + i + ".";
            assertThat(types).containsEntry(b + "attn_q.weight", GgmlType.Q4_K)
                    .containsEntry(b + "attn_k.weight", GgmlType.Q4_K)
                    .containsEntry(b + "attn_v.weight", GgmlType.Q6_K)
                    .containsEntry(b + "attn_v.bias", GgmlType.F32)
                    .containsEntry(b + "attn_output.weight", GgmlType.Q4_K)
                    .containsEntry(b + "ffn_gate_inp.weight", GgmlType.Q4_K)
                    .containsEntry(b + "ffn_up_exps.weight", GgmlType.Q4_K)
                    .containsEntry(b + "ffn_down_exps.weight", GgmlType.Q8_0) // rows of 96: Q6_K falls back
                    .containsEntry(b + "ffn_gate_inp_shexp.weight", GgmlType.Q4_K)
                    .containsEntry(b + "ffn_gate_shexp.weight", GgmlType.Q4_K)
                    .containsEntry(b + "ffn_down_shexp.weight", GgmlType.Q6_K)
                    .containsEntry(b + "ffn_norm.weight", GgmlType.F32);
        }
        for (SyntheticModelBuilder.TensorSpec t : SyntheticModelBuilder.tensors(spec)) {
            assertThat(gguf.values(t.name())).as(t.name()).isEqualTo(model.values(t.name()));
        }
        assertThat(Files.size(file)).isEqualTo(SyntheticModelBuilder.writer(spec).fileSize());
        assertThat((String) gguf.metadata().get("general.name")).contains("Q4_K_M");

        // tied: token_embd is the output matrix, Q6_K; without the mix every matrix that fits is Q4_K
        assertThat(dims(builder.tiedOutput(true).build())).doesNotContainKey("output.weight");
        assertThat(SyntheticModelBuilder.tensors(builder.build()).getFirst().type()).isEqualTo(GgmlType.Q6_K);
        ModelSpec plain = builder.tiedOutput(false).mixed(false).build();
        assertThat(SyntheticModelBuilder.tensors(plain)).filteredOn(t -> t.name().equals("blk.0.attn_v.weight"))
                .extracting(SyntheticModelBuilder.TensorSpec::type).containsExactly(GgmlType.Q4_K);
        assertThat(SyntheticModelBuilder.matrixType(plain, "blk.0.ffn_down_exps.weight", 96)).isEqualTo(GgmlType.Q8_0);
        assertThat(SyntheticModelBuilder.matrixType(plain.toBuilder().weightType(GgmlType.Q4_0).build(),
                "blk.0.ffn_down_exps.weight", 96)).isEqualTo(GgmlType.Q4_0);
        assertThat(SyntheticModelBuilder.weightBytes(spec)).isLessThan(SyntheticModelBuilder.weightBytes(
                spec.toBuilder().mixed(false).weightType(GgmlType.Q6_K).build()));
    }

    @Test
    void tensorTablesFollowTheSpecification() {
        ModelSpec qwen3 = ModelSpec.builder("qwen3moe", VOCAB).build();
        Map<String, long[]> dims = dims(qwen3);
        int v = VOCAB.size();
        assertThat(dims.get("token_embd.weight")).containsExactly(64, v);
        assertThat(dims.get("output.weight")).containsExactly(64, v);
        assertThat(dims.get("blk.1.attn_q.weight")).containsExactly(64, 4 * 32);
        assertThat(dims.get("blk.1.attn_k.weight")).containsExactly(64, 2 * 32);
        assertThat(dims.get("blk.1.attn_output.weight")).containsExactly(4 * 32, 64);
        assertThat(dims.get("blk.1.attn_q_norm.weight")).containsExactly(32);
        assertThat(dims.get("blk.0.ffn_gate_inp.weight")).containsExactly(64, 4);
        assertThat(dims.get("blk.0.ffn_up_exps.weight")).containsExactly(64, 64, 4);
        assertThat(dims.get("blk.0.ffn_down_exps.weight")).containsExactly(64, 64, 4);
        assertThat(dims).doesNotContainKeys("blk.0.attn_q.bias", "blk.0.ffn_gate.weight", "blk.0.ffn_up_shexp.weight");

        Map<String, long[]> qwen2 = dims(ModelSpec.builder("qwen2moe", VOCAB).tiedOutput(true).build());
        assertThat(qwen2).doesNotContainKeys("output.weight", "blk.0.attn_q_norm.weight");
        assertThat(qwen2.get("blk.0.attn_v.bias")).containsExactly(32);
        assertThat(qwen2.get("blk.0.ffn_gate_inp_shexp.weight")).containsExactly(64);
        assertThat(qwen2.get("blk.0.ffn_down_shexp.weight")).containsExactly(128, 64);

        Map<String, long[]> llama = dims(ModelSpec.builder("llama", VOCAB).build());
        assertThat(llama.get("blk.1.ffn_down.weight")).containsExactly(128, 64);
        assertThat(llama).doesNotContainKeys("blk.0.ffn_gate_inp.weight");
        Map<String, long[]> mixtral = dims(ModelSpec.builder("llama", VOCAB).experts(4, 2).build());
        assertThat(mixtral.get("blk.1.ffn_gate_exps.weight")).containsExactly(64, 128, 4);
    }

    @Test
    void metadataCarriesEveryHyperParameterAndTheVocabulary() throws IOException {
        ModelSpec spec = ModelSpec.builder("qwen2moe", VOCAB).weightType(GgmlType.Q8_0).ropeTheta(1e6f).rot(8)
                .seed(7).build();
        Path file = dir.resolve("m.gguf");
        SyntheticModelBuilder.write(spec, file);
        GgufTestReader gguf = GgufTestReader.read(file);
        Map<String, Object> kv = gguf.metadata();
        assertThat(kv).containsEntry("general.architecture", "qwen2moe")
                .containsEntry("general.alignment", 32L)
                .containsEntry("qwen2moe.embedding_length", 64L)
                .containsEntry("qwen2moe.block_count", 2L)
                .containsEntry("qwen2moe.context_length", 256L)
                .containsEntry("qwen2moe.attention.head_count", 4L)
                .containsEntry("qwen2moe.attention.head_count_kv", 2L)
                .containsEntry("qwen2moe.attention.key_length", 16L)
                .containsEntry("qwen2moe.attention.value_length", 16L)
                .containsEntry("qwen2moe.attention.layer_norm_rms_epsilon", 1e-6f)
                .containsEntry("qwen2moe.rope.freq_base", 1e6f)
                .containsEntry("qwen2moe.rope.dimension_count", 8L)
                .containsEntry("qwen2moe.expert_count", 4L)
                .containsEntry("qwen2moe.expert_used_count", 2L)
                .containsEntry("qwen2moe.expert_feed_forward_length", 64L)
                .containsEntry("qwen2moe.expert_shared_feed_forward_length", 128L)
                .containsEntry("qwen2moe.expert_weights_norm", false)
                .doesNotContainKey("qwen2moe.feed_forward_length")
                .containsEntry("tokenizer.ggml.model", "gpt2")
                .containsEntry("tokenizer.ggml.pre", VOCAB.pre())
                .containsEntry("tokenizer.ggml.tokens", List.copyOf(VOCAB.tokens()))
                .containsEntry("tokenizer.ggml.merges", List.copyOf(VOCAB.merges()))
                .containsEntry("tokenizer.ggml.bos_token_id", (long) VOCAB.bosId())
                .containsEntry("tokenizer.ggml.eos_token_id", (long) VOCAB.eosId())
                .containsEntry("tokenizer.ggml.add_bos_token", false)
                .containsEntry("tokenizer.ggml.add_eos_token", false)
                .containsEntry("tokenizer.chat_template", VOCAB.chatTemplate())
                .doesNotContainKey("tokenizer.ggml.scores");
        assertThat((String) kv.get("general.name")).contains("synthetic", "not a trained model");
        assertThat(((List<?>) kv.get("tokenizer.ggml.token_type")).getLast()).isEqualTo(3L);
        assertThat(gguf.types()).containsEntry("qwen2moe.block_count", GgufValueType.UINT32)
                .containsEntry("qwen2moe.rope.freq_base", GgufValueType.FLOAT32)
                .containsEntry("tokenizer.ggml.eos_token_id", GgufValueType.UINT32);
        assertThat(gguf.elementTypes()).containsEntry("tokenizer.ggml.token_type", GgufValueType.INT32);

        Map<String, Object> llama = GgufTestReader.read(write(ModelSpec.builder("llama", VOCAB).build())).metadata();
        assertThat(llama).containsEntry("llama.feed_forward_length", 128L)
                .containsEntry("llama.attention.layer_norm_rms_epsilon", 1e-5f)
                .doesNotContainKeys("llama.expert_count", "llama.expert_weights_norm");
    }

    @Test
    void scoresAreWrittenWhenTheVocabularyHasThem() throws IOException {
        Vocabulary spm = new Vocabulary("llama", "default", List.of("<unk>", "<s>", "</s>", "▁a"),
                new float[] {0, 0, 0, -1.5f}, new int[] {2, 3, 3, 1}, List.of(), 1, 2, true, false, null);
        Map<String, Object> kv = GgufTestReader.read(write(ModelSpec.builder("llama", spm).build())).metadata();
        assertThat(kv).containsEntry("tokenizer.ggml.scores", List.of(0f, 0f, 0f, -1.5f))
                .containsEntry("tokenizer.ggml.add_bos_token", true)
                .doesNotContainKeys("tokenizer.ggml.merges", "tokenizer.chat_template");
    }

    @Test
    void weightsAreDeterministicAndScaled() throws IOException {
        ModelSpec spec = ModelSpec.builder("qwen2moe", VOCAB).weightType(GgmlType.Q4_0).build();
        assertThat(Files.readAllBytes(write(spec))).isEqualTo(Files.readAllBytes(write(spec)));
        SyntheticModel a = SyntheticModelBuilder.materialize(spec);
        SyntheticModel b = SyntheticModelBuilder.materialize(spec.toBuilder().seed(43).build());
        assertThat(a.values("blk.0.attn_q.weight")).isNotEqualTo(b.values("blk.0.attn_q.weight"));
        assertThat(a.values("blk.0.attn_q.weight")).isNotEqualTo(a.values("blk.1.attn_q.weight"));

        SyntheticModel f32 = SyntheticModelBuilder.materialize(ModelSpec.builder("qwen2moe", VOCAB).build());
        assertThat(std(f32.values("blk.0.ffn_down_exps.weight"))).isCloseTo(1 / Math.sqrt(64), withPercentage(5));
        assertThat(std(f32.values("blk.0.ffn_down_shexp.weight"))).isCloseTo(1 / Math.sqrt(128), withPercentage(5));
        assertThat(std(f32.values("token_embd.weight"))).isCloseTo(1 / Math.sqrt(64), withPercentage(5));
        for (float w : f32.values("blk.1.ffn_norm.weight")) {
            assertThat(w).isBetween(0.9f, 1.1f);
        }
        for (float w : f32.values("blk.1.attn_k.bias")) {
            assertThat(w).isBetween(-0.1f, 0.1f);
        }
    }

    @Test
    void specsAreValidated() {
        assertThatThrownBy(() -> ModelSpec.builder("llama", VOCAB).heads(4, 3).build())
                .hasMessageContaining("n_head_kv");
        assertThatThrownBy(() -> ModelSpec.builder("llama", VOCAB).weightType(GgmlType.Q8_0).ff(100).build())
                .hasMessageContaining("multiples of 32");
        assertThatThrownBy(() -> ModelSpec.builder("qwen3moe", VOCAB).experts(0, 0).build())
                .hasMessageContaining("needs experts");
        assertThatThrownBy(() -> ModelSpec.builder("qwen3moe", VOCAB).experts(4, 5).build())
                .hasMessageContaining("n_expert_used");
        assertThatThrownBy(() -> ModelSpec.builder("llama", VOCAB).rot(15).build()).hasMessageContaining("n_rot");
        assertThatThrownBy(() -> ModelSpec.builder("llama", VOCAB).ffShexp(32).build())
                .hasMessageContaining("shared expert");
        assertThatThrownBy(() -> ModelSpec.builder("gpt2", VOCAB)).hasMessageContaining("unknown architecture");
        assertThatThrownBy(() -> ModelSpec.builder("llama", VOCAB).weightType(GgmlType.Q8_0).mixed(true).build())
                .hasMessageContaining("_M mix needs a K-quant");
        assertThatThrownBy(() -> ModelSpec.builder("llama", VOCAB).weightType(GgmlType.Q4_K).ff(112).build())
                .hasMessageContaining("multiples of 32"); // Q8_0, the K-quants' fallback, needs 32
    }

    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"Q8_0", "Q4_0"})
    void theOneGigabytePresetGivesDenseAndMoeTheSameActiveSize(GgmlType type) {
        long gib = 1L << 30;
        ModelSpec dense = sized("llama", 0, 0, type);
        ModelSpec mixtral = sized("llama", 8, 2, type);
        assertThat(dense.nLayer()).isEqualTo(mixtral.nLayer());
        for (ModelSpec spec : List.of(dense, mixtral, sized("qwen2moe", 0, 0, type), sized("qwen3moe", 0, 0, type))) {
            long active = SyntheticModelBuilder.activeWeightBytes(spec);
            assertThat(Math.abs(active - gib)).as(spec.architecture()).isLessThan(gib / 20);
        }
        assertThat(SyntheticModelBuilder.weightBytes(dense)).isCloseTo(gib, withPercentage(5));
        assertThat(SyntheticModelBuilder.weightBytes(mixtral)).isGreaterThan(3 * gib);
        ModelSpec total = SyntheticModelBuilder.sized(mixtral, gib, false);
        assertThat(SyntheticModelBuilder.weightBytes(total)).isCloseTo(gib, withPercentage(10));
    }

    @Test
    void commandLineBuildsATinyModel() throws IOException {
        Path file = dir.resolve("cli.gguf");
        SyntheticModelBuilder.run(new String[] {"build", "--arch", "llama", "--type", "q8_0", "--out", file.toString(),
            "--experts", "4", "--experts-used", "2", "--seed", "5", "--tied"});
        GgufTestReader gguf = GgufTestReader.read(file);
        assertThat(gguf.metadata()).containsEntry("llama.expert_count", 4L).containsEntry("llama.block_count", 2L);
        assertThat(gguf.tensors()).containsKey("blk.0.ffn_gate_exps.weight").doesNotContainKey("output.weight");
        assertThat(gguf.tensors().get("blk.0.attn_q.weight").type()).isEqualTo(GgmlType.Q8_0);
        assertThat(SyntheticModelBuilder.bytes("3g")).isEqualTo(3L << 30);
        assertThat(SyntheticModelBuilder.bytes("1500")).isEqualTo(1500);
        assertThatThrownBy(() -> SyntheticModelBuilder.run(new String[] {"build", "--arch", "llama"}))
                .hasMessageContaining("required");
        assertThatThrownBy(() -> SyntheticModelBuilder.run(new String[] {"build", "--bogus", "1"}))
                .hasMessageContaining("unknown option");
    }

    @Test
    void commandLineBuildsKQuantsAndTheMix() throws IOException {
        Path file = dir.resolve("q4_k_m.gguf");
        SyntheticModelBuilder.run(new String[] {"build", "--arch", "llama", "--type", "q4_k_m", "--size-preset",
            "small", "--layers", "1", "--out", file.toString()});
        Map<String, GgufTestReader.TensorInfo> tensors = GgufTestReader.read(file).tensors();
        assertThat(tensors.get("blk.0.attn_q.weight").type()).isEqualTo(GgmlType.Q4_K);
        assertThat(tensors.get("blk.0.attn_v.weight").type()).isEqualTo(GgmlType.Q6_K);
        assertThat(tensors.get("blk.0.ffn_down.weight").type()).isEqualTo(GgmlType.Q6_K);
        assertThat(tensors.get("output.weight").type()).isEqualTo(GgmlType.Q6_K);
        SyntheticModelBuilder.run(new String[] {"build", "--arch", "qwen3moe", "--type", "Q5_K", "--out",
            file.toString()});
        assertThat(GgufTestReader.read(file).tensors().get("blk.0.attn_q.weight").type())
                .isEqualTo(GgmlType.Q8_0); // tiny: rows of 64
        for (String type : new String[] {"q6_k_m", "q7_k", "q8_0_m"}) {
            assertThatThrownBy(() -> SyntheticModelBuilder.run(new String[] {"build", "--arch", "llama", "--type", type,
                "--out", file.toString()})).hasMessageContaining("unknown --type");
        }
    }

    private Path write(ModelSpec spec) throws IOException {
        Path file = Files.createTempFile(dir, "m", ".gguf");
        SyntheticModelBuilder.write(spec, file);
        return file;
    }

    private static ModelSpec sized(String arch, int experts, int used, GgmlType type) {
        return SyntheticModelBuilder.sized(
                SyntheticModelBuilder.preset("1gb", arch, experts, used, VOCAB).weightType(type).build(), 1L << 30, true);
    }

    private static Map<String, long[]> dims(ModelSpec spec) {
        return SyntheticModelBuilder.tensors(spec).stream().collect(Collectors.toMap(
                SyntheticModelBuilder.TensorSpec::name, SyntheticModelBuilder.TensorSpec::dims));
    }

    private static double std(float[] values) {
        double sum = 0;
        double squares = 0;
        for (float v : values) {
            sum += v;
            squares += (double) v * v;
        }
        double mean = sum / values.length;
        return Math.sqrt(squares / values.length - mean * mean);
    }
}
