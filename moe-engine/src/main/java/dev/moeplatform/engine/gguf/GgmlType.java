package dev.moeplatform.engine.gguf;

/**
 * The GGML tensor types this project reads and writes, with their block layouts bit-exact with ggml and the
 * quantization rules of {@code docs/model-math.md}. All multi-byte fields are little-endian. The K-quants
 * (Q4_K, Q5_K, Q6_K) have super-blocks of 256 values.
 */
public enum GgmlType {
    F32(0, 1, 4),
    F16(1, 1, 2),
    Q4_0(2, 32, 18),
    Q8_0(8, 32, 34),
    Q4_K(12, 256, 144),
    Q5_K(13, 256, 176),
    Q6_K(14, 256, 210),
    BF16(30, 1, 2);

    /** The id GGUF stores in a tensor info. */
    public final int id;
    /** Values per block. */
    public final int blockSize;
    /** Bytes per block. */
    public final int bytesPerBlock;

    GgmlType(int id, int blockSize, int bytesPerBlock) {
        this.id = id;
        this.blockSize = blockSize;
        this.bytesPerBlock = bytesPerBlock;
    }

    public static GgmlType byId(int id) {
        for (GgmlType type : values()) {
            if (type.id == id) {
                return type;
            }
        }
        throw new IllegalArgumentException("unsupported GGML type id " + id);
    }

    /** Bytes that {@code n} values take; {@code n} must be a whole number of blocks. */
    public long byteSize(long n) {
        if (n < 0 || n % blockSize != 0) {
            throw new IllegalArgumentException(this + " needs a multiple of " + blockSize + " values, got " + n);
        }
        return n / blockSize * bytesPerBlock;
    }

    /** Encodes {@code values} (a whole number of blocks). */
    public byte[] quantize(float[] values) {
        byte[] out = new byte[Math.toIntExact(byteSize(values.length))];
        for (int b = 0; b < values.length / blockSize; b++) {
            int at = b * bytesPerBlock;
            int from = b * blockSize;
            switch (this) {
                case F32 -> putInt(out, at, Float.floatToRawIntBits(values[from]));
                case F16 -> putShort(out, at, Float.floatToFloat16(values[from]));
                case BF16 -> putShort(out, at, toBf16(values[from]));
                case Q8_0 -> quantizeQ8_0(values, from, out, at);
                case Q4_0 -> quantizeQ4_0(values, from, out, at);
                case Q4_K -> quantizeQ45K(values, from, out, at, false);
                case Q5_K -> quantizeQ45K(values, from, out, at, true);
                case Q6_K -> quantizeQ6K(values, from, out, at);
            }
        }
        return out;
    }

    /** Decodes the first {@code n} values (a whole number of blocks) of {@code data}. */
    public float[] dequantize(byte[] data, int n) {
        if (data.length < byteSize(n)) {
            throw new IllegalArgumentException(n + " values of " + this + " need " + byteSize(n) + " bytes, got "
                    + data.length);
        }
        float[] out = new float[n];
        for (int b = 0; b < n / blockSize; b++) {
            int at = b * bytesPerBlock;
            int to = b * blockSize;
            switch (this) {
                case F32 -> out[to] = Float.intBitsToFloat(getInt(data, at));
                case F16 -> out[to] = Float.float16ToFloat(getShort(data, at));
                case BF16 -> out[to] = Float.intBitsToFloat(getShort(data, at) << 16);
                case Q8_0 -> {
                    float d = Float.float16ToFloat(getShort(data, at));
                    for (int j = 0; j < 32; j++) {
                        out[to + j] = data[at + 2 + j] * d;
                    }
                }
                case Q4_0 -> {
                    float d = Float.float16ToFloat(getShort(data, at));
                    for (int j = 0; j < 16; j++) {
                        int q = data[at + 2 + j] & 0xFF;
                        out[to + j] = ((q & 0x0F) - 8) * d;
                        out[to + j + 16] = ((q >> 4) - 8) * d;
                    }
                }
                case Q4_K, Q5_K -> dequantizeQ45K(data, at, this == Q5_K, out, to);
                case Q6_K -> dequantizeQ6K(data, at, out, to);
            }
        }
        return out;
    }

