package dev.moeplatform.e2e;

import java.time.Duration;
import java.util.Map;

/**
 * Ingest throughput of billing-service's ledger from Kafka, on this machine: {@code scripts/platform bench-billing}.
 * Not a test (nothing here passes or fails on timing); it prints its figures.
 *
 * <ol>
 *   <li>Backlog drain: N events are produced while the service is stopped, then it starts and the time from ready
 *       to the N-th ledgered event gives sustained events/s.</li>
 *   <li>The same with a SIGKILL half-way and a restart: events/s over the consuming time (restart excluded and
 *       included), then the exact count and token totals of the ledger and its rollup.</li>
 * </ol>
 * Arguments: {@code --events N} (default 300000).
 */
public final class LedgerBenchmark {

    private LedgerBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        long events = 300_000;
        for (int i = 0; i + 1 < args.length; i += 2) {
            if (args[i].equals("--events")) {
                events = Long.parseLong(args[i + 1]);
            } else {
                throw new IllegalArgumentException("unknown argument " + args[i] + " (use --events N)");
            }
        }
        System.out.printf("billing ledger ingest benchmark: %,d events, %d CPUs%n", events,
                Runtime.getRuntime().availableProcessors());
        drain(events);
        drainWithCrash(events);
        System.exit(0);
    }

    private static void drain(long events) throws Exception {
        try (LedgerRun run = new LedgerRun("bench_drain", Map.of())) {
            run.startBilling(); // creates the topic with the ledger's partitions
            run.close();
            long produceStart = System.nanoTime();
            run.produce(0, events);
            double produceSeconds = seconds(produceStart);
            run.startBilling();
            long start = System.nanoTime();
            long done = run.awaitLedgered(events, Duration.ofMinutes(20));
            double drainSeconds = seconds(start);
            System.out.printf("%n[1] backlog drain%n  produced %,d events in %.1f s (%,.0f/s, acks=all)%n", events,
                    produceSeconds, events / produceSeconds);
            System.out.printf("  ledgered %,d events in %.1f s after ready: %,.0f events/s sustained%n", done,
                    drainSeconds, done / drainSeconds);
            System.out.println("  totals " + run.totals());
        }
    }

    private static void drainWithCrash(long events) throws Exception {
        try (LedgerRun run = new LedgerRun("bench_crash", Map.of())) {
            run.startBilling();
            run.close();
            run.produce(0, events);
            run.startBilling();
            long start = System.nanoTime();
            long atKill = run.awaitLedgered(events / 2, Duration.ofMinutes(20));
            double firstSeconds = seconds(start);
            run.killBilling();
            long afterKill = run.ledgered();
            long restart = System.nanoTime();
            run.startBilling();
            double restartSeconds = seconds(restart);
            long resumed = System.nanoTime();
            long done = run.awaitLedgered(events, Duration.ofMinutes(20));
            double secondSeconds = seconds(resumed);
            Thread.sleep(2000);
            Map<String, Long> totals = run.totals();
            System.out.printf("%n[2] drain with SIGKILL half-way%n  killed at %,d ledgered (%.1f s in), restarted "
                    + "in %.1f s, then %,d more in %.1f s%n", afterKill, firstSeconds, restartSeconds,
                    done - afterKill, secondSeconds);
            System.out.printf("  %,.0f events/s while consuming; %,.0f events/s including the restart%n",
                    done / (firstSeconds + secondSeconds), done / (firstSeconds + restartSeconds + secondSeconds));
            System.out.printf("  final ledger: %,d events (%,d distinct; expected %,d), rollup requests %,d%n",
                    totals.get("events"), totals.get("distinctEvents"), events, totals.get("rollupRequests"));
            System.out.printf("  prompt tokens ledger %,d = rollup %,d; completion tokens rollup %,d%n",
                    totals.get("ledgerPromptTokens"), totals.get("rollupPromptTokens"),
                    totals.get("rollupCompletionTokens"));
            long expectedPrompt = 0;
            long expectedCompletion = 0;
            for (long i = 0; i < events; i++) {
                expectedPrompt += run.event(i).promptTokens();
                expectedCompletion += run.event(i).completionTokens();
            }
            boolean exact = totals.get("events") == events && totals.get("distinctEvents") == events
                    && totals.get("rollupRequests") == events && totals.get("rollupPromptTokens") == expectedPrompt
                    && totals.get("ledgerPromptTokens") == expectedPrompt
                    && totals.get("rollupCompletionTokens") == expectedCompletion;
            System.out.println("  exactly once: " + (exact ? "yes" : "NO (see the totals above)") + " (killed with "
                    + atKill + " seen)");
        }
    }

    private static double seconds(long since) {
        return (System.nanoTime() - since) / 1e9;
    }
}
