package dev.moeplatform.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.moeplatform.engine.reference.ReferenceModel;
import dev.moeplatform.engine.tools.SyntheticModel;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The C engine, through JNI, against the plain-Java reference of docs/model-math.md, for every architecture, weight
 * type and kernel path this CPU has.
 *
 * <p>Bound: the reference runs on the weights exactly as the file stores them (dequantized once, in Java), and the
 * engine multiplies the same dequantized values, so the only difference is floating-point summation order (float
 * accumulators in SIMD lanes vs. the reference's double sums). That is well under 1e-4 of the logits' scale for every
 * type, quantized ones included; a larger difference means a real disagreement (a wrong pairing, offset or
 * expert), which typically shows as errors of order 1.
 */
class EngineMatchesReferenceTest {

    private static final double RELATIVE_BOUND = 1e-4;
    private static final int[] PROMPT = {5, 300, 17, 942, 64, 1200, 8, 77, 501, 13};

    @TempDir
    static Path dir;

    private static final Map<String, SyntheticModel> MODELS = new HashMap<>();

    @BeforeAll
    static void buildModels() {
        for (EngineFixtures.Variant variant : EngineFixtures.all()) {
            MODELS.put(variant.label(), variant.build(dir));
        }
    }

    static Stream<Arguments> variantsAndKernels() {
        return EngineFixtures.all().stream().flatMap(variant -> Model.supportedKernels().stream()
                .map(kernels -> Arguments.of(variant.label(), kernels, variant)));
    }

    @ParameterizedTest(name = "{0} on {1}")
    @MethodSource("variantsAndKernels")
    void logitsOverAPromptMatchTheReference(String label, String kernels, EngineFixtures.Variant variant) {
        float[][] expected = new ReferenceModel(MODELS.get(label)).prompt(PROMPT);

        try (Model model = Model.load(variant.file(dir), EngineFixtures.options(kernels))) {
            assertThat(model.info().architecture()).isEqualTo(variant.architecture());
            assertThat(model.info().kernels()).isEqualTo(kernels);
            int vocab = model.info().vocabSize();
            long sequence = NativeEngine.sequenceNew(model.requireOpen(), 64);
            try {
                // One token per step, so every position's logits are compared, not just the last.
                for (int pos = 0; pos < PROMPT.length; pos++) {
                    float[] logits = new float[vocab];
                    NativeEngine.step(model.requireOpen(), new long[] {sequence}, new int[] {PROMPT[pos]},
                            new int[] {1}, logits);
                    assertThat(relativeError(logits, expected[pos]))
                            .as("%s position %d", label, pos).isLessThanOrEqualTo(RELATIVE_BOUND);
                }
            } finally {
                NativeEngine.sequenceFree(sequence);
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void greedyGenerationFollowsTheReferencesArgmax(String label, EngineFixtures.Variant variant) {
        ReferenceModel reference = new ReferenceModel(MODELS.get(label));
        float[][] promptLogits = reference.prompt(PROMPT);
        int expected = Sampler.argmax(promptLogits[PROMPT.length - 1]);
        int[] expectedTokens = new int[6];
        for (int i = 0; i < expectedTokens.length; i++) {
            expectedTokens[i] = expected;
            expected = Sampler.argmax(reference.forward(expected, PROMPT.length + i));
        }

        try (Model model = Model.load(variant.file(dir), EngineFixtures.options("auto"));
             Sequence sequence = model.newSequence(32, SamplingParams.greedy(6))) {
            sequence.append(PROMPT);
            int[] generated = new int[expectedTokens.length];
            for (int i = 0; i < generated.length; i++) {
                model.step(List.of(sequence));
                generated[i] = sequence.lastSampled().id();
            }
            assertThat(generated).as(label).containsExactly(expectedTokens);
        }
    }

    static Stream<Arguments> variants() {
        return EngineFixtures.all().stream().map(v -> Arguments.of(v.label(), v));
    }

    /** max |engine - reference| over max |reference|. */
    static double relativeError(float[] actual, float[] expected) {
        double maxDiff = 0;
        double scale = 0;
        for (int i = 0; i < expected.length; i++) {
            maxDiff = Math.max(maxDiff, Math.abs(actual[i] - expected[i]));
            scale = Math.max(scale, Math.abs(expected[i]));
        }
        return maxDiff / scale;
    }
}
