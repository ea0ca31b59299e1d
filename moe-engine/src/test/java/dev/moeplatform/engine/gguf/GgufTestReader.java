package dev.moeplatform.engine.gguf;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A minimal GGUF v3 parser for tests of the writer and the builder: it maps the whole file and decodes the header,
 * the metadata (integers as Long, FLOAT32 as Float, FLOAT64 as Double, BOOL as Boolean, arrays as List) and the
 * tensor table. Files up to 2 GiB.
 */
public record GgufTestReader(
        int version,
        Map<String, Object> metadata,
        Map<String, GgufValueType> types,
        Map<String, GgufValueType> elementTypes,
        Map<String, TensorInfo> tensors,
        long dataStart,
        ByteBuffer file) {

    public record TensorInfo(String name, long[] dims, GgmlType type, long offset) {
        public long elements() {
            long n = 1;
            for (long d : dims) {
                n *= d;
            }
            return n;
        }
    }

    public static GgufTestReader read(Path path) throws IOException {
        ByteBuffer b;
        try (FileChannel channel = FileChannel.open(path)) {
            b = channel.map(FileChannel.MapMode.READ_ONLY, 0, channel.size()).order(ByteOrder.LITTLE_ENDIAN);
        }
        if (b.getInt() != 0x46554747) {
            throw new IllegalArgumentException("not a GGUF file");
        }
        int version = b.getInt();
        long tensorCount = b.getLong();
        long kvCount = b.getLong();
        Map<String, Object> metadata = new LinkedHashMap<>();
        Map<String, GgufValueType> types = new LinkedHashMap<>();
        Map<String, GgufValueType> elementTypes = new LinkedHashMap<>();
        for (long i = 0; i < kvCount; i++) {
            String key = string(b);
            GgufValueType type = GgufValueType.byId(b.getInt());
            types.put(key, type);
            if (type == GgufValueType.ARRAY) {
                elementTypes.put(key, GgufValueType.byId(b.getInt(b.position())));
            }
            metadata.put(key, value(b, type));
        }
        Map<String, TensorInfo> tensors = new LinkedHashMap<>();
        for (long i = 0; i < tensorCount; i++) {
            String name = string(b);
            long[] dims = new long[b.getInt()];
            for (int d = 0; d < dims.length; d++) {
                dims[d] = b.getLong();
            }
            tensors.put(name, new TensorInfo(name, dims, GgmlType.byId(b.getInt()), b.getLong()));
        }
        long alignment = (Long) metadata.getOrDefault("general.alignment", 32L);
        long dataStart = (b.position() + alignment - 1) / alignment * alignment;
        return new GgufTestReader(version, metadata, types, elementTypes, tensors, dataStart, b);
    }

    /** The raw bytes of a tensor. */
    public byte[] bytes(String name) {
        TensorInfo t = tensors.get(name);
        byte[] out = new byte[Math.toIntExact(t.type().byteSize(t.elements()))];
        file.get(Math.toIntExact(dataStart + t.offset()), out);
        return out;
    }

    /** A tensor's values, dequantized. */
    public float[] values(String name) {
        TensorInfo t = tensors.get(name);
        return t.type().dequantize(bytes(name), Math.toIntExact(t.elements()));
    }

    private static Object value(ByteBuffer b, GgufValueType type) {
        return switch (type) {
            case UINT8 -> (long) (b.get() & 0xFF);
            case INT8 -> (long) b.get();
            case UINT16 -> (long) (b.getShort() & 0xFFFF);
            case INT16 -> (long) b.getShort();
            case UINT32 -> b.getInt() & 0xFFFF_FFFFL;
            case INT32 -> (long) b.getInt();
            case UINT64, INT64 -> b.getLong();
            case FLOAT32 -> b.getFloat();
            case FLOAT64 -> b.getDouble();
            case BOOL -> switch (b.get()) {
                case 0 -> false;
                case 1 -> true;
                default -> throw new IllegalArgumentException("bad bool");
            };
            case STRING -> string(b);
            case ARRAY -> {
                GgufValueType elementType = GgufValueType.byId(b.getInt());
                long n = b.getLong();
                List<Object> list = new ArrayList<>();
                for (long i = 0; i < n; i++) {
                    list.add(value(b, elementType));
                }
                yield list;
            }
        };
    }

    private static String string(ByteBuffer b) {
        byte[] bytes = new byte[Math.toIntExact(b.getLong())];
        b.get(bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
