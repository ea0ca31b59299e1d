package dev.moeplatform.engine.tools;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.moeplatform.engine.gguf.GgmlType;
import dev.moeplatform.engine.tokenizer.Vocabularies;
import dev.moeplatform.engine.tokenizer.Vocabulary;
import java.util.List;
import org.junit.jupiter.api.Test;

/** deepseek2 specs: the exact V2-Lite configuration, the tensors each style writes, and the checks of the spec. */
class DeepSeekPresetTest {

    @Test
    void theV2LitePresetHasDeepSeekV2LitesParameters() {
        Vocabulary vocabulary = Vocabularies.paddedTo(Vocabularies.defaultByteLevel(), 102400);
        ModelSpec spec = SyntheticModelBuilder.preset("v2-lite", "deepseek2", 0, 0, vocabulary)
                .weightType(GgmlType.F32).build();

        long parameters = SyntheticModelBuilder.tensors(spec).stream()
                .mapToLong(SyntheticModelBuilder.TensorSpec::elements).sum();

        // DeepSeek-V2-Lite: 15.7B parameters in all (its model card), 27 layers, the first dense
        assertThat(parameters).isBetween(15_650_000_000L, 15_750_000_000L);
        assertThat(spec.nLayer()).isEqualTo(27);
        assertThat(spec.deepseek().leadingDense()).isEqualTo(1);
        assertThat(spec.nVocab()).isEqualTo(102400);
        assertThat(vocabulary.tokenTypes()[102399]).isEqualTo(Vocabulary.TYPE_UNUSED);
    }

    @Test
    void eachStyleWritesItsOwnTensors() {
        ModelSpec.Builder b = ModelSpec.builder("deepseek2", Vocabularies.defaultByteLevel());
        List<String> lite = names(b.build());
        List<String> v3 = names(b.deepseek(ModelSpec.DeepSeek.v3Style(32, 64, 4, 2).withSplitKvB(false)).build());

        assertThat(lite).contains("blk.0.attn_q.weight", "blk.0.ffn_gate.weight", "blk.1.attn_k_b.weight",
                "blk.1.attn_v_b.weight", "blk.1.ffn_gate_shexp.weight", "blk.1.ffn_gate_exps.weight")
                .doesNotContain("blk.0.ffn_gate_exps.weight", "blk.1.attn_kv_b.weight", "blk.1.exp_probs_b.bias");
        assertThat(v3).contains("blk.1.attn_q_a.weight", "blk.1.attn_q_a_norm.weight", "blk.1.attn_q_b.weight",
                "blk.1.attn_kv_b.weight", "blk.1.exp_probs_b.bias")
                .doesNotContain("blk.1.attn_q.weight", "blk.1.attn_k_b.weight");
    }

    @Test
    void inconsistentSpecsAreRefusedWithTheReason() {
        ModelSpec.Builder b = ModelSpec.builder("deepseek2", Vocabularies.defaultByteLevel());
        assertThatThrownBy(() -> b.rot(48).build()).hasMessageContaining("non-rotated part");
        assertThatThrownBy(() -> ModelSpec.builder("deepseek2", Vocabularies.defaultByteLevel()).experts(6, 5)
                .deepseek(ModelSpec.DeepSeek.v2Style(32, 64, 3, 1)).build())
                .hasMessageContaining("top-k fit in the groups used");
        assertThatThrownBy(() -> ModelSpec.builder("llama", Vocabularies.defaultByteLevel())
                .deepseek(ModelSpec.DeepSeek.liteStyle(64)).build())
                .hasMessageContaining("only deepseek2");
    }

    private static List<String> names(ModelSpec spec) {
        return SyntheticModelBuilder.tensors(spec).stream().map(SyntheticModelBuilder.TensorSpec::name).toList();
    }
}
