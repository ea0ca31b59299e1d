package dev.moeplatform.engine.cli;

import dev.moeplatform.engine.Generator;
import dev.moeplatform.engine.MemoryProbe;
import dev.moeplatform.engine.Model;
import dev.moeplatform.engine.ModelInfo;
import dev.moeplatform.engine.ModelOptions;
import dev.moeplatform.engine.SamplingParams;
import dev.moeplatform.engine.Sequence;
import dev.moeplatform.engine.tokenizer.ChatMessage;
import dev.moeplatform.engine.tools.SyntheticModelBuilder;
import java.io.IOException;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import tools.jackson.databind.json.JsonMapper;

/**
 * The engine's command line, in the spirit of llama.cpp's tools:
 * <pre>
 *   generate --model FILE (--prompt TEXT | --user TEXT [--system TEXT]) [--max-tokens N] [--temperature T]
 *            [--top-p P] [--seed S] [--threads N] [--kernels auto|avx2-q8a|avx2|scalar|...]
 *   bench    --model FILE [--threads N] [--prompt-tokens N] [--decode-tokens N] [--kernels K] [--probe-mib N]
 *            [--json]
 *   build    (see SyntheticModelBuilder: writes a synthetic GGUF model)
 * </pre>
 */
public final class Main {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private Main() {
    }

    public static void main(String[] args) throws IOException {
        PrintStream out = System.out;
        try {
            if (args.length == 0) {
                throw new IllegalArgumentException("say what to do: generate, bench or build");
            }
            switch (args[0]) {
                case "generate" -> generate(new Arguments(args, 1, Set.of()), out);
                case "bench" -> bench(new Arguments(args, 1, Set.of("json")), out);
                case "build" -> SyntheticModelBuilder.main(args);
                default -> throw new IllegalArgumentException("unknown command '" + args[0]
                        + "'; use generate, bench or build");
            }
        } catch (IllegalArgumentException e) {
            System.err.println("error: " + e.getMessage());
            System.exit(2);
        } catch (RuntimeException e) {
            System.err.println("error: " + e.getMessage());
            System.exit(1);
        }
    }

    private static ModelOptions options(Arguments args) {
        return new ModelOptions(args.integer("threads", Runtime.getRuntime().availableProcessors()),
                args.string("kernels", "auto"));
    }

    static void generate(Arguments args, PrintStream out) {
        var file = args.path("model");
        ModelOptions options = options(args);
        String prompt = args.string("prompt", null);
        String user = args.string("user", null);
        String system = args.string("system", null);
        SamplingParams params = SamplingParams.builder()
                .maxTokens(args.integer("max-tokens", 64))
                .temperature(args.decimal("temperature", 0.8f))
                .topP(args.decimal("top-p", 0.95f))
                .seed((long) args.integer("seed", 42))
                .build();
        args.rejectUnknown();
        if ((prompt == null) == (user == null)) {
            throw new IllegalArgumentException("give either --prompt (raw text) or --user (a chat message)");
        }
        try (Model model = Model.load(file, options)) {
            String text = prompt;
            boolean raw = prompt != null;
            if (!raw) {
                List<ChatMessage> messages = new ArrayList<>();
                if (system != null) {
                    messages.add(new ChatMessage("system", system));
                }
                messages.add(new ChatMessage("user", user));
                text = model.chatTemplate()
                        .orElseThrow(() -> new IllegalArgumentException("this model has no chat template; use --prompt"))
                        .render(messages, true);
            }
            int[] tokens = model.tokenizer().encode(text, raw, !raw);
            Generator.Result result = Generator.generate(model, tokens, params, chunk -> {
                out.print(chunk);
                out.flush();
            });
            out.println();
            out.printf("[%d prompt tokens, %d generated (%s); prefill %.1f tok/s, decode %.1f tok/s; %s]%n",
                    result.promptTokens(), result.tokens().size(), result.finish().name().toLowerCase(),
                    result.prefillTokensPerSecond(), result.decodeTokensPerSecond(), model);
        }
    }

    static void bench(Arguments args, PrintStream out) {
        var file = args.path("model");
        ModelOptions options = options(args);
        int promptTokens = args.integer("prompt-tokens", 128);
        int decodeTokens = args.integer("decode-tokens", 64);
        long probeBytes = args.integer("probe-mib", 1024) * (1L << 20);
        boolean json = args.flag("json");
        args.rejectUnknown();

        long loadStart = System.nanoTime();
        try (Model model = Model.load(file, options)) {
            double loadSeconds = (System.nanoTime() - loadStart) / 1e9;
            ModelInfo info = model.info();
            int context = Math.min(info.contextLength(), promptTokens + decodeTokens + 1);
            SplittableRandom random = new SplittableRandom(1);
            int[] prompt = random.ints(promptTokens, 0, info.vocabSize()).toArray();

            // Warm-up: touches every weight page once, so the timed runs measure compute, not page faults.
            timedRun(model, prompt, 2, context);
            double[] timings = timedRun(model, prompt, decodeTokens, context);
            double prefillTps = promptTokens / timings[0];
            double decodeTps = decodeTokens / timings[1];
            long bytesPerToken = info.activeWeightBytesPerToken();
            double achieved = bytesPerToken * decodeTps;
            double bandwidth = MemoryProbe.bandwidth(probeBytes, 3, options.threads());

            Map<String, Object> report = new LinkedHashMap<>();
            report.put("model", file.toString());
            report.put("architecture", info.architecture());
            report.put("experts", info.experts());
            report.put("experts_used", info.expertsUsed());
            report.put("kernels", info.kernels());
            report.put("threads", options.threads());
            report.put("weight_bytes", info.weightBytes());
            report.put("load_seconds", round(loadSeconds));
            report.put("prompt_tokens", promptTokens);
            report.put("prefill_tokens_per_second", round(prefillTps));
            report.put("decode_tokens", decodeTokens);
            report.put("decode_tokens_per_second", round(decodeTps));
            report.put("weight_bytes_read_per_token", bytesPerToken);
            report.put("achieved_gb_per_second", round(achieved / 1e9));
            report.put("memory_bandwidth_gb_per_second", round(bandwidth / 1e9));
            report.put("bandwidth_utilisation", round(achieved / bandwidth));
            report.put("rss_bytes", MemoryProbe.residentBytes());
            if (json) {
                out.println(JSON.writeValueAsString(report));
            } else {
                report.forEach((key, value) -> out.printf("%-30s %s%n", key, value));
                out.println(JSON.writeValueAsString(report));
            }
        }
    }

    /** Seconds for the prompt step and for {@code decode} single-token steps, greedy. */
    private static double[] timedRun(Model model, int[] prompt, int decode, int context) {
        try (Sequence sequence = model.newSequence(context, SamplingParams.greedy(decode + 1))) {
            sequence.append(prompt);
            long start = System.nanoTime();
            model.step(List.of(sequence));
            long prefill = System.nanoTime() - start;
            start = System.nanoTime();
            for (int i = 0; i < decode; i++) {
                model.step(List.of(sequence));
            }
            return new double[] {prefill / 1e9, (System.nanoTime() - start) / 1e9};
        }
    }

    private static double round(double value) {
        return Math.round(value * 1000) / 1000.0;
    }
}
