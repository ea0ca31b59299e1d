package dev.moeplatform.engine.gguf;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes a GGUF v3 file: header, metadata, tensor infos, then the data section with every tensor aligned to
 * {@code general.alignment} (which the writer always stores). Metadata and tensor declarations are collected first;
 * {@link #write} then streams the file, asking each tensor's {@link TensorData} for its bytes in turn, so no tensor
 * has to be in memory before its turn and the file is never held whole. Little-endian throughout.
 */
public final class GgufWriter {

    public static final int DEFAULT_ALIGNMENT = 32;
    private static final int MAGIC = 0x46554747; // "GGUF" read as a little-endian uint32
    private static final int VERSION = 3;
    private static final int MAX_DIMS = 4;
    private static final int MAX_NAME_BYTES = 63;

    /** Produces a tensor's bytes, exactly {@code type.byteSize(elements)} of them, in GGML layout. */
    @FunctionalInterface
    public interface TensorData {
        void writeTo(OutputStream out) throws IOException;
    }

    private record Value(GgufValueType type, GgufValueType elementType, Object value) {
    }

    private record Tensor(String name, GgmlType type, long[] dims, long bytes, TensorData data) {
    }

    private final int alignment;
    private final Map<String, Value> metadata = new LinkedHashMap<>();
    private final Map<String, Tensor> tensors = new LinkedHashMap<>();

    public GgufWriter() {
        this(DEFAULT_ALIGNMENT);
    }

    public GgufWriter(int alignment) {
        if (alignment <= 0 || Integer.bitCount(alignment) != 1) {
            throw new IllegalArgumentException("alignment must be a power of two, got " + alignment);
        }
        this.alignment = alignment;
        put("general.alignment", GgufValueType.UINT32, alignment);
    }

    // ---- metadata ------------------------------------------------------------------------------------------

    /**
     * Adds a scalar: a {@link Number} for the integer and float types (range-checked), a {@link Boolean} for BOOL,
     * a {@link String} for STRING.
     */
    public GgufWriter put(String key, GgufValueType type, Object value) {
        if (type == GgufValueType.ARRAY) {
            throw new IllegalArgumentException("use putArray for arrays: " + key);
        }
        check(key, type, value);
        return add(key, new Value(type, null, value));
    }

    /** Adds an array of scalars or strings, each element as {@link #put} accepts it. */
    public GgufWriter putArray(String key, GgufValueType elementType, List<?> values) {
        if (elementType == GgufValueType.ARRAY) {
            throw new IllegalArgumentException("arrays of arrays are not supported: " + key);
        }
        values.forEach(v -> check(key, elementType, v));
        return add(key, new Value(GgufValueType.ARRAY, elementType, List.copyOf(values)));
    }

    public GgufWriter putString(String key, String value) {
        return put(key, GgufValueType.STRING, value);
    }

    public GgufWriter putUInt32(String key, long value) {
        return put(key, GgufValueType.UINT32, value);
    }

    public GgufWriter putInt32(String key, int value) {
        return put(key, GgufValueType.INT32, value);
    }

    public GgufWriter putUInt64(String key, long value) {
        return put(key, GgufValueType.UINT64, value);
    }

    public GgufWriter putFloat32(String key, float value) {
        return put(key, GgufValueType.FLOAT32, value);
    }

    public GgufWriter putFloat64(String key, double value) {
        return put(key, GgufValueType.FLOAT64, value);
    }

    public GgufWriter putBool(String key, boolean value) {
        return put(key, GgufValueType.BOOL, value);
    }

    public GgufWriter putStrings(String key, List<String> values) {
        return putArray(key, GgufValueType.STRING, values);
    }

    public GgufWriter putFloats(String key, float[] values) {
        List<Float> list = new ArrayList<>(values.length);
        for (float v : values) {
            list.add(v);
        }
        return putArray(key, GgufValueType.FLOAT32, list);
    }

    public GgufWriter putInts(String key, int[] values) {
        return putArray(key, GgufValueType.INT32, Arrays.stream(values).boxed().toList());
    }

    // ---- tensors -------------------------------------------------------------------------------------------

    /** Declares a tensor with dimensions {@code ne0} first; its bytes are asked for while {@link #write} runs. */
    public GgufWriter addTensor(String name, GgmlType type, long[] dims, TensorData data) {
        if (name.getBytes(StandardCharsets.UTF_8).length > MAX_NAME_BYTES || tensors.containsKey(name)) {
            throw new IllegalArgumentException("tensor name too long or repeated: " + name);
        }
        if (dims.length < 1 || dims.length > MAX_DIMS || Arrays.stream(dims).anyMatch(d -> d < 1)) {
            throw new IllegalArgumentException(name + ": bad dimensions " + Arrays.toString(dims));
        }
        if (dims[0] % type.blockSize != 0) {
            throw new IllegalArgumentException(name + ": ne0 " + dims[0] + " is not a multiple of " + type
                    + "'s block size " + type.blockSize);
        }
        long elements = Arrays.stream(dims).reduce(1, Math::multiplyExact);
        tensors.put(name, new Tensor(name, type, dims.clone(), type.byteSize(elements), data));
        return this;
    }

    /** Size of the file {@link #write} produces. */
    public long fileSize() {
        return align(headerSize()) + tensors.values().stream().mapToLong(t -> align(t.bytes)).sum();
    }

    // ---- writing -------------------------------------------------------------------------------------------

    /** Streams the file; on failure the partial file is deleted. */
    public void write(Path file) throws IOException {
        try (OutputStream stream = new BufferedOutputStream(Files.newOutputStream(file), 1 << 20)) {
            LittleEndianOutput out = new LittleEndianOutput(stream);
            writeHeader(out);
            out.pad(alignment);
            for (Tensor t : tensors.values()) {
                long start = out.position;
                t.data.writeTo(out);
                if (out.position - start != t.bytes) {
                    throw new IllegalStateException(t.name + ": expected " + t.bytes + " bytes of data, got "
                            + (out.position - start));
                }
                out.pad(alignment);
            }
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(file);
            throw e;
        }
    }

    private void writeHeader(LittleEndianOutput out) throws IOException {
        out.u32(MAGIC);
        out.u32(VERSION);
        out.u64(tensors.size());
        out.u64(metadata.size());
        for (Map.Entry<String, Value> kv : metadata.entrySet()) {
            Value v = kv.getValue();
            out.string(kv.getKey());
            out.u32(v.type.id);
            if (v.type == GgufValueType.ARRAY) {
                List<?> list = (List<?>) v.value;
                out.u32(v.elementType.id);
                out.u64(list.size());
                for (Object element : list) {
                    writeScalar(out, v.elementType, element);
                }
            } else {
                writeScalar(out, v.type, v.value);
            }
        }
        long offset = 0;
        for (Tensor t : tensors.values()) {
            out.string(t.name);
            out.u32(t.dims.length);
            for (long d : t.dims) {
                out.u64(d);
            }
            out.u32(t.type.id);
            out.u64(offset);
            offset += align(t.bytes);
        }
    }

    private long headerSize() {
        LittleEndianOutput counter = new LittleEndianOutput(OutputStream.nullOutputStream());
        try {
            writeHeader(counter);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return counter.position;
    }

    private static void writeScalar(LittleEndianOutput out, GgufValueType type, Object v) throws IOException {
        switch (type) {
            case UINT8, INT8 -> out.write(((Number) v).intValue());
            case UINT16, INT16 -> out.u16(((Number) v).intValue());
            case UINT32, INT32 -> out.u32(((Number) v).intValue());
            case UINT64, INT64 -> out.u64(((Number) v).longValue());
            case FLOAT32 -> out.u32(Float.floatToRawIntBits(((Number) v).floatValue()));
            case FLOAT64 -> out.u64(Double.doubleToRawLongBits(((Number) v).doubleValue()));
            case BOOL -> out.write((Boolean) v ? 1 : 0);
            case STRING -> out.string((String) v);
            case ARRAY -> throw new IllegalArgumentException("nested array");
        }
    }

    private static void check(String key, GgufValueType type, Object v) {
        boolean ok = switch (type) {
            case UINT8 -> inRange(v, 0, 0xFF);
            case INT8 -> inRange(v, Byte.MIN_VALUE, Byte.MAX_VALUE);
            case UINT16 -> inRange(v, 0, 0xFFFF);
            case INT16 -> inRange(v, Short.MIN_VALUE, Short.MAX_VALUE);
            case UINT32 -> inRange(v, 0, 0xFFFF_FFFFL);
            case INT32 -> inRange(v, Integer.MIN_VALUE, Integer.MAX_VALUE);
            case UINT64, INT64 -> inRange(v, Long.MIN_VALUE, Long.MAX_VALUE);
            case FLOAT32, FLOAT64 -> v instanceof Number;
            case BOOL -> v instanceof Boolean;
            case STRING -> v instanceof String;
            case ARRAY -> false;
        };
        if (!ok) {
            throw new IllegalArgumentException(key + ": " + v + " is not a valid " + type);
        }
    }

    private static boolean inRange(Object v, long min, long max) {
        return (v instanceof Long || v instanceof Integer || v instanceof Short || v instanceof Byte)
                && ((Number) v).longValue() >= min && ((Number) v).longValue() <= max;
    }

    private GgufWriter add(String key, Value value) {
        if (metadata.putIfAbsent(key, value) != null) {
            throw new IllegalArgumentException("metadata key set twice: " + key);
        }
        return this;
    }

    private long align(long n) {
        return (n + alignment - 1) / alignment * alignment;
    }

    /** Counts what it writes, so that padding and tensor sizes can be checked. */
    private static final class LittleEndianOutput extends OutputStream {
        private final OutputStream out;
        private final byte[] scratch = new byte[8];
        long position;

        LittleEndianOutput(OutputStream out) {
            this.out = out;
        }

        @Override
        public void write(int b) throws IOException {
            out.write(b);
            position++;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
            position += len;
        }

        /** Tensor data may close the stream it was given; the file stays open until {@link #write} is done. */
        @Override
        public void close() {
        }

        void u16(int v) throws IOException {
            littleEndian(v, 2);
        }

        void u32(int v) throws IOException {
            littleEndian(v, 4);
        }

        void u64(long v) throws IOException {
            littleEndian(v, 8);
        }

        void string(String s) throws IOException {
            byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
            u64(bytes.length);
            write(bytes);
        }

        void pad(int alignment) throws IOException {
            while (position % alignment != 0) {
                write(0);
            }
        }

        private void littleEndian(long v, int n) throws IOException {
            for (int i = 0; i < n; i++) {
                scratch[i] = (byte) (v >>> (8 * i));
            }
            write(scratch, 0, n);
        }
    }
}
