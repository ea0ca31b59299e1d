package dev.moeplatform.engine;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.moeplatform.engine.gguf.GgmlType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bad files reach Java as exceptions that name the problem; the JVM survives every one of them. */
class MalformedModelFileTest {

    @TempDir
    static Path dir;

    static byte[] valid;

    @BeforeAll
    static void build() throws IOException {
        EngineFixtures.Variant llama = new EngineFixtures.Variant("llama", 4, 2, GgmlType.Q4_0);
        llama.build(dir);
        valid = Files.readAllBytes(llama.file(dir));
    }

    private static Path write(String name, byte[] bytes) throws IOException {
        return Files.write(dir.resolve(name), bytes);
    }

    @Test
    void notAGgufFile() throws IOException {
        Path file = write("text.gguf", "hello, I am not a model".getBytes());

        assertThatThrownBy(() -> Model.load(file, ModelOptions.defaults()))
                .isInstanceOf(GgufFormatException.class).hasMessageContaining("magic");
    }

    @Test
    void truncatedAnywhereIsRefusedWithTheReason() throws IOException {
        for (int length : new int[] {0, 3, 8, 23, 100, 1000, valid.length / 2, valid.length - 1}) {
            Path file = write("cut-" + length + ".gguf", Arrays.copyOf(valid, length));
            assertThatThrownBy(() -> Model.load(file, ModelOptions.defaults()))
                    .as("truncated at %d", length)
                    .isInstanceOf(GgufFormatException.class)
                    .hasMessageMatching("(?s).*(end of file|truncated|too short|past|magic|file size|exceeds|remaining).*");
        }
    }

    @Test
    void hostileCountsAndLengthsAreRefusedNotAllocated() throws IOException {
        byte[] hugeTensorCount = valid.clone();
        Arrays.fill(hugeTensorCount, 8, 16, (byte) 0x7f);
        byte[] hugeKeyLength = valid.clone();
        Arrays.fill(hugeKeyLength, 24, 32, (byte) 0xff);

        assertThatThrownBy(() -> Model.load(write("tensors.gguf", hugeTensorCount), ModelOptions.defaults()))
                .isInstanceOf(GgufFormatException.class);
        assertThatThrownBy(() -> Model.load(write("key.gguf", hugeKeyLength), ModelOptions.defaults()))
                .isInstanceOf(GgufFormatException.class);
    }

    @Test
    void randomCorruptionNeverCrashesTheJvm() throws IOException {
        SplittableRandom random = new SplittableRandom(2024);
        for (int i = 0; i < 200; i++) {
            byte[] bytes = valid.clone();
            int flips = 1 + random.nextInt(8);
            for (int f = 0; f < flips; f++) {
                // Most damage lands in the header and metadata, where the parsing is.
                int at = random.nextInt(random.nextBoolean() ? Math.min(bytes.length, 64 * 1024) : bytes.length);
                bytes[at] = (byte) random.nextInt(256);
            }
            Path file = write("corrupt.gguf", bytes);
            try (Model model = Model.load(file, ModelOptions.defaults())) {
                // Corruption in weight data leaves a loadable file; it must still compute without crashing.
                try (Sequence sequence = model.newSequence(8, SamplingParams.greedy(1))) {
                    sequence.append(1, 2, 3);
                    model.step(java.util.List.of(sequence));
                }
            } catch (EngineException | IllegalArgumentException expected) {
                // refused with a message: fine
            }
        }
    }

    @Test
    void unsupportedArchitectureListsTheSupportedOnes() throws IOException {
        String text = new String(valid, java.nio.charset.StandardCharsets.ISO_8859_1);
        int at = text.indexOf("llama", text.indexOf("general.architecture"));
        byte[] bytes = valid.clone();
        System.arraycopy("gemma".getBytes(), 0, bytes, at, 5);

        assertThatThrownBy(() -> Model.load(write("gemma.gguf", bytes), ModelOptions.defaults()))
                .isInstanceOf(GgufFormatException.class)
                .hasMessageContaining("gemma").hasMessageContaining("llama").hasMessageContaining("qwen2moe")
                .hasMessageContaining("qwen3moe");
    }

    @Test
    void missingFileIsAnEngineExceptionNamingIt() {
        assertThatThrownBy(() -> Model.load(dir.resolve("absent.gguf"), ModelOptions.defaults()))
                .isInstanceOf(EngineException.class).hasMessageContaining("absent.gguf");
    }
}
