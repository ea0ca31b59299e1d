package dev.moeplatform.engine.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.moeplatform.engine.BundledModels;
import dev.moeplatform.engine.gguf.GgmlType;
import dev.moeplatform.engine.tokenizer.Vocabularies;
import dev.moeplatform.engine.tools.ModelSpec;
import dev.moeplatform.engine.tools.SyntheticModelBuilder;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** The command line on the model the jar bundles. */
class MainTest {

    private static final Path MODEL = BundledModels.extractDefault();

    private static String run(String command, String... args) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        String[] all = new String[args.length + 1];
        all[0] = command;
        System.arraycopy(args, 0, all, 1, args.length);
        Arguments arguments = new Arguments(all, 1, command.equals("bench") ? Set.of("json") : Set.of());
        if (command.equals("bench")) {
            Main.bench(arguments, out);
        } else {
            Main.generate(arguments, out);
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }

    @Test
    void generateGreedyIsRepeatableAndReportsSpeed() {
        String first = run("generate", "--model", MODEL.toString(), "--user", "Hello there",
                "--temperature", "0", "--max-tokens", "12", "--threads", "2");
        String second = run("generate", "--model", MODEL.toString(), "--user", "Hello there",
                "--temperature", "0", "--max-tokens", "12", "--threads", "1");

        String text = first.substring(0, first.lastIndexOf("\n["));
        assertThat(text).isNotBlank();
        assertThat(second).as("same greedy text on another thread count").startsWith(text + "\n[");
        assertThat(first).contains("12 generated (length)").contains("prefill").contains("decode").contains("tok/s");
    }

    @Test
    void benchPrintsEveryFigureAlsoAsJson() {
        String output = run("bench", "--model", MODEL.toString(), "--prompt-tokens", "16", "--decode-tokens", "4",
                "--threads", "2", "--probe-mib", "64", "--rounds", "2", "--batch", "3", "--json");

        JsonNode json = JsonMapper.builder().build().readTree(output.strip());
        for (String field : new String[] {"load_seconds", "prefill_tokens_per_second",
                "decode_tokens_per_second_median", "decode_tokens_per_second_best", "weight_bytes_read_per_token",
                "kv_bytes_read_per_token", "achieved_gb_per_second_best", "memory_bandwidth_gb_per_second_best",
                "bandwidth_utilisation_best", "batch_decode_tokens_per_second_best", "batch_speedup_best",
                "batch_step_weight_bytes", "kv_bytes_per_token", "rss_bytes"}) {
            assertThat(json.get(field).asDouble()).as(field).isPositive();
        }
        assertThat(json.get("architecture").asString()).isEqualTo("qwen2moe");
        assertThat(json.get("prefill_dominant").asString()).matches("matmul .*|attention|other");
        // 3 tokens choose at most 3 x 2 of the 4 experts per layer: more bytes than one token, at most all experts
        assertThat(json.get("batch_step_weight_bytes").asLong())
                .isGreaterThan(json.get("weight_bytes_read_per_token").asLong());
        assertThat(json.get("batch_speedup_bound_by_bytes").asDouble()).isGreaterThan(1).isLessThanOrEqualTo(3);
        assertThat(json.get("kv_compression").asDouble()).isEqualTo(1.0);
    }

    @Test
    void benchRunsAQ4KMModel(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("q4_k_m.gguf");
        ModelSpec spec = SyntheticModelBuilder.preset("small", "qwen2moe", 0, 0, Vocabularies.defaultByteLevel())
                .weightType(GgmlType.Q4_K).mixed(true).layers(1).build();
        SyntheticModelBuilder.write(spec, file);
        for (String kernels : new String[] {"auto", "scalar"}) {
            String output = run("bench", "--model", file.toString(), "--prompt-tokens", "8", "--decode-tokens", "2",
                    "--threads", "2", "--probe-mib", "16", "--kernels", kernels, "--rounds", "1", "--batch", "2",
                    "--json");
            JsonNode json = JsonMapper.builder().build().readTree(output.strip());
            assertThat(json.get("decode_tokens_per_second_best").asDouble()).as(kernels).isPositive();
            assertThat(json.get("prefill_share_matmul_Q4_K").asDouble()).as(kernels).isPositive();
            assertThat(json.get("weight_bytes").asLong()).as(kernels)
                    .isEqualTo(SyntheticModelBuilder.weightBytes(spec));
        }
    }

    @Test
    void badArgumentsAreNamed() {
        assertThatThrownBy(() -> run("generate", "--model", MODEL.toString())).hasMessageContaining("--prompt");
        assertThatThrownBy(() -> run("generate", "--model", MODEL.toString(), "--prompt", "x", "--tempreature", "1"))
                .hasMessageContaining("--tempreature");
        assertThatThrownBy(() -> run("bench", "--threads", "two", "--model", MODEL.toString()))
                .hasMessageContaining("--threads");
    }
}
