package dev.moeplatform.engine;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** JSON mode on the bundled random-weight model: whatever nonsense it wants to say, the output is a JSON object. */
class JsonModeTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static Model model;
    private static int[] prompt;

    @BeforeAll
    static void load() {
        model = Model.load(BundledModels.extractDefault(), new ModelOptions(1, "auto"));
        prompt = model.tokenizer().encode("Answer in JSON: what is in the box?", true, false);
    }

    @AfterAll
    static void close() {
        model.close();
    }

    private static SamplingParams.Builder json(long seed, float temperature, int maxTokens) {
        return SamplingParams.builder().seed(seed).temperature(temperature).maxTokens(maxTokens)
                .responseFormat(SamplingParams.ResponseFormat.JSON_OBJECT);
    }

    @Test
    void producesAJsonObjectAndStopsForEverySeedAndTemperature() {
        List<String> outputs = new ArrayList<>();
        for (float temperature : new float[] {0f, 0.7f, 1f, 1.5f}) {
            for (long seed = 1; seed <= 6; seed++) {
                Generator.Result result = Generator.generate(model, prompt, json(seed, temperature, 160).build(),
                        text -> { });
                String label = "seed " + seed + ", temperature " + temperature + ": " + result.text();
                assertThat(result.finish()).as(label).isEqualTo(TextStream.Finish.STOP);
                JsonNode tree = JSON.readTree(result.text());
                assertThat(tree.isObject()).as(label).isTrue();
                outputs.add(result.text());
                if (seed == 1) {
                    System.out.println("JSON mode, temperature " + temperature + ": " + result.text());
                }
            }
        }
        assertThat(outputs.stream().distinct().count()).as("different seeds say different things").isGreaterThan(10);
        assertThat(outputs).anyMatch(text -> text.length() > 20);
    }

    @Test
    void withTruncationAndPenaltiesToo() {
        for (long seed = 1; seed <= 4; seed++) {
            SamplingParams params = json(seed, 1.2f, 120).topP(0.9f).topK(40).presencePenalty(1f).build();
            Generator.Result result = Generator.generate(model, prompt, params, text -> { });
            assertThat(result.finish()).isEqualTo(TextStream.Finish.STOP);
            assertThat(JSON.readTree(result.text()).isObject()).as(result.text()).isTrue();
        }
    }

    @Test
    void closesTheObjectInTimeWhenTheTokenLimitIsNear() {
        for (int maxTokens : new int[] {3, 5, 8, 13}) {
            for (long seed = 1; seed <= 5; seed++) {
                Generator.Result result = Generator.generate(model, prompt, json(seed, 1.5f, maxTokens).build(),
                        text -> { });
                assertThat(result.tokens()).hasSizeLessThanOrEqualTo(maxTokens);
                assertThat(result.finish()).as(result.text()).isEqualTo(TextStream.Finish.STOP);
                assertThat(JSON.readTree(result.text()).isObject()).as(result.text()).isTrue();
            }
        }
    }

    @Test
    void aLimitTooShortForAnObjectEndsWithLengthAndAValidPrefix() {
        Generator.Result result = Generator.generate(model, prompt, json(1, 1f, 2).build(), text -> { });

        assertThat(result.finish()).isEqualTo(TextStream.Finish.LENGTH);
        assertThat(JsonPrefix.isValidPrefix(result.text())).as(result.text()).isTrue();
    }

    @Test
    void batchedSequencesKeepTheirOwnConstraint() {
        List<Sequence> sequences = new ArrayList<>();
        List<TextStream> streams = new ArrayList<>();
        List<StringBuilder> texts = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            SamplingParams params = i % 2 == 0 ? json(i, 1f, 80).build()
                    : SamplingParams.builder().seed((long) i).maxTokens(80).build();
            Sequence sequence = model.newSequence(prompt.length + 80, params);
            sequence.append(prompt);
            sequences.add(sequence);
            streams.add(new TextStream(model.tokenizer(), params));
            texts.add(new StringBuilder());
        }
        List<Sequence> running = new ArrayList<>(sequences);
        while (!running.isEmpty()) {
            model.step(running);
            for (Sequence sequence : List.copyOf(running)) {
                int i = sequences.indexOf(sequence);
                TextStream.Delta delta = streams.get(i).accept(sequence.lastSampled().id());
                texts.get(i).append(delta.text());
                if (delta.finished()) {
                    running.remove(sequence);
                    sequence.close();
                }
            }
        }
        assertThat(JSON.readTree(texts.get(0).toString()).isObject()).isTrue();
        assertThat(JSON.readTree(texts.get(2).toString()).isObject()).isTrue();
        assertThat(streams.get(0).finish()).isEqualTo(TextStream.Finish.STOP);
    }

    @Test
    void theConstraintOnAToyVocabulary() {
        // 0 EOS (no text), 1 "{", 2 "}", 3 "\"k\"", 4 ":", 5 "1", 6 "x", 7 " ", 8 the first byte of "é"
        byte[][] vocab = {new byte[0], b("{"), b("}"), b("\"k\""), b(":"), b("1"), b("x"), b(" "),
            {"é".getBytes(UTF_8)[0]}};
        JsonConstraint constraint = new JsonConstraint(vocab, Set.of(0));
        int big = JsonConstraint.UNLIMITED;

        assertThat(allowed(constraint, big)).containsExactly(1, 7);
        assertThat(constraint.accept(1)).isTrue();
        assertThat(allowed(constraint, big)).containsExactly(2, 3, 7);
        assertThat(allowed(constraint, 0)).as("no room: only closing, and then EOS needs a token").isEmpty();
        assertThat(allowed(constraint, 1)).containsExactly(2);
        assertThat(constraint.accept(3)).isTrue();
        assertThat(allowed(constraint, 2)).as("after ':', '1' '}' EOS need three").isEmpty();
        assertThat(allowed(constraint, 3)).containsExactly(4);
        assertThat(constraint.accept(6)).as("refused, state unchanged").isFalse();
        assertThat(constraint.accept(4)).isTrue();
        assertThat(constraint.accept(5)).isTrue();
        assertThat(constraint.accept(2)).isTrue();
        assertThat(allowed(constraint, big)).containsExactly(0);
        assertThat(constraint.complete()).isTrue();

        float[] logits = {0, 5, 5, 5, 5, 5, 5, 5, 5};
        assertThat(new JsonConstraint(vocab, Set.of(0)).mask(logits, big, true)).isEqualTo(2);
        assertThat(logits[1]).isEqualTo(5f);
        assertThat(logits[6]).isEqualTo(Float.NEGATIVE_INFINITY);
    }

    @Test
    void theSamplerDrawsOnlyAllowedTokensDeterministically() {
        byte[][] vocab = {new byte[0], b("{"), b("}"), b("\"k\""), b(":"), b("1"), b("x"), b(" ")};
        // The model loves "x", which is never allowed, and likes EOS, which is allowed only at the end.
        float[] logits = {3, 0, 0, 0, 0, 0, 10, -1};
        List<Integer> first = drawToy(vocab, logits, 7L);
        assertThat(first).containsExactly(drawToy(vocab, logits, 7L).toArray(Integer[]::new));
        assertThat(first.getLast()).isEqualTo(0);
        StringBuilder text = new StringBuilder();
        first.subList(0, first.size() - 1).forEach(id -> text.append(new String(vocab[id], UTF_8)));
        assertThat(JSON.readTree(text.toString()).isObject()).as(text.toString()).isTrue();
    }

    private static List<Integer> drawToy(byte[][] vocab, float[] logits, long seed) {
        Sampler sampler = new Sampler(SamplingParams.builder().seed(seed).build(), new JsonConstraint(vocab,
                Set.of(0)));
        List<Integer> tokens = new ArrayList<>();
        int max = 30;
        for (int i = 0; i < max; i++) {
            int token = sampler.sample(logits, 0, logits.length, max - i - 1).id();
            tokens.add(token);
            if (token == 0) {
                break;
            }
        }
        return tokens;
    }

    private static List<Integer> allowed(JsonConstraint constraint, int left) {
        List<Integer> ids = new ArrayList<>();
        for (int id = 0; id < 9; id++) {
            if (id < 9 && constraint.allows(id, left, true)) {
                ids.add(id);
            }
        }
        return ids;
    }

    private static byte[] b(String text) {
        return text.getBytes(UTF_8);
    }
}