    // ---- K-quants: super-blocks of 256 values (docs/model-math.md, "Tensor types") ----------------------------

    /**
     * Q4_K: d, dmin (fp16), 12 bytes of 6-bit scales and mins ({@link #scaleMin}), qs[128]; Q5_K adds qh[32]
     * before qs. Value {@code 64 c + 32 h + l} is nibble h (0 low, 1 high) of {@code qs[32 c + l]}, plus 16 if bit
     * {@code 2 c + h} of {@code qh[l]} is set (Q5_K), in sub-block {@code j = 2 c + h}: {@code fl(fl(d sc_j) u) -
     * fl(dmin m_j)}.
     */
    private static void dequantizeQ45K(byte[] data, int at, boolean five, float[] out, int to) {
        float d = Float.float16ToFloat(getShort(data, at));
        float dmin = Float.float16ToFloat(getShort(data, at + 2));
        int qs = at + (five ? 48 : 16);
        for (int j = 0; j < 8; j++) {
            float d1 = d * scaleMin(data, at + 4, j, false);
            float m1 = dmin * scaleMin(data, at + 4, j, true);
            for (int l = 0; l < 32; l++) {
                int b = data[qs + 32 * (j / 2) + l] & 0xFF;
                int u = (j % 2 == 0 ? b & 0x0F : b >> 4) | (five ? ((data[at + 16 + l] >> j) & 1) << 4 : 0);
                out[to + 32 * j + l] = d1 * u - m1;
            }
        }
    }

    /**
     * The 6-bit scale (or min) of sub-block j from the 12 packed bytes at {@code s}: sub-blocks 0..3 keep theirs in
     * the low 6 bits of byte j (scales) and j + 4 (mins); sub-blocks 4..7 in the low (scale) or high (min) nibble of
     * byte j + 4, with bits 4..5 in the top two bits of byte j - 4 (scale) or j (min).
     */
    static int scaleMin(byte[] data, int s, int j, boolean min) {
        if (j < 4) {
            return data[s + j + (min ? 4 : 0)] & 0x3F;
        }
        int low = data[s + j + 4] & 0xFF;
        int top = (data[s + j - (min ? 0 : 4)] & 0xFF) >> 6;
        return (min ? low >> 4 : low & 0x0F) | top << 4;
    }

    /**
     * Q6_K: ql[128], qh[64], int8 scales[16], d (fp16). Value {@code 128 c + 32 g + l}: low 4 bits from nibble
     * {@code g / 2} (0 low) of {@code ql[64 c + 32 (g % 2) + l]}, bits 4..5 from bits {@code 2 g, 2 g + 1} of
     * {@code qh[32 c + l]}, minus 32; times {@code fl(d scales[v / 16])}.
     */
    private static void dequantizeQ6K(byte[] data, int at, float[] out, int to) {
        float d = Float.float16ToFloat(getShort(data, at + 208));
        for (int v = 0; v < 256; v++) {
            int c = v / 128;
            int g = v % 128 / 32;
            int l = v % 32;
            int lo = ((data[at + 64 * c + 32 * (g % 2) + l] & 0xFF) >> 4 * (g / 2)) & 0x0F;
            int hi = ((data[at + 128 + 32 * c + l] & 0xFF) >> 2 * g) & 3;
            out[to + v] = d * data[at + 192 + v / 16] * ((lo | hi << 4) - 32);
        }
    }

    /** The smallest fp16 value not below {@code v} (v >= 0 and finite as fp16), as its bits. */
    private static short fp16Up(float v) {
        short h = Float.floatToFloat16(v);
        return Float.float16ToFloat(h) < v ? (short) (h + 1) : h;
    }

