package dev.moeplatform.engine.gguf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GgufWriterTest {

    @TempDir
    Path dir;

    @Test
    void writesHeaderMetadataOfEveryTypeAndAlignedTensors() throws IOException {
        float[] a = ramp(96); // three Q8_0 blocks: 102 bytes, padded
        float[] b = ramp(5); // F32: 20 bytes
        float[] c = ramp(64);
        GgufWriter writer = new GgufWriter()
                .put("u8", GgufValueType.UINT8, 255)
                .put("i8", GgufValueType.INT8, -128)
                .put("u16", GgufValueType.UINT16, 65535)
                .put("i16", GgufValueType.INT16, -32768)
                .putUInt32("u32", 0xFFFF_FFFFL)
                .putInt32("i32", -7)
                .putUInt64("u64", 1L << 40)
                .put("i64", GgufValueType.INT64, Long.MIN_VALUE)
                .putFloat32("f32", 0.1f)
                .putFloat64("f64", 0.1)
                .putBool("yes", true)
                .putBool("no", false)
                .putString("s", "grüße ✓")
                .putStrings("strings", List.of("a", "", "Ġthe"))
                .putFloats("floats", new float[] {1.5f, -2f})
                .putInts("ints", new int[] {1, -1, 3})
                .putArray("bools", GgufValueType.BOOL, List.of(true, false))
                .putArray("u16s", GgufValueType.UINT16, List.of(1, 65535))
                .putArray("f64s", GgufValueType.FLOAT64, List.of())
                .addTensor("a", GgmlType.Q8_0, new long[] {32, 3}, out -> out.write(GgmlType.Q8_0.quantize(a)))
                .addTensor("b", GgmlType.F32, new long[] {5}, out -> out.write(GgmlType.F32.quantize(b)))
                .addTensor("c", GgmlType.Q4_0, new long[] {32, 1, 2}, out -> {
                    byte[] bytes = GgmlType.Q4_0.quantize(c);
                    out.write(bytes, 0, 10); // in pieces, as a generator would
                    out.write(bytes, 10, bytes.length - 10);
                });
        Path file = dir.resolve("m.gguf");
        writer.write(file);

        byte[] raw = Files.readAllBytes(file);
        assertThat(raw).startsWith('G', 'G', 'U', 'F', 3, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0, 20, 0, 0, 0, 0, 0, 0, 0);
        assertThat((long) raw.length).isEqualTo(writer.fileSize());

        GgufTestReader gguf = GgufTestReader.read(file);
        assertThat(gguf.version()).isEqualTo(3);
        Map<String, Object> kv = gguf.metadata();
        assertThat(kv).containsEntry("general.alignment", 32L)
                .containsEntry("u8", 255L).containsEntry("i8", -128L)
                .containsEntry("u16", 65535L).containsEntry("i16", -32768L)
                .containsEntry("u32", 0xFFFF_FFFFL).containsEntry("i32", -7L)
                .containsEntry("u64", 1L << 40).containsEntry("i64", Long.MIN_VALUE)
                .containsEntry("f32", 0.1f).containsEntry("f64", 0.1)
                .containsEntry("yes", true).containsEntry("no", false)
                .containsEntry("s", "grüße ✓")
                .containsEntry("strings", List.of("a", "", "Ġthe"))
                .containsEntry("floats", List.of(1.5f, -2f))
                .containsEntry("ints", List.of(1L, -1L, 3L))
                .containsEntry("bools", List.of(true, false))
                .containsEntry("u16s", List.of(1L, 65535L))
                .containsEntry("f64s", List.of());
        assertThat(gguf.types()).containsEntry("general.alignment", GgufValueType.UINT32)
                .containsEntry("u8", GgufValueType.UINT8).containsEntry("i64", GgufValueType.INT64)
                .containsEntry("f32", GgufValueType.FLOAT32).containsEntry("yes", GgufValueType.BOOL)
                .containsEntry("floats", GgufValueType.ARRAY);
        assertThat(gguf.elementTypes()).containsEntry("strings", GgufValueType.STRING)
                .containsEntry("ints", GgufValueType.INT32).containsEntry("u16s", GgufValueType.UINT16)
                .containsEntry("f64s", GgufValueType.FLOAT64);

        assertThat(gguf.tensors().keySet()).containsExactly("a", "b", "c");
        assertThat(gguf.tensors().get("a").dims()).containsExactly(32, 3);
        assertThat(gguf.tensors().get("c").dims()).containsExactly(32, 1, 2);
        assertThat(gguf.tensors().get("c").type()).isEqualTo(GgmlType.Q4_0);
        assertThat(gguf.tensors().values()).extracting(GgufTestReader.TensorInfo::offset).containsExactly(0L, 128L, 160L);
        assertThat(gguf.dataStart() % 32).isZero();
        assertThat(raw.length - gguf.dataStart()).isEqualTo(160 + 64);
        assertThat(gguf.bytes("a")).isEqualTo(GgmlType.Q8_0.quantize(a));
        assertThat(gguf.values("b")).containsExactly(b);
        assertThat(gguf.values("c")).isEqualTo(GgmlType.Q4_0.dequantize(GgmlType.Q4_0.quantize(c), 64));
        for (int i = 102; i < 128; i++) {
            assertThat(raw[(int) gguf.dataStart() + i]).as("padding is zero").isZero();
        }
    }

    @Test
    void honoursAnotherAlignment() throws IOException {
        Path file = dir.resolve("a.gguf");
        new GgufWriter(64)
                .addTensor("x", GgmlType.F16, new long[] {3}, out -> out.write(GgmlType.F16.quantize(ramp(3))))
                .addTensor("y", GgmlType.BF16, new long[] {2, 2}, out -> out.write(GgmlType.BF16.quantize(ramp(4))))
                .write(file);
        GgufTestReader gguf = GgufTestReader.read(file);
        assertThat(gguf.metadata()).containsEntry("general.alignment", 64L);
        assertThat(gguf.dataStart() % 64).isZero();
        assertThat(gguf.tensors().get("y").offset()).isEqualTo(64);
        assertThat(gguf.values("y")).containsExactly(GgmlType.BF16.dequantize(GgmlType.BF16.quantize(ramp(4)), 4));
        assertThat(Files.size(file)).isEqualTo(gguf.dataStart() + 128);
    }

    @Test
    void refusesBadInput() {
        GgufWriter writer = new GgufWriter();
        assertThatThrownBy(() -> writer.putString("general.alignment", "x")).hasMessageContaining("twice");
        assertThatThrownBy(() -> writer.put("k", GgufValueType.UINT8, 256)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> writer.put("k", GgufValueType.UINT32, -1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> writer.put("k", GgufValueType.INT32, 1.5)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> writer.putArray("k", GgufValueType.BOOL, List.of(1))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> writer.addTensor("q", GgmlType.Q8_0, new long[] {16, 2}, out -> { }))
                .hasMessageContaining("block size 32");
        assertThatThrownBy(() -> writer.addTensor("x".repeat(64), GgmlType.F32, new long[] {1}, out -> { }))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new GgufWriter(48)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aTensorOfTheWrongSizeFailsAndLeavesNoFile() {
        Path file = dir.resolve("bad.gguf");
        GgufWriter writer = new GgufWriter().addTensor("t", GgmlType.F32, new long[] {4}, out -> out.write(new byte[12]));
        assertThatThrownBy(() -> writer.write(file)).hasMessageContaining("expected 16 bytes");
        assertThat(file).doesNotExist();
    }

    private static float[] ramp(int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (i % 7 - 3) * 0.37f;
        }
        return x;
    }
}
