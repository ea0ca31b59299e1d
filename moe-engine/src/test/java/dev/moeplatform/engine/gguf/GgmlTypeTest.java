package dev.moeplatform.engine.gguf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class GgmlTypeTest {

    @Test
    void layoutsAndIdsAreGgmls() {
        assertThat(GgmlType.values()).extracting(t -> t.id).containsExactly(0, 1, 2, 8, 30);
        assertThat(GgmlType.Q4_0.byteSize(64)).isEqualTo(36);
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
        float[] x = new float[3 * 32];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (random.nextGaussian() * 3);
        }
        for (GgmlType type : GgmlType.values()) {
            byte[] bytes = type.quantize(x);
            assertThat(bytes).hasSize((int) type.byteSize(x.length));
            float[] back = type.dequantize(bytes, x.length);
            assertThat(type.quantize(back)).as("quantizing what was stored is stable for %s", type).isEqualTo(bytes);
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
}