    /**
     * Q4_K (nmax 15) / Q5_K (nmax 31), min/max rule: sub-block j covers {@code [lo_j, hi_j]} with {@code lo_j =
     * min(0, min x)}, {@code hi_j = max x}. {@code dmin} is max_j(-lo_j) / 63 rounded up to fp16 and the min
     * {@code m_j = ceil(-lo_j / dmin)}, so that {@code M_j = fl(dmin m_j) >= -lo_j}; then {@code d} is
     * max_j((hi_j + M_j) / nmax) / 63 rounded up to fp16 and {@code sc_j = ceil((hi_j + M_j) / nmax / d)}, so
     * that {@code S_j = fl(d sc_j)} spans the sub-block; {@code u = clamp(round((x + M_j) / S_j), 0, nmax)}.
     */
    private static void quantizeQ45K(float[] x, int from, byte[] out, int at, boolean five) {
        int nmax = five ? 31 : 15;
        double[] lo = new double[8];
        double[] hi = new double[8];
        double maxMin = 0;
        for (int j = 0; j < 8; j++) {
            lo[j] = 0;
            hi[j] = Double.NEGATIVE_INFINITY;
            for (int l = 0; l < 32; l++) {
                lo[j] = Math.min(lo[j], x[from + 32 * j + l]);
                hi[j] = Math.max(hi[j], x[from + 32 * j + l]);
            }
            maxMin = Math.max(maxMin, -lo[j]);
        }
        short dminBits = fp16Up((float) (maxMin / 63));
        float dmin = Float.float16ToFloat(dminBits);
        int[] mins = new int[8];
        float[] minEff = new float[8];
        double[] need = new double[8];
        double maxNeed = 0;
        for (int j = 0; j < 8; j++) {
            mins[j] = dmin == 0 ? 0 : Math.min(63, (int) Math.ceil(-lo[j] / dmin));
            minEff[j] = dmin * mins[j];
            need[j] = Math.max(0, (hi[j] + minEff[j]) / nmax);
            maxNeed = Math.max(maxNeed, need[j]);
        }
        short dBits = fp16Up((float) (maxNeed / 63));
        float d = Float.float16ToFloat(dBits);
        int[] scales = new int[8];
        for (int j = 0; j < 8; j++) {
            scales[j] = d == 0 ? 0 : Math.min(63, (int) Math.ceil(need[j] / d));
        }
        putShort(out, at, dBits);
        putShort(out, at + 2, dminBits);
        for (int j = 0; j < 4; j++) { // the packing of scaleMin
            out[at + 4 + j] = (byte) (scales[j] | (scales[j + 4] >> 4) << 6);
            out[at + 8 + j] = (byte) (mins[j] | (mins[j + 4] >> 4) << 6);
            out[at + 12 + j] = (byte) ((scales[j + 4] & 0x0F) | (mins[j + 4] & 0x0F) << 4);
        }
        int qs = at + (five ? 48 : 16);
        for (int j = 0; j < 8; j++) {
            float step = d * scales[j];
            for (int l = 0; l < 32; l++) {
                int u = step == 0 ? 0 : Math.clamp(Math.round((x[from + 32 * j + l] + minEff[j]) / step), 0, nmax);
                int q = qs + 32 * (j / 2) + l;
                out[q] |= (byte) (j % 2 == 0 ? u & 0x0F : (u & 0x0F) << 4);
                if (u > 15) {
                    out[at + 16 + l] |= (byte) (1 << j);
                }
            }
        }
    }

