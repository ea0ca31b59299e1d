package dev.moeplatform.inference.scheduling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.moeplatform.engine.BundledModels;
import dev.moeplatform.engine.Model;
import dev.moeplatform.engine.ModelOptions;
import dev.moeplatform.engine.SamplingParams;
import dev.moeplatform.web.errors.ApiException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The scheduler over a model with a KV cache budget and a small step: admission waits until a request's worst case
 * fits, a request larger than the whole budget is refused, and prompts prefilled in chunks of the step's token
 * budget give exactly what an unchunked run gives.
 */
class SchedulerKvCacheTest {

    static Model unlimited;
    static Model budgeted;
    static long pageBytes;

    @BeforeAll
    static void load() {
        unlimited = Model.load(BundledModels.extractDefault(), new ModelOptions(1, "auto"));
        pageBytes = unlimited.kvCache().pageBytes();
        // room for 8 pages: one request of 4 choices x 2 pages at a time
        budgeted = Model.load(BundledModels.extractDefault(), new ModelOptions(1, "auto", 8 * pageBytes));
    }

    @AfterAll
    static void close() {
        unlimited.close();
        budgeted.close();
    }

    private static SchedulerProperties limits(int maxStepTokens) {
        return new SchedulerProperties(8, 16, 65536, maxStepTokens, Duration.ofSeconds(60), Duration.ofSeconds(1));
    }

    /** Four greedy choices, each 40 prompt tokens + 20 generated: 60 positions, 2 pages of 32. */
    private static GenerationRequest request(int salt) {
        List<GenerationRequest.Choice> choices = new ArrayList<>();
        for (int c = 0; c < 4; c++) {
            int[] prompt = new int[40];
            for (int i = 0; i < prompt.length; i++) {
                prompt[i] = 3 + (i * 31 + c * 7 + salt * 11) % 500;
            }
            choices.add(new GenerationRequest.Choice(prompt, SamplingParams.greedy(20)));
        }
        return new GenerationRequest("tenant", choices, null);
    }

    /** Each choice's token ids, in order, until the request completes. */
    private static List<List<Integer>> run(Generation generation) throws InterruptedException {
        List<List<Integer>> tokens = new ArrayList<>(List.of(new ArrayList<>(), new ArrayList<>(), new ArrayList<>(),
                new ArrayList<>()));
        while (true) {
            GenerationEvent event = generation.next(Duration.ofSeconds(30));
            switch (event) {
                case GenerationEvent.Token token -> tokens.get(token.choice()).add(token.token().id());
                case GenerationEvent.Completed completed -> {
                    return tokens;
                }
                case GenerationEvent.Failed failed -> throw new AssertionError(failed.error().message());
                case null -> throw new AssertionError("no event within 30 s");
            }
        }
    }

    @Test
    void aRequestWaitsForKvCacheRoomAndChunkedPrefillChangesNothing() throws Exception {
        List<List<Integer>> expectedFirst;
        List<List<Integer>> expectedSecond;
        try (Scheduler plain = new Scheduler("plain", unlimited, limits(4096))) {
            expectedFirst = run(plain.submit(request(1)));
            expectedSecond = run(plain.submit(request(2)));
        }
        // the engine thread's record of when each request started and ended
        List<String> lifecycle = java.util.Collections.synchronizedList(new ArrayList<>());
        SchedulerListener listener = (modelId, request) -> {
            String name = request.choices().getFirst().prompt()[0] == request(1).choices().getFirst().prompt()[0]
                    ? "first" : "second";
            return new SchedulerListener.RequestObserver() {
                @Override
                public void started(int[] kvPositions) {
                    lifecycle.add(name + " started");
                }

                @Override
                public void ended(SchedulerListener.End end) {
                    lifecycle.add(name + " ended");
                }
            };
        };
        try (Scheduler scheduler = new Scheduler("budgeted", budgeted, limits(16), listener)) {
            Generation first = scheduler.submit(request(1));
            Generation second = scheduler.submit(request(2));
            List<List<Integer>> firstTokens = run(first);
            List<List<Integer>> secondTokens = run(second);

            // each request's worst case is the whole budget: the second waited for the first's pages
            assertThat(lifecycle).containsExactly("first started", "first ended", "second started", "second ended");
            assertThat(firstTokens).isEqualTo(expectedFirst);
            assertThat(secondTokens).isEqualTo(expectedSecond);
            assertThat(firstTokens).allSatisfy(t -> assertThat(t).isNotEmpty());
        }
        assertThat(budgeted.kvCache().usedBytes()).as("every page back once the requests end").isZero();
    }

    @Test
    void aRequestLargerThanTheWholeBudgetIsRefused() {
        try (Scheduler scheduler = new Scheduler("budgeted", budgeted, limits(16))) {
            // three choices of 101 positions: 4 pages each, 12 in all
            GenerationRequest.Choice choice = new GenerationRequest.Choice(new int[] {5}, SamplingParams.greedy(100));
            GenerationRequest huge = new GenerationRequest("tenant", List.of(choice, choice, choice), null);

            assertThatThrownBy(() -> scheduler.submit(huge))
                    .isInstanceOf(ApiException.class)
                    .hasMessageContaining("bytes of KV cache")
                    .hasMessageContaining("whole budget of " + 8 * pageBytes);
        }
    }
}
