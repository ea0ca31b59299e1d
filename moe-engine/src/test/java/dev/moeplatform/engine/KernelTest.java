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

    /**
     * The exact paths: fp32 reassociation only, within 1e-5 of sum |w x|.
     *
     * <p>The {@code -q8a} paths on Q4_0/Q8_0 first round x to blocks of 32 int8 with one scale
     * {@code d = max|x in block| / 127}, so each x_i is off by at most {@code d (1/2 + 400 u)} (u = 2^-24: the
     * scale and the product x * (127 / max) are rounded to fp32); the integer block sums are exact and the fp32
     * scaling and accumulation add at most the exact paths' 1e-5 of sum |w x|. The bound per case is therefore
     * {@code sum_i |w_i| d(block of i) (1/2 + 400 u) + 1e-5 sum |w x|}; it is rigorous, not statistical, and the
     * largest observed error / bound is printed.
     *
     * <p>The K-quants' integer kernels work on the exact weights {@code d sc u - dmin m}, while the stored values
     * round them three times ({@code fl(fl(d sc) u) - fl(dmin m)}, relative u each, of terms at most
     * {@code |w| + 2 dmin m <= |w| + 126 dmin} in magnitude), and the activation error applies to the exact weight:
     * both add {@code 3.01 u (|w_i| + 126 dmin) |x_i|} and use {@code |w_i| + 126 dmin} for {@code |w_i|} above.
     */
    @Test
    void dotProductsMatchADoubleReferenceOnEveryKernelPath() {
        double worstQ8a = 0;
        for (String kernels : Model.supportedKernels()) {
            for (GgmlType type : GgmlType.values()) {
                boolean q8a = kernels.endsWith("-q8a") && type.blockSize > 1; // Q4_0, Q8_0 and the K-quants
                for (int blocks : new int[] {1, 2, 5, 31}) {
                    int n = blocks * Math.max(32, type.blockSize) + (type.blockSize == 1 ? 7 : 0);
                    byte[] data = type.quantize(values(n, 31L * n));
                    float[] weights = type.dequantize(data, n);
                    float[] x = values(n, 17L * n + 1);
                    double expected = 0;
                    double scale = 0;
                    for (int i = 0; i < n; i++) {
                        expected += (double) weights[i] * x[i];
                        scale += Math.abs((double) weights[i] * x[i]);
                    }
                    double bound = 1e-5 * scale;
                    if (q8a) {
                        for (int b = 0; b < n / 32; b++) {
                            double max = 0;
                            for (int i = 32 * b; i < 32 * b + 32; i++) {
                                max = Math.max(max, Math.abs(x[i]));
                            }
                            double d = (float) (max / 127);
                            for (int i = 32 * b; i < 32 * b + 32; i++) {
                                double w = Math.abs((double) weights[i]) + 126 * kDmin(type, data, i);
                                bound += w * d * (0.5 + 400 * 0x1p-24);
                                if (type.blockSize > 32) {
                                    bound += 3.01 * 0x1p-24 * w * Math.abs(x[i]);
                                }
                            }
                        }
                    }
                    float actual = NativeEngine.dot(type.id, data, x, n, kernels);
                    double error = Math.abs(actual - expected);
                    if (q8a) {
                        worstQ8a = Math.max(worstQ8a, error / bound);
                    }
                    assertThat(error).as("%s %s n=%d", kernels, type, n).isLessThanOrEqualTo(bound);
                }
            }
        }
        System.out.printf("KernelTest: worst -q8a dot error / derived bound = %.3g%n", worstQ8a);
    }

    /** The fp16 dmin of the Q4_K/Q5_K super-block holding value i (bytes 2..3 of the block); 0 for other types. */
    private static double kDmin(GgmlType type, byte[] data, int i) {
        if (type != GgmlType.Q4_K && type != GgmlType.Q5_K) {
            return 0;
        }
        int at = i / 256 * type.bytesPerBlock + 2;
        return Math.abs(Float.float16ToFloat((short) ((data[at] & 0xFF) | (data[at + 1] & 0xFF) << 8)));
    }

    @Test
    void argumentsAreCheckedNotTrusted() {
        assertThatThrownBy(() -> NativeEngine.dequantize(GgmlType.Q8_0.id, new byte[33], 32))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> NativeEngine.dequantize(99, new byte[64], 16))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> NativeEngine.dequantize(GgmlType.Q4_K.id, new byte[144], 32)) // not 256 values
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> NativeEngine.dequantize(GgmlType.Q6_K.id, new byte[209], 256)) // 210 bytes needed
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> NativeEngine.dot(GgmlType.F32.id, new byte[16], new float[3], 4, "scalar"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> NativeEngine.dot(GgmlType.F32.id, new byte[16], new float[4], 4, "quantum"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> NativeEngine.step(0, new long[] {1}, new int[] {1}, new int[] {1}, new float[1]))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
