package dev.moeplatform.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.moeplatform.engine.gguf.GgmlType;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Every type's dequantization and dot product in C, against the Java definitions, on every kernel path. */
class KernelTest {

    @BeforeAll
    static void load() {
        NativeLibrary.ensureLoaded();
    }

    private static float[] values(int n, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (random.nextGaussian() * (i % 7 == 0 ? 10 : 1));
        }
        return v;
    }

    @Test
    void dequantizationIsBitExactWithTheGgufLayouts() {
        for (GgmlType type : GgmlType.values()) {
            for (int blocks : new int[] {1, 3, 7, 33}) {
                int n = blocks * type.blockSize * (type.blockSize == 1 ? 37 : 1);
                byte[] data = type.quantize(values(n, n));
                assertThat(NativeEngine.dequantize(type.id, data, n)).as("%s x %d", type, n)
                        .containsExactly(type.dequantize(data, n));
            }
        }
    }

    @Test
    void dotProductsMatchADoubleReferenceOnEveryKernelPath() {
        for (String kernels : Model.supportedKernels()) {
            for (GgmlType type : GgmlType.values()) {
                for (int blocks : new int[] {1, 2, 5, 31}) {
                    int n = blocks * 32 + (type.blockSize == 1 ? 7 : 0);
                    byte[] data = type.quantize(values(n, 31L * n));
                    float[] weights = type.dequantize(data, n);
                    float[] x = values(n, 17L * n + 1);
                    double expected = 0;
                    double scale = 0;
                    for (int i = 0; i < n; i++) {
                        expected += (double) weights[i] * x[i];
                        scale += Math.abs((double) weights[i] * x[i]);
                    }
                    float actual = NativeEngine.dot(type.id, data, x, n, kernels);
                    assertThat(Math.abs(actual - expected) / scale).as("%s %s n=%d", kernels, type, n)
                            .isLessThanOrEqualTo(1e-5);
                }
            }
        }
    }

    @Test
    void argumentsAreCheckedNotTrusted() {
        assertThatThrownBy(() -> NativeEngine.dequantize(GgmlType.Q8_0.id, new byte[33], 32))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> NativeEngine.dequantize(99, new byte[64], 16))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> NativeEngine.dot(GgmlType.F32.id, new byte[16], new float[3], 4, "scalar"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> NativeEngine.dot(GgmlType.F32.id, new byte[16], new float[4], 4, "quantum"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> NativeEngine.step(0, new long[] {1}, new int[] {1}, new int[] {1}, new float[1]))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