    /**
     * Q6_K, symmetric rule: sub-block k (16 values) needs the step {@code s_k = max|x| / 31}; {@code d} is
     * max_k(s_k) / 127 rounded up to fp16, {@code scales[k] = ceil(s_k / d)} (0..127), {@code S_k = fl(d
     * scales[k])} and {@code q = round(x / S_k)} (in -31..31, stored as q + 32).
     */
    private static void quantizeQ6K(float[] x, int from, byte[] out, int at) {
        double[] step = new double[16];
        double maxStep = 0;
        for (int k = 0; k < 16; k++) {
            double amax = 0;
            for (int i = 0; i < 16; i++) {
                amax = Math.max(amax, Math.abs(x[from + 16 * k + i]));
            }
            step[k] = amax / 31;
            maxStep = Math.max(maxStep, step[k]);
        }
        short dBits = fp16Up((float) (maxStep / 127));
        float d = Float.float16ToFloat(dBits);
        putShort(out, at + 208, dBits);
        for (int k = 0; k < 16; k++) {
            int scale = d == 0 ? 0 : Math.min(127, (int) Math.ceil(step[k] / d));
            out[at + 192 + k] = (byte) scale;
            float s = d * scale;
            for (int i = 0; i < 16; i++) {
                int v = 16 * k + i;
                int q = s == 0 ? 0 : Math.clamp(Math.round(x[from + v] / s), -32, 31);
                int u = q + 32;
                int c = v / 128;
                int g = v % 128 / 32;
                int l = v % 32;
                out[at + 64 * c + 32 * (g % 2) + l] |= (byte) ((u & 0x0F) << 4 * (g / 2));
                out[at + 128 + 32 * c + l] |= (byte) ((u >> 4) << 2 * g);
            }
        }
    }

    /** Round-to-nearest-even of the upper 16 bits, NaNs kept quiet (as ggml does). */
    static short toBf16(float value) {
        int bits = Float.floatToRawIntBits(value);
        if ((bits & 0x7FFFFFFF) > 0x7F800000) {
            return (short) ((bits >>> 16) | 0x40);
        }
        return (short) ((bits + 0x7FFF + ((bits >>> 16) & 1)) >>> 16);
    }

    /** {@code d = max|x| / 127}, {@code q = round(x / d)} (halves away from zero, like C's round). */
    private static void quantizeQ8_0(float[] x, int from, byte[] out, int at) {
        float amax = 0;
        for (int j = 0; j < 32; j++) {
            amax = Math.max(amax, Math.abs(x[from + j]));
        }
        float d = amax / 127;
        putShort(out, at, Float.floatToFloat16(d));
        for (int j = 0; j < 32; j++) {
            out[at + 2 + j] = (byte) (d == 0 ? 0 : roundHalfAway(x[from + j] / d));
        }
    }

    /** {@code d = x_m / -8} with {@code x_m} the first value of largest magnitude, {@code q = min(15, (int)(x / d + 8.5))}. */
    private static void quantizeQ4_0(float[] x, int from, byte[] out, int at) {
        float amax = 0;
        float max = 0;
        for (int j = 0; j < 32; j++) {
            float v = x[from + j];
            if (amax < Math.abs(v)) {
                amax = Math.abs(v);
                max = v;
            }
        }
        float d = max / -8;
        putShort(out, at, Float.floatToFloat16(d));
        for (int j = 0; j < 16; j++) {
            int lo = d == 0 ? 8 : Math.min(15, (int) (x[from + j] / d + 8.5f));
            int hi = d == 0 ? 8 : Math.min(15, (int) (x[from + j + 16] / d + 8.5f));
            out[at + 2 + j] = (byte) (lo | hi << 4);
        }
    }

    private static int roundHalfAway(float v) {
        double a = Math.abs((double) v);
        double r = Math.floor(a);
        if (a - r >= 0.5) {
            r += 1;
        }
        return (int) Math.copySign(r, v);
    }

    private static void putShort(byte[] b, int at, short v) {
        b[at] = (byte) v;
        b[at + 1] = (byte) (v >> 8);
    }

    private static void putInt(byte[] b, int at, int v) {
        putShort(b, at, (short) v);
        putShort(b, at + 2, (short) (v >> 16));
    }

    private static short getShort(byte[] b, int at) {
        return (short) ((b[at] & 0xFF) | (b[at + 1] & 0xFF) << 8);
    }

    private static int getInt(byte[] b, int at) {
        return (getShort(b, at) & 0xFFFF) | getShort(b, at + 2) << 16;
    }
}
