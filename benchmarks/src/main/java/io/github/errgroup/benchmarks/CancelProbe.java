package io.github.errgroup.benchmarks;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicLong;

import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.runner.IterationType;

/**
 * The cancel-latency clock, a {@code @State} base of every cancel-latency contender. JMH's own
 * {@code SampleTime} clock starts when the benchmark method is entered, so it also counts starting the
 * failing task; this one starts when the task fails:
 *
 * <ul>
 * <li>{@code failed}: {@link #fail} reads {@code System.nanoTime()} just before it throws.</li>
 * <li>{@code siblings}: each parked sibling reads the clock when its {@code InterruptedException}
 * reaches it ({@link #sawInterrupt()}); the latest of the {@value CancelLatencyBenchmark#SIBLINGS} counts.</li>
 * <li>{@code await}: the benchmark method reads it once the owner's wait has returned (or thrown), when
 * every sibling has ended (S1, S3; the hand-written contender waits for that on a latch).</li>
 * </ul>
 *
 * Two latencies per operation, in µs: {@code await} (failed → owner returns: the one the target is
 * about) and {@code siblings} (failed → the last sibling sees its interrupt). Each iteration's samples
 * become one JSON line (count, p50, p90, p99, p99.9, max, the fork's process id, warm-up or not), and
 * all measurement iterations of the fork one more ({@code "iteration":0}), appended to the file named by
 * the environment variable {@value #OUTPUT} (forks inherit it from run.sh); without it they are dropped.
 * The timestamps are taken outside any lock and cost ~25 ns each.
 */
public abstract class CancelProbe {

	/** The environment variable naming the file the per-iteration lines are appended to. */
	static final String OUTPUT = "ERRGROUP_BENCH_LATENCY";

	private static final int MAX_SAMPLES = 1 << 21;

	volatile long failedAt;

	final AtomicLong lastInterrupted = new AtomicLong();

	long returnedAt;

	/** The failing task: notes the time, then throws the shared failure. */
	final Callable<Object> fail = () -> {
		this.failedAt = System.nanoTime();
		throw Work.FAILURE;
	};

	private final Samples await = new Samples();

	private final Samples siblings = new Samples();

	private final Samples forkAwait = new Samples();

	private final Samples forkSiblings = new Samples();

	private int iteration;

	/** A sibling calls this when its interrupt reaches it. */
	final void sawInterrupt() {
		long now = System.nanoTime();
		this.lastInterrupted.accumulateAndGet(now, Math::max);
	}

	/** The benchmark method calls this once the owner's wait is over. */
	final void returned() {
		this.returnedAt = System.nanoTime();
	}

	@Setup(Level.Invocation)
	public void resetClock() {
		this.failedAt = 0;
		this.lastInterrupted.set(0);
		this.returnedAt = 0;
	}

	@TearDown(Level.Invocation)
	public void readClock() {
		long failed = this.failedAt;
		if (failed == 0 || this.returnedAt == 0) {
			throw new IllegalStateException("cancel latency: the failing task or the owner did not note its time");
		}
		this.await.add(this.returnedAt - failed);
		long sibling = this.lastInterrupted.get();
		if (sibling != 0) { // 0: every sibling ended before it parked, never seen so far, and not counted
			this.siblings.add(sibling - failed);
		}
	}

	@TearDown(Level.Iteration)
	public void writeIteration(BenchmarkParams benchmark, IterationParams iterationParams) throws IOException {
		int number = ++this.iteration;
		boolean warmup = iterationParams.getType() == IterationType.WARMUP;
		if (warmup && number == iterationParams.getCount()) {
			this.iteration = 0; // measurement iterations count from 1 again
		}
		if (!warmup) {
			this.forkAwait.addAll(this.await);
			this.forkSiblings.addAll(this.siblings);
		}
		write(this.await.line(benchmark.getBenchmark(), "await", number, warmup) + "\n"
				+ this.siblings.line(benchmark.getBenchmark(), "siblings", number, warmup) + "\n");
		this.await.clear();
		this.siblings.clear();
	}

	@TearDown(Level.Trial)
	public void writeFork(BenchmarkParams benchmark) throws IOException {
		write(this.forkAwait.line(benchmark.getBenchmark(), "await", 0, false) + "\n"
				+ this.forkSiblings.line(benchmark.getBenchmark(), "siblings", 0, false) + "\n");
	}

	private static void write(String lines) throws IOException {
		String target = System.getenv(OUTPUT);
		if (target != null && !target.isEmpty()) {
			Files.writeString(Path.of(target), lines, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
					StandardOpenOption.APPEND);
		}
	}

	/** One iteration's latencies, sorted only when summarised. */
	private static final class Samples {

		private long[] nanos = new long[1 << 14];

		private int count;

		private long dropped;

		void add(long value) {
			if (this.count == this.nanos.length) {
				if (this.count == MAX_SAMPLES) {
					this.dropped++;
					return;
				}
				this.nanos = Arrays.copyOf(this.nanos, this.count * 2);
			}
			this.nanos[this.count++] = value;
		}

		void addAll(Samples other) {
			for (int i = 0; i < other.count; i++) {
				add(other.nanos[i]);
			}
			this.dropped += other.dropped;
		}

		void clear() {
			this.count = 0;
			this.dropped = 0;
		}

		String line(String benchmark, String measure, int iteration, boolean warmup) {
			Arrays.sort(this.nanos, 0, this.count);
			return String.format(Locale.ROOT,
					"{\"benchmark\":\"%s\",\"measure\":\"%s\",\"jdk\":\"%s\",\"pid\":%d,\"iteration\":%d,"
							+ "\"warmup\":%b,\"n\":%d,\"dropped\":%d,\"p50\":%.3f,\"p90\":%.3f,\"p99\":%.3f,"
							+ "\"p999\":%.3f,\"max\":%.3f,\"unit\":\"us\"}",
					benchmark, measure, System.getProperty("java.version"), ProcessHandle.current().pid(), iteration,
					warmup, this.count, this.dropped, micros(0.50), micros(0.90), micros(0.99), micros(0.999),
					micros(1.0));
		}

		/** Nearest rank: the smallest sample with at least {@code q} of the samples at or below it. */
		private double micros(double q) {
			if (this.count == 0) {
				return Double.NaN;
			}
			int rank = (int) Math.ceil(q * this.count);
			return this.nanos[Math.max(0, Math.min(this.count - 1, rank - 1))] / 1000.0;
		}

	}

}
