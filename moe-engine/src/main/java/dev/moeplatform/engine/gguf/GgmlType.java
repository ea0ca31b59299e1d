package dev.moeplatform.engine.gguf;

/**
 * The GGML tensor types this project reads and writes, with their block layouts bit-exact with ggml and the
 * quantization rules of {@code docs/model-math.md}. All multi-byte fields are little-endian.
 */
public enum GgmlType {
    F32(0, 1, 4),
    F16(1, 1, 2),
    Q4_0(2, 32, 18),
    Q8_0(8, 32, 34),
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
            }
        }
        return out;
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
