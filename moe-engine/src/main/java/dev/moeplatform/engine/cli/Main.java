package dev.moeplatform.engine.cli;

import dev.moeplatform.engine.ExpertStats;
import dev.moeplatform.engine.Generator;
import dev.moeplatform.engine.MemoryProbe;
import dev.moeplatform.engine.Model;
import dev.moeplatform.engine.ModelInfo;
import dev.moeplatform.engine.ModelOptions;
import dev.moeplatform.engine.SamplingParams;
import dev.moeplatform.engine.Sequence;
import dev.moeplatform.engine.StepProfile;
import dev.moeplatform.engine.tokenizer.ChatMessage;
import dev.moeplatform.engine.tools.SyntheticModelBuilder;
import java.io.IOException;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
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
 *   bench    --model FILE [--threads N] [--prompt-tokens N] [--decode-tokens N] [--batch N] [--rounds N]
 *            [--kernels K] [--probe-mib N]
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

    /**
     * The engine benchmark. This machine's memory bandwidth and the engine's speed both vary from moment to moment
     * (shared hosts), so decoding is measured in {@code --rounds} rounds, each right after a bandwidth probe, and both
     * the median and the best are reported; utilisation is best decode over best probe (and median over median).
     */
    static void bench(Arguments args, PrintStream out) {
        var file = args.path("model");
        ModelOptions options = options(args);
        int promptTokens = args.integer("prompt-tokens", 128);
        int decodeTokens = args.integer("decode-tokens", 64);
        long probeBytes = args.integer("probe-mib", 1024) * (1L << 20);
        int batch = args.integer("batch", 8);
        int rounds = args.integer("rounds", 5);
        boolean json = args.flag("json");
        args.rejectUnknown();
        if (batch < 1 || promptTokens < 1 || decodeTokens < 1 || rounds < 1) {
            throw new IllegalArgumentException("--batch, --prompt-tokens, --decode-tokens and --rounds must be >= 1");
        }

        long loadStart = System.nanoTime();
        try (Model model = Model.load(file, options)) {
            double loadSeconds = (System.nanoTime() - loadStart) / 1e9;
            ModelInfo info = model.info();
            int context = Math.min(info.contextLength(), promptTokens + rounds * decodeTokens + 1);
            SplittableRandom random = new SplittableRandom(1);
            int[] prompt = random.ints(promptTokens, 0, info.vocabSize()).toArray();

            // Warm-up: touches every weight page once, so the timed runs measure compute, not page faults.
            try (Sequence warm = model.newSequence(Math.min(info.contextLength(), 18), SamplingParams.greedy(4))) {
                warm.append(Arrays.copyOf(prompt, Math.min(16, promptTokens)));
                model.step(List.of(warm));
                model.step(List.of(warm));
            }
            double[] single = new double[rounds];
            double[] batched = new double[rounds];
            double[] probe = new double[rounds];
            StepProfile prefillProfile;
            StepProfile decodeProfile = null;
            double prefillSeconds;
            try (Sequence sequence = model.newSequence(context, SamplingParams.greedy(rounds * decodeTokens + 1))) {
                sequence.append(prompt);
                model.profile(true);
                long start = System.nanoTime();
                model.step(List.of(sequence));
                prefillSeconds = (System.nanoTime() - start) / 1e9;
                prefillProfile = model.profile(true);
                for (int r = 0; r < rounds; r++) {
                    probe[r] = MemoryProbe.bandwidth(probeBytes, 3, options.threads());
                    start = System.nanoTime();
                    for (int i = 0; i < decodeTokens; i++) {
                        model.step(List.of(sequence));
                    }
                    single[r] = decodeTokens / ((System.nanoTime() - start) / 1e9);
                    if (r == 0) {
                        decodeProfile = model.profile(true);
                    }
                    batched[r] = batchDecode(model, random, batch, decodeTokens);
                }
            }
            double bestProbe = max(probe);
            double medianProbe = median(probe);
            // Bytes one decoded token reads: the active weights (attention, router, shared and chosen experts, output
            // head, one embedding row) and the KV cache rows it attends to (on average half-way through decoding).
            long weightBytesPerToken = info.activeWeightBytesPerToken();
            long kvBytesRead = info.kvBytesPerToken() * (promptTokens + rounds * decodeTokens / 2);
            long bytesPerToken = weightBytesPerToken + kvBytesRead;
            // A batched step reads each chosen expert once: its bytes follow from the experts the tokens chose
            long batchStepBytes = batchStepBytes(model, random, batch);

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
            report.put("prefill_tokens_per_second", round(promptTokens / prefillSeconds));
            report.put("prefill_dominant", prefillProfile.dominant());
            report.put("prefill_share_attention", round(prefillProfile.share(prefillProfile.attentionNanos())));
            prefillProfile.matmulNanos().forEach((type, nanos) ->
                    report.put("prefill_share_matmul_" + type, round(prefillProfile.share(nanos))));
            report.put("prefill_share_other", round(prefillProfile.share(prefillProfile.otherNanos())));
            report.put("rounds", rounds);
            report.put("decode_tokens", decodeTokens);
            report.put("decode_tokens_per_second_median", round(median(single)));
            report.put("decode_tokens_per_second_best", round(max(single)));
            StepProfile decoded = decodeProfile;
            report.put("decode_share_attention", round(decoded.share(decoded.attentionNanos())));
            decoded.matmulNanos().forEach((type, nanos) ->
                    report.put("decode_share_matmul_" + type, round(decoded.share(nanos))));
            report.put("decode_share_other", round(decoded.share(decoded.otherNanos())));
            report.put("kv_bytes_per_token", info.kvBytesPerToken());
            report.put("kv_bytes_per_token_plain_mha", info.kvBytesPerTokenMultiHead());
            report.put("kv_compression", round(info.kvCacheCompression()));
            report.put("weight_bytes_read_per_token", weightBytesPerToken);
            report.put("kv_bytes_read_per_token", kvBytesRead);
            report.put("bytes_read_per_token", bytesPerToken);
            report.put("achieved_gb_per_second_best", round(bytesPerToken * max(single) / 1e9));
            report.put("memory_bandwidth_gb_per_second_best", round(bestProbe / 1e9));
            report.put("memory_bandwidth_gb_per_second_median", round(medianProbe / 1e9));
            report.put("bandwidth_utilisation_best", round(bytesPerToken * max(single) / bestProbe));
            report.put("bandwidth_utilisation_median", round(bytesPerToken * median(single) / medianProbe));
            report.put("batch", batch);
            report.put("batch_decode_tokens_per_second_median", round(median(batched)));
            report.put("batch_decode_tokens_per_second_best", round(max(batched)));
            report.put("batch_speedup_median", round(median(batched) / median(single)));
            report.put("batch_speedup_best", round(max(batched) / max(single)));
            report.put("batch_step_weight_bytes", batchStepBytes);
            // If both are bound by memory, batching gains what it saves in bytes per token, no more
            report.put("batch_speedup_bound_by_bytes", round((double) batch * weightBytesPerToken / batchStepBytes));
            report.put("rss_bytes", MemoryProbe.residentBytes());
            if (json) {
                out.println(JSON.writeValueAsString(report));
            } else {
                report.forEach((key, value) -> out.printf("%-38s %s%n", key, value));
                out.println(JSON.writeValueAsString(report));
            }
        }
    }

    /**
     * Tokens per second of {@code batch} sequences decoding together: each gets a 16-token prompt (prefilled in one
     * step, not timed), then {@code decode} steps advance all of them by one token each.
     */
    private static double batchDecode(Model model, SplittableRandom random, int batch, int decode) {
        List<Sequence> sequences = newBatch(model, random, batch, decode + 1);
        try {
            model.step(sequences);
            long start = System.nanoTime();
            for (int i = 0; i < decode; i++) {
                model.step(sequences);
            }
            return (double) batch * decode / ((System.nanoTime() - start) / 1e9);
        } finally {
            sequences.forEach(Sequence::close);
        }
    }

    /**
     * Weight bytes one decode step of {@code batch} sequences reads, averaged over 8 steps: the active bytes of one
     * token with its routed experts replaced by the distinct experts the whole batch chose in each MoE layer.
     */
    private static long batchStepBytes(Model model, SplittableRandom random, int batch) {
        ModelInfo info = model.info();
        if (info.experts() == 0) {
            return info.activeWeightBytesPerToken();
        }
        List<Sequence> sequences = newBatch(model, random, batch, 9);
        try {
            model.step(sequences);
            long distinct = 0;
            int moeLayers = 0;
            for (int step = 0; step < 8; step++) {
                model.resetExpertStats();
                model.step(sequences);
                ExpertStats stats = model.expertStats();
                moeLayers = 0;
                for (int layer = 0; layer < stats.layers(); layer++) {
                    if (stats.layerTotal(layer) == 0) {
                        continue; // a dense layer
                    }
                    moeLayers++;
                    for (int e = 0; e < stats.experts(); e++) {
                        distinct += stats.count(layer, e) > 0 ? 1 : 0;
                    }
                }
            }
            long routedPerToken = (long) moeLayers * info.expertsUsed() * info.expertBytes();
            return info.activeWeightBytesPerToken() - routedPerToken + distinct * info.expertBytes() / 8;
        } finally {
            sequences.forEach(Sequence::close);
        }
    }

    private static List<Sequence> newBatch(Model model, SplittableRandom random, int batch, int decode) {
        List<Sequence> sequences = new ArrayList<>();
        for (int i = 0; i < batch; i++) {
            Sequence sequence = model.newSequence(Math.min(model.info().contextLength(), 16 + decode + 1),
                    SamplingParams.greedy(decode + 1));
            sequence.append(random.ints(16, 0, model.info().vocabSize()).toArray());
            sequences.add(sequence);
        }
        return sequences;
    }

    private static double max(double[] values) {
        return Arrays.stream(values).max().orElseThrow();
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    private static double round(double value) {
        return Math.round(value * 1000) / 1000.0;
    }
}
