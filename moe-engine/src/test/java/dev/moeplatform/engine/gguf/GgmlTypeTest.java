package dev.moeplatform.engine.gguf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class GgmlTypeTest {

    @Test
    void layoutsAndIdsAreGgmls() {
        assertThat(GgmlType.values()).extracting(t -> t.id).containsExactly(0, 1, 2, 8, 12, 13, 14, 30);
        assertThat(GgmlType.Q4_0.byteSize(64)).isEqualTo(36);
        assertThat(GgmlType.Q4_K.byteSize(512)).isEqualTo(2 * 144); // d, dmin, scales[12], qs[128]
        assertThat(GgmlType.Q5_K.byteSize(256)).isEqualTo(176); // d, dmin, scales[12], qh[32], qs[128]
        assertThat(GgmlType.Q6_K.byteSize(768)).isEqualTo(3 * 210); // ql[128], qh[64], scales[16], d
        assertThat(GgmlType.byId(12)).isEqualTo(GgmlType.Q4_K);
        assertThat(GgmlType.byId(14)).isEqualTo(GgmlType.Q6_K);
        assertThatThrownBy(() -> GgmlType.Q4_K.byteSize(128)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> GgmlType.Q6_K.quantize(new float[32])).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> GgmlType.byId(11)).isInstanceOf(IllegalArgumentException.class);
        assertThat(GgmlType.Q8_0.byteSize(96)).isEqualTo(102);
        assertThat(GgmlType.BF16.byteSize(3)).isEqualTo(6);
        assertThat(GgmlType.byId(8)).isEqualTo(GgmlType.Q8_0);
        assertThatThrownBy(() -> GgmlType.Q8_0.byteSize(33)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> GgmlType.Q4_0.quantize(new float[31])).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> GgmlType.byId(3)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void f32IsLittleEndianAndExact() {
        float[] values = {1.0f, -2.5f, 0f, -0f, Float.MAX_VALUE, -Float.MAX_VALUE, Float.MIN_VALUE, 1e-40f};
        byte[] bytes = GgmlType.F32.quantize(values);
        assertThat(bytes).startsWith(0x00, 0x00, (byte) 0x80, 0x3F, 0x00, 0x00, 0x20, (byte) 0xC0);
        assertThat(GgmlType.F32.dequantize(bytes, values.length)).containsExactly(values);
    }

    @Test
    void f16RoundsToNearestEven() {
        float oneUlp = 0x1p-10f;
        float[] values = {1.0f, 65504f, -65504f, 0x1p-24f, 1 + oneUlp / 2, 1 + 3 * oneUlp / 2, 1e6f, 0x1p-26f};
        byte[] bytes = GgmlType.F16.quantize(values);
        assertThat(bytes).containsExactly(
                0x00, 0x3C, // 1
                (byte) 0xFF, 0x7B, // max
                (byte) 0xFF, (byte) 0xFB, // -max
                0x01, 0x00, // smallest subnormal
                0x00, 0x3C, // halfway: down to even
                0x02, 0x3C, // halfway: up to even
                0x00, 0x7C, // overflow: +inf
                0x00, 0x00); // underflow: +0
        assertThat(GgmlType.F16.dequantize(bytes, 8))
                .containsExactly(1f, 65504f, -65504f, 0x1p-24f, 1f, 1 + 2 * oneUlp, Float.POSITIVE_INFINITY, 0f);
    }

    @Test
    void bf16RoundsTheUpperHalfToNearestEven() {
        float[] values = {
            1.0f,
            Float.intBitsToFloat(0x3F808000), // halfway, even below
            Float.intBitsToFloat(0x3F818000), // halfway, even above
            Float.intBitsToFloat(0x3F808001), // just above halfway
            -3.0f,
            Float.MAX_VALUE,
            Float.NaN,
            Float.intBitsToFloat(0x00010000) // subnormal, exact
        };
        byte[] bytes = GgmlType.BF16.quantize(values);
        assertThat(bytes).containsExactly(
                (byte) 0x80, 0x3F, (byte) 0x80, 0x3F, (byte) 0x82, 0x3F, (byte) 0x81, 0x3F,
                0x40, (byte) 0xC0, (byte) 0x80, 0x7F, (byte) 0xC0, 0x7F, 0x01, 0x00);
        float[] back = GgmlType.BF16.dequantize(bytes, values.length);
        assertThat(back[4]).isEqualTo(-3.0f);
        assertThat(back[5]).isEqualTo(Float.POSITIVE_INFINITY);
        assertThat(back[6]).isNaN();
        assertThat(back[7]).isEqualTo(values[7]);
    }

    @Test
    void q8_0KnownBlock() {
        float[] x = new float[32];
        x[0] = -127;
        for (int j = 1; j < 32; j++) {
            x[j] = j - 16 + (j % 3 == 0 ? 0.4f : 0);
        }
        byte[] bytes = GgmlType.Q8_0.quantize(x);
        assertThat(bytes).hasSize(34).startsWith(0x00, 0x3C, (byte) 0x81); // d = 1.0, q0 = -127
        for (int j = 1; j < 32; j++) {
            assertThat(bytes[2 + j]).isEqualTo((byte) (j - 16));
        }
        float[] back = GgmlType.Q8_0.dequantize(bytes, 32);
        assertThat(back[0]).isEqualTo(-127f);
        assertThat(back[3]).isEqualTo(-13f);
    }

    @Test
    void q8_0RoundsHalvesAwayFromZero() {
        float[] x = new float[32];
        x[0] = 127; // d = 1
        x[1] = 2.5f;
        x[2] = -2.5f;
        x[3] = 0.49999997f;
        byte[] bytes = GgmlType.Q8_0.quantize(x);
        assertThat(bytes).startsWith(0x00, 0x3C, 0x7F, 0x03, (byte) 0xFD, 0x00);
    }

    @Test
    void q4_0KnownBlocks() {
        float[] x = new float[64];
        for (int j = 0; j < 32; j++) {
            x[j] = (j % 16) - 8; // x_m = -8 first: d = 1, q = x + 8
            x[32 + j] = j == 0 ? 8 : (j % 16) - 8; // x_m = +8: d = -1, q = 8 - x, clamped to 15
        }
        byte[] bytes = GgmlType.Q4_0.quantize(x);
        assertThat(bytes).hasSize(36).startsWith(0x00, 0x3C, 0x00, 0x11, 0x22);
        assertThat(bytes[17]).isEqualTo((byte) 0xFF);
        assertThat(bytes[18]).isEqualTo((byte) 0x00);
        assertThat(bytes[19]).isEqualTo((byte) 0xBC);
        assertThat(bytes[20]).isEqualTo((byte) 0xF0); // low: 8 - 8 = 0; high: 8 - (-8) = 16 -> 15
        assertThat(bytes[21]).isEqualTo((byte) 0xFF); // 8 - (-7) = 15 twice
        float[] back = GgmlType.Q4_0.dequantize(bytes, 64);
        for (int j = 0; j < 32; j++) {
            assertThat(back[j]).isEqualTo(x[j]);
        }
        assertThat(back[32]).isEqualTo(8f);
        assertThat(back[48]).isEqualTo(-7f); // -8 clamped to q = 15: (15 - 8) * -1
    }

    @Test
    void zeroBlocks() {
        float[] zeros = new float[32];
        byte[] q8 = GgmlType.Q8_0.quantize(zeros);
        byte[] q4 = GgmlType.Q4_0.quantize(zeros);
        assertThat(q8).containsOnly(0);
        assertThat(q4[0]).isZero(); // d = 0 / -8 = -0, as ggml stores it
        assertThat(q4[1]).isEqualTo((byte) 0x80);
        for (int j = 2; j < 18; j++) {
            assertThat(q4[j]).isEqualTo((byte) 0x88);
        }
        assertThat(GgmlType.Q8_0.dequantize(q8, 32)).containsOnly(0f);
        assertThat(GgmlType.Q4_0.dequantize(q4, 32)).containsOnly(-0f);
    }

    @Test
    void roundTripsOfOddBlockCounts() {
        SplittableRandom random = new SplittableRandom(7);
        for (GgmlType type : GgmlType.values()) {
            float[] x = new float[3 * Math.max(32, type.blockSize)];
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) (random.nextGaussian() * 3);
            }
            byte[] bytes = type.quantize(x);
            assertThat(bytes).hasSize((int) type.byteSize(x.length));
            float[] back = type.dequantize(bytes, x.length);
            if (type.blockSize > 32) {
                // a K-quant's scales and mins follow each sub-block's range, which the stored values change: no
                // fixed point, but quantizing them again stays within the format's bound
                checkK(type, back);
            } else {
                assertThat(type.quantize(back)).as("quantizing what was stored is stable for %s", type)
                        .isEqualTo(bytes);
            }
        }
        float[] x = new float[96];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (random.nextGaussian() * 3);
        }
        assertThat(GgmlType.F32.dequantize(GgmlType.F32.quantize(x), x.length)).containsExactly(x);
    }

    @Test
    void quantizationErrorIsBounded() {
        SplittableRandom random = new SplittableRandom(11);
        for (int trial = 0; trial < 300; trial++) {
            double scale = Math.pow(10, random.nextInt(-8, 5));
            float[] x = new float[32];
            for (int j = 0; j < 32; j++) {
                x[j] = (float) (random.nextGaussian() * scale);
            }
            checkQ8_0(x);
            checkQ4_0(x);
        }
        float[] subnormal = new float[32];
        for (int j = 0; j < 32; j++) {
            subnormal[j] = (j - 16) * Float.MIN_VALUE * 1000;
        }
        checkQ8_0(subnormal);
        checkQ4_0(subnormal);
        for (float v : GgmlType.Q8_0.dequantize(GgmlType.Q8_0.quantize(subnormal), 32)) {
            assertThat(Math.abs(v)).isZero(); // d underflows in fp16
        }
    }

    private static void checkQ8_0(float[] x) {
        float amax = 0;
        for (float v : x) {
            amax = Math.max(amax, Math.abs(v));
        }
        float d = amax / 127;
        float stored = Float.float16ToFloat(Float.floatToFloat16(d));
        float[] back = GgmlType.Q8_0.dequantize(GgmlType.Q8_0.quantize(x), 32);
        for (int j = 0; j < 32; j++) {
            double bound = d / 2 * (1 + 1e-6) + 127 * Math.abs(d - stored);
            assertThat(Math.abs((double) x[j] - back[j])).isLessThanOrEqualTo(bound);
        }
    }

    private static void checkQ4_0(float[] x) {
        float max = 0;
        for (float v : x) {
            if (Math.abs(max) < Math.abs(v)) {
                max = v;
            }
        }
        float d = Math.abs(max / -8);
        float stored = Math.abs(Float.float16ToFloat(Float.floatToFloat16(max / -8)));
        float[] back = GgmlType.Q4_0.dequantize(GgmlType.Q4_0.quantize(x), 32);
        for (int j = 0; j < 32; j++) {
            // values on the far side of x_m beyond 7.5 d are clamped to q = 15: error up to d
            boolean clamped = Math.abs(x[j]) > 7.5 * d && Math.signum(x[j]) != Math.signum(max);
            double bound = (clamped ? d : d / 2) * (1 + 1e-6) + 8 * Math.abs(d - stored);
            assertThat(Math.abs((double) x[j] - back[j])).isLessThanOrEqualTo(bound);
        }
    }

    // ---- K-quants ------------------------------------------------------------------------------------------

    /** The 12 packed bytes of scales {@code sc} and mins {@code m} (6 bits each), written from the layout's rule. */
    private static byte[] packScalesMins(int[] sc, int[] m) {
        byte[] s = new byte[12];
        for (int j = 0; j < 4; j++) {
            s[j] = (byte) (sc[j] | (sc[j + 4] >> 4) << 6); // bits 4..5 of scale j + 4 in the top bits of byte j
            s[j + 4] = (byte) (m[j] | (m[j + 4] >> 4) << 6); // bits 4..5 of min j + 4 in the top bits of byte j + 4
            s[j + 8] = (byte) ((sc[j + 4] & 15) | (m[j + 4] & 15) << 4); // low nibbles of scale / min j + 4
        }
        return s;
    }

    @Test
    void q4_KHandBuiltBlockDecodesExactly() {
        byte[] block = new byte[144];
        block[0] = 0x00; // d = 1.0
        block[1] = 0x3C;
        block[2] = 0x00; // dmin = 0.5
        block[3] = 0x38;
        int[] sc = {1, 2, 3, 4, 17, 35, 50, 63};
        int[] m = {0, 5, 10, 63, 1, 33, 48, 20};
        byte[] packed = packScalesMins(sc, m);
        assertThat(packed).containsExactly(0x41, 0x82, 0xC3, 0xC4, 0x00, 0x85, 0xCA, 0x7F, 0x11, 0x13, 0x02, 0x4F);
        System.arraycopy(packed, 0, block, 4, 12);
        for (int i = 0; i < 128; i++) { // byte 32 c + l: low nibble l % 16, high nibble 15 - l % 16
            block[16 + i] = (byte) (i % 16 | (15 - i % 16) << 4);
        }
        float[] y = GgmlType.Q4_K.dequantize(block, 256);
        assertThat(y[0]).isEqualTo(0f); // sub-block 0, u 0: 1 * 0 - 0.5 * 0
        assertThat(y[33]).isEqualTo(25.5f); // sub-block 1 (high nibbles of bytes 0..31), u = 14: 2 * 14 - 2.5
        assertThat(y[64 + 5]).isEqualTo(10f); // sub-block 2, byte 32 + 5 low nibble 5: 3 * 5 - 5
        assertThat(y[96 + 31]).isEqualTo(-31.5f); // sub-block 3, u 0: 0 - 31.5
        assertThat(y[130]).isEqualTo(33.5f); // sub-block 4: 17 * 2 - 0.5
        assertThat(y[160 + 1]).isEqualTo(473.5f); // sub-block 5, u 14: 35 * 14 - 16.5
        assertThat(y[200]).isEqualTo(376f); // sub-block 6, u 8: 50 * 8 - 24
        assertThat(y[255]).isEqualTo(-10f); // sub-block 7, u 0: 0 - 10
        for (int v = 0; v < 256; v++) {
            int j = v / 32;
            int l = v % 32;
            int u = j % 2 == 0 ? l % 16 : 15 - l % 16;
            assertThat(y[v]).as("value %d", v).isEqualTo(sc[j] * u - 0.5f * m[j]);
        }
    }

    @Test
    void q5_KHandBuiltBlockDecodesExactly() {
        byte[] block = new byte[176];
        block[1] = 0x3C; // d = 1.0
        block[3] = 0x38; // dmin = 0.5
        int[] sc = {1, 2, 3, 4, 17, 35, 50, 63};
        int[] m = {0, 5, 10, 63, 1, 33, 48, 20};
        System.arraycopy(packScalesMins(sc, m), 0, block, 4, 12);
        for (int l = 0; l < 32; l++) { // qh[l]: bit j set when (l + j) % 3 == 0
            int bits = 0;
            for (int j = 0; j < 8; j++) {
                bits |= (l + j) % 3 == 0 ? 1 << j : 0;
            }
            block[16 + l] = (byte) bits;
        }
        for (int i = 0; i < 128; i++) {
            block[48 + i] = (byte) (i % 16 | (15 - i % 16) << 4);
        }
        float[] y = GgmlType.Q5_K.dequantize(block, 256);
        assertThat(y[0]).isEqualTo(16f); // sub-block 0, l 0: bit 0 of qh[0] set: u = 16; 1 * 16 - 0
        assertThat(y[1]).isEqualTo(1f); // l 1: (1 + 0) % 3 != 0: u = 1
        // sub-block 1, l 2: high nibble 13, bit 1 of qh[2] set ((2 + 1) % 3 == 0): u = 29
        assertThat(y[32 + 2]).isEqualTo(2 * 29 - 2.5f);
        assertThat(y[224 + 2]).isEqualTo(63 * 29 - 10f); // sub-block 7, l 2: (2 + 7) % 3 == 0, u = 13 + 16
        for (int v = 0; v < 256; v++) {
            int j = v / 32;
            int l = v % 32;
            int u = (j % 2 == 0 ? l % 16 : 15 - l % 16) + ((l + j) % 3 == 0 ? 16 : 0);
            assertThat(y[v]).as("value %d", v).isEqualTo(sc[j] * u - 0.5f * m[j]);
        }
    }

    @Test
    void q6_KHandBuiltBlockDecodesExactly() {
        byte[] block = new byte[210];
        int[] sc = {1, -1, 2, -2, 3, 127, -128, 5, 6, 7, -8, 9, 10, -11, 12, 13};
        for (int k = 0; k < 16; k++) {
            block[192 + k] = (byte) sc[k];
        }
        block[208] = 0x00; // d = 0.25
        block[209] = 0x34;
        // quant of value v (0..63, stored): (v * 7) % 64; write it as the layout says
        for (int v = 0; v < 256; v++) {
            int u = v * 7 % 64;
            int c = v / 128;
            int g = v % 128 / 32;
            int l = v % 32;
            block[64 * c + 32 * (g % 2) + l] |= (byte) ((u & 15) << (g < 2 ? 0 : 4));
            block[128 + 32 * c + l] |= (byte) ((u >> 4) << 2 * g);
        }
        assertThat(block[0]).isEqualTo((byte) 0x00); // v 0: u 0 (low nibble); v 64: u 448 % 64 = 0 (high nibble)
        assertThat(block[1]).isEqualTo((byte) 0x77); // v 1: u 7; v 65: u 455 % 64 = 7
        assertThat(block[32]).isEqualTo((byte) 0x00); // v 32: u 224 % 64 = 32 -> low 0; v 96: u 672 % 64 = 32
        // qh[1]: bits 4..5 of v 1 (u 7: 0), v 33 (u 39: 2), v 65 (u 7: 0), v 97 (u 39: 2), in bits 0-1, 2-3, 4-5, 6-7
        assertThat(block[128 + 1]).isEqualTo((byte) 0x88);
        float[] y = GgmlType.Q6_K.dequantize(block, 256);
        assertThat(y[0]).isEqualTo(-8f); // (0 - 32) * 0.25 * 1
        assertThat(y[1]).isEqualTo(-6.25f); // (7 - 32) * 0.25 * 1
        assertThat(y[16]).isEqualTo(-4f); // scale 1 = -1, u = 112 % 64 = 48: 0.25 * -1 * 16
        assertThat(y[16 * 6]).isEqualTo(0.25f * -128 * (672 % 64 - 32)); // scale 6 = -128, u = 32: 0
        assertThat(y[16 * 5 + 3]).isEqualTo(0.25f * 127 * (83 * 7 % 64 - 32)); // scale 127
        for (int v = 0; v < 256; v++) {
            assertThat(y[v]).as("value %d", v).isEqualTo(0.25f * sc[v / 16] * (v * 7 % 64 - 32));
        }
    }

    @Test
    void kQuantZeroBlocks() {
        for (GgmlType type : new GgmlType[] {GgmlType.Q4_K, GgmlType.Q5_K, GgmlType.Q6_K}) {
            byte[] bytes = type.quantize(new float[256]);
            assertThat(type.dequantize(bytes, 256)).as("%s", type).containsOnly(0f);
            if (type == GgmlType.Q6_K) { // d = 0, scales 0, quants 0 + 32 (low 4 bits 0, bits 4..5 = 2)
                for (int i = 0; i < 128; i++) {
                    assertThat(bytes[i]).isZero();
                }
                for (int i = 128; i < 192; i++) {
                    assertThat(bytes[i]).isEqualTo((byte) 0xAA);
                }
            } else {
                assertThat(bytes).containsOnly(0);
            }
        }
    }

    /**
     * The bound of the rule in docs/model-math.md, per sub-block. Q4_K/Q5_K (nmax 15/31): sub-block j spans
     * {@code R_j = max x - min(0, min x)}; dmin <= max_j(-min(0, min x_j)) / 63 rounded up to fp16 (relative
     * 2^-10, or the smallest subnormal 2^-24); the min rounds up by less than dmin, so the step needed is at most
     * {@code (R_j + dmin) / nmax}, d at most the largest of those / 63 rounded up, and the stored step
     * {@code fl(d sc_j)} at most the needed one plus d; every value lies within the steps' range, so it is off by
     * at most half a step. Q6_K: the step of a sub-block of 16 is at most {@code max|x| / 31 + d}, d <= the largest
     * of those / 127 rounded up. Plus fp32 rounding of the decoded values, 1e-6 of the sub-block's magnitude.
     */
    private static float[] checkK(GgmlType type, float[] x) {
        float[] y = type.dequantize(type.quantize(x), x.length);
        for (int b = 0; b < x.length / 256; b++) {
            int sub = type == GgmlType.Q6_K ? 16 : 32;
            int nmax = type == GgmlType.Q4_K ? 15 : 31;
            double[] lo = new double[256 / sub];
            double[] hi = new double[256 / sub];
            double maxMin = 0;
            for (int j = 0; j < 256 / sub; j++) {
                lo[j] = type == GgmlType.Q6_K ? Double.POSITIVE_INFINITY : 0;
                hi[j] = Double.NEGATIVE_INFINITY;
                for (int i = 256 * b + sub * j; i < 256 * b + sub * (j + 1); i++) {
                    lo[j] = Math.min(lo[j], x[i]);
                    hi[j] = Math.max(hi[j], x[i]);
                }
                maxMin = Math.max(maxMin, -lo[j]);
            }
            double dmin = maxMin / 63 * (1 + 0x1p-10) + 0x1p-24;
            double[] step = new double[256 / sub];
            double maxStep = 0;
            for (int j = 0; j < 256 / sub; j++) {
                step[j] = type == GgmlType.Q6_K ? Math.max(-lo[j], hi[j]) / 31 : (hi[j] - lo[j] + dmin) / nmax;
                maxStep = Math.max(maxStep, step[j]);
            }
            double d = maxStep / (type == GgmlType.Q6_K ? 127 : 63) * (1 + 0x1p-10) + 0x1p-24;
            for (int j = 0; j < 256 / sub; j++) {
                double bound = (step[j] + d) / 2 + 1e-6 * (Math.abs(lo[j]) + Math.abs(hi[j]) + dmin);
                for (int i = 256 * b + sub * j; i < 256 * b + sub * (j + 1); i++) {
                    assertThat(Math.abs((double) x[i] - y[i])).as("%s value %d of %s", type, i, x[i])
                            .isLessThanOrEqualTo(bound);
                }
            }
        }
        return y;
    }

    @Test
    void kQuantizationErrorIsBounded() {
        SplittableRandom random = new SplittableRandom(13);
        for (int trial = 0; trial < 200; trial++) {
            float[] x = new float[512];
            for (int j = 0; j < x.length / 32; j++) { // sub-blocks of very different magnitudes and offsets
                double scale = Math.pow(10, random.nextInt(-8, 5)) * (trial % 2 == 0 ? 1 : random.nextDouble());
                double offset = switch (random.nextInt(4)) {
                    case 0 -> 3 * scale; // all positive: the min is 0
                    case 1 -> -3 * scale; // all negative
                    default -> 0;
                };
                for (int l = 0; l < 32; l++) {
                    x[32 * j + l] = (float) (offset + random.nextGaussian() * scale);
                }
                if (random.nextInt(8) == 0) {
                    java.util.Arrays.fill(x, 32 * j, 32 * j + 32, 0f);
                }
            }
            for (GgmlType type : new GgmlType[] {GgmlType.Q4_K, GgmlType.Q5_K, GgmlType.Q6_K}) {
                checkK(type, x);
            }
        }
        float[] tiny = new float[256];
        for (int i = 0; i < 256; i++) {
            tiny[i] = (i - 128) * Float.MIN_VALUE * 1000;
        }
        for (GgmlType type : new GgmlType[] {GgmlType.Q4_K, GgmlType.Q5_K, GgmlType.Q6_K}) {
            checkK(type, tiny);
        }
    }

    @Test
    void kQuantsRepresentValuesOnTheirGridExactly() {
        // Q4_K: sub-block j holds u * step_j, u = 0..15, step_j = sc_j / 8 with sc_j = 7 + 8 j (63 for j = 7):
        // min 0 (dmin 0), d = 7.875 / 63 = 1/8 exactly, scales sc_j: every value decodes exactly
        float[] x = new float[256];
        for (int v = 0; v < 256; v++) {
            x[v] = (7 + 8 * (v / 32)) / 8f * (v % 16);
        }
        byte[] bytes = GgmlType.Q4_K.quantize(x);
        assertThat(bytes).startsWith(0x00, 0x30, 0x00, 0x00); // d = 0.125 (fp16 0x3000), dmin = 0
        assertThat(GgmlType.Q4_K.dequantize(bytes, 256)).containsExactly(x);
        // Q6_K: group k of 16 holds q * (127 - 8 k) / 256 with q in -31..31 (31 in each group's first value):
        // d = 1/256, scales 127 - 8 k
        float[] y = new float[256];
        for (int v = 0; v < 256; v++) {
            int q = v % 16 == 0 ? 31 : v % 63 - 31;
            y[v] = q * (127 - 8 * (v / 16)) / 256f;
        }
        bytes = GgmlType.Q6_K.quantize(y);
        assertThat(bytes[192]).isEqualTo((byte) 127);
        assertThat(bytes[192 + 15]).isEqualTo((byte) 7);
        assertThat(bytes[208]).isEqualTo((byte) 0x00); // d = 2^-8: fp16 0x1C00
        assertThat(bytes[209]).isEqualTo((byte) 0x1C);
        assertThat(GgmlType.Q6_K.dequantize(bytes, 256)).containsExactly(y);
    }
}
