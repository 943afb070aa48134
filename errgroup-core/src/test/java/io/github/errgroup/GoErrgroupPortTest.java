package io.github.errgroup;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.io.IOException;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;

import org.awaitility.Awaitility;
import org.awaitility.core.ConditionFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A port of every case of Go's {@code golang.org/x/sync/errgroup/errgroup_test.go} (TestZeroGroup,
 * TestWithContext, TestTryGo, TestGoLimit, TestCancelCause) and of its examples (justErrors, parallel,
 * pipeline/MD5All).
 *
 * <p>Adaptations, each forced by a rule of the contract:
 * <ul>
 * <li>A Go group may be waited for and reused; ours is used once (S9). A Go test that reuses a group
 * for several rounds opens a fresh group per round here.</li>
 * <li>Go's zero {@code Group} has no context, so a later function still runs; ours always cancels on
 * the first failure (S3), so a task started after it ends {@code CANCELLED} without running (S4).</li>
 * <li>{@code SetLimit(0)} ("block every call") has no twin: {@code limit(0)} is refused (S12).</li>
 * <li>Go's {@code select} on {@code ctx.Done()} is an interruptible blocking call here: cancellation
 * interrupts the task (S3).</li>
 * </ul>
 */
@Timeout(value = 30, unit = SECONDS)
class GoErrgroupPortTest {

	private final List<ExecutorService> executors = new ArrayList<>();

	private final ExecutorService pool = track(Executors.newFixedThreadPool(4));

	private final ErrGroupFactory factory = ErrGroupFactory.create(this.pool);

	@AfterEach
	void shutdownExecutors() {
		this.factory.close();
		this.executors.forEach(ExecutorService::shutdownNow);
	}

	/** Awaitility polling fast: its default first poll comes after 100 ms. */
	private static ConditionFactory eventually() {
		return Awaitility.await().atMost(Duration.ofSeconds(10)).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(1));
	}

	private ExecutorService track(ExecutorService executor) {
		this.executors.add(executor);
		return executor;
	}

	// ---- TestZeroGroup

	@Test
	@DisplayName("TestZeroGroup: S2 await throws the first error (same instance); S4 tasks started after it never run")
	void S2_S4_zeroGroup_firstErrorWins() {
		Exception err1 = new Exception("errgroup_test: 1");
		Exception err2 = new Exception("errgroup_test: 2");
		List<List<Exception>> cases = List.of(List.of(), Arrays.asList((Exception) null), List.of(err1),
				Arrays.asList(err1, null), Arrays.asList(err1, null, err2));

		for (List<Exception> errs : cases) {
			Exception firstErr = null;
			for (int i = 0; i < errs.size(); i++) {
				if (firstErr == null && errs.get(i) != null) {
					firstErr = errs.get(i);
				}
				// Go calls Wait after each Go on one group. A group is used once (S9): each round opens a
				// fresh group and replays errs[0..i], each task finishing before the next is started, so
				// that the order of the errors is the order of the calls, as in Go.
				List<Exception> prefix = errs.subList(0, i + 1);
				try (ErrGroup g = this.factory.newGroup("zero")) {
					List<AtomicBoolean> ran = new ArrayList<>();
					List<Task<Void>> tasks = new ArrayList<>();
					for (Exception err : prefix) {
						AtomicBoolean bodyRan = new AtomicBoolean();
						boolean cancelledBeforeGo = g.context().isCancelled();
						Task<Void> task = g.go(() -> {
							bodyRan.set(true);
							if (err != null) {
								throw err;
							}
						});
						if (cancelledBeforeGo) {
							assertThat(task.state()).as("S4: task started after %s failed", firstErr)
								.isEqualTo(Task.State.CANCELLED);
						}
						awaitFinal(task);
						ran.add(bodyRan);
						tasks.add(task);
					}

					Throwable thrown = catchThrowable(g::await);

					String round = "after go(() -> throw err) for err in " + prefix;
					if (firstErr == null) {
						assertThat(thrown).as(round).isNull();
					}
					else {
						assertThat(thrown).as(round).isInstanceOf(ErrGroupException.class).hasCauseReference(firstErr);
						assertThat(thrown.getSuppressed()).as(round).isEmpty();
						int failedAt = prefix.indexOf(firstErr);
						for (int k = failedAt + 1; k < prefix.size(); k++) {
							assertThat(tasks.get(k).state()).as(round + ": task %d", k).isEqualTo(Task.State.CANCELLED);
							assertThat(ran.get(k)).as(round + ": body of task %d ran", k).isFalse();
						}
					}
				}
			}
		}
	}

	// ---- TestWithContext

	@Test
	@DisplayName("TestWithContext: S2 the first error is the outcome; S3 it cancels the context; S5 success cancels it too")
	void S2_S3_S5_withContext_errorOrSuccessCancelsTheContext() {
		Exception errDoom = new Exception("group_test: doomed");
		record Case(List<Exception> errs, Exception want) {
		}
		List<Case> cases = List.of(new Case(List.of(), null), new Case(Arrays.asList((Exception) null), null),
				new Case(List.of(errDoom), errDoom), new Case(Arrays.asList(errDoom, null), errDoom));

		for (Case tc : cases) {
			try (ErrGroup g = this.factory.newGroup("with-context")) {
				GroupContext ctx = g.context();
				for (Exception err : tc.errs()) {
					g.go(() -> {
						if (err != null) {
							throw err;
						}
					});
				}

				Throwable thrown = catchThrowable(g::await);

				String round = "after go(() -> throw err) for err in " + tc.errs();
				if (tc.want() == null) {
					assertThat(thrown).as(round).isNull();
				}
				else {
					assertThat(thrown).as(round).isInstanceOf(ErrGroupException.class).hasCauseReference(tc.want());
				}
				assertThat(ctx.isCancelled()).as(round + ": ctx.Done() was not closed").isTrue();
			}
		}
	}

	// ---- TestTryGo

	@Test
	@DisplayName("TestTryGo: S12 tryGo never blocks, fails when the limit is reached; S9 one group per round; limit(0) refused")
	void S12_S9_tryGo_succeedsUpToTheLimitThenFails() throws Exception {
		SynchronousQueue<Object> ch = new SynchronousQueue<>(); // Go's unbuffered chan struct{}
		Callable<Void> fn = () -> {
			ch.put(Boolean.TRUE);
			return null;
		};
		int n = 42;

		try (ErrGroup g = this.factory.group("try-go").limit(42).open()) {
			for (int i = 0; i < n; i++) {
				assertThat(g.tryGo(fn)).as("TryGo should succeed but got fail at %d-th call.", i).isPresent();
			}
			assertThat(g.tryGo(fn)).as("TryGo is expected to fail but succeeded.").isEmpty();
			Thread receiver = receive(ch, n);
			g.await();
			receiver.join(SECONDS.toMillis(10));
			assertThat(receiver.isAlive()).isFalse();
		}

		// Go waits and calls TryGo again on the same group; ours is used once (S9): a fresh group.
		try (ErrGroup g = this.factory.group("try-go").limit(42).open()) {
			assertThat(g.tryGo(fn)).as("TryGo should success but got fail after all goroutines.").isPresent();
			receive(ch, 1);
			g.await();
		}

		// Switch limit.
		try (ErrGroup g = this.factory.group("try-go").limit(1).open()) {
			assertThat(g.tryGo(fn)).as("TryGo should success but got failed.").isPresent();
			assertThat(g.tryGo(fn)).as("TryGo should fail but succeeded.").isEmpty();
			receive(ch, 1);
			g.await();
		}

		// Block all calls: Go's SetLimit(0). A group that can run nothing is a mistake here (S12).
		assertThatThrownBy(() -> this.factory.group("try-go").limit(0))
			.isInstanceOf(IllegalArgumentException.class)
			.hasMessageContaining("limit")
			.hasMessageContaining("0");
	}

	/** Go's {@code go func() { for i := 0; i < n; i++ { <-ch } }()}, with a bound so nothing hangs. */
	private static Thread receive(BlockingQueue<Object> ch, int n) {
		Thread receiver = new Thread(() -> {
			try {
				for (int i = 0; i < n; i++) {
					if (ch.poll(10, SECONDS) == null) {
						return; // the test will fail on its own assertions
					}
				}
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
		}, "go-receiver");
		receiver.setDaemon(true);
		receiver.start();
		return receiver;
	}

	// ---- TestGoLimit

	@Test
	@DisplayName("TestGoLimit: S12 no more than limit tasks are active at once")
	void S12_goLimit_neverMoreActiveThanTheLimit() {
		int limit = 10;
		ErrGroupFactory wide = ErrGroupFactory.create(track(Executors.newFixedThreadPool(16)));
		AtomicInteger active = new AtomicInteger();
		AtomicInteger maxActive = new AtomicInteger();

		try (ErrGroup g = wide.group("go-limit").limit(limit).open()) {
			for (int i = 0; i <= 1 << 10; i++) {
				g.go(() -> {
					int n = active.incrementAndGet();
					maxActive.accumulateAndGet(n, Math::max);
					if (n > limit) {
						throw new IllegalStateException("saw " + n + " active tasks; want <= " + limit);
					}
					LockSupport.parkNanos(1_000); // Go's time.Sleep(1 * time.Microsecond): let others spawn
					active.decrementAndGet();
				});
			}
			g.await();
		}
		assertThat(maxActive.get()).isBetween(1, limit);
	}

	@Test
	@DisplayName("TestGoLimit (Go's SetLimit doc): S12 go blocks the caller until a slot frees")
	void S12_goLimit_goBlocksTheCallerUntilASlotFrees() throws Exception {
		ErrGroupFactory wide = ErrGroupFactory.create(track(Executors.newFixedThreadPool(4)));
		CountDownLatch release = new CountDownLatch(1);
		CountDownLatch bothStarted = new CountDownLatch(2);
		try (ErrGroup g = wide.group("go-limit").limit(2).open()) {
			for (int i = 0; i < 2; i++) {
				g.go(() -> {
					bothStarted.countDown();
					release.await();
				});
			}
			assertThat(bothStarted.await(10, SECONDS)).isTrue();
			AtomicReference<Task<Integer>> third = new AtomicReference<>();
			Thread caller = new Thread(() -> third.set(g.go(() -> 3)), "limited-caller");
			caller.start();
			eventually().until(() -> caller.getState() == Thread.State.WAITING);
			assertThat(third.get()).as("go returned while the limit was reached").isNull();

			release.countDown();
			caller.join(SECONDS.toMillis(10));
			assertThat(third.get()).as("go still blocked after a slot freed").isNotNull();
			g.await();
			assertThat(third.get().resultNow()).isEqualTo(3);
		}
	}

	// ---- TestCancelCause (go120_test.go)

	@Test
	@DisplayName("TestCancelCause: S2 the context's cause is the first error (same instance); S5 a CancellationException when none")
	void S2_S5_cancelCause_isTheFirstErrorOrCancellation() {
		Exception errDoom = new Exception("group_test: doomed");
		record Case(List<Exception> errs, Exception want) {
		}
		List<Case> cases = List.of(new Case(List.of(), null), new Case(Arrays.asList((Exception) null), null),
				new Case(List.of(errDoom), errDoom), new Case(Arrays.asList(errDoom, null), errDoom));

		for (Case tc : cases) {
			try (ErrGroup g = this.factory.newGroup("cancel-cause")) {
				GroupContext ctx = g.context();
				for (Exception err : tc.errs()) {
					Callable<Void> fn = () -> {
						if (err != null) {
							throw err;
						}
						return null;
					};
					assertThat(g.tryGo(fn)).isPresent(); // no limit: TryGo always starts it
				}

				Throwable thrown = catchThrowable(g::await);

				String round = "after tryGo(() -> throw err) for err in " + tc.errs();
				if (tc.want() == null) {
					assertThat(thrown).as(round).isNull();
					assertThat(ctx.cause()).as(round + ": context.Cause(ctx)").isInstanceOf(CancellationException.class);
				}
				else {
					assertThat(thrown).as(round).isInstanceOf(ErrGroupException.class).hasCauseReference(tc.want());
					assertThat(ctx.cause()).as(round + ": context.Cause(ctx)").isSameAs(tc.want());
				}
			}
		}
	}

	// ---- ExampleGroup_justErrors

	/** A stand-in for {@code http.Get}: no network in tests. */
	private static void fetch(String url) throws IOException {
		if (url.contains("somestupidname")) {
			throw new UnknownHostException("no such host: " + url);
		}
	}

	@Test
	@DisplayName("ExampleGroup_justErrors: S2 the failed fetch is what await throws")
	void S2_exampleJustErrors_failedFetchIsTheOutcome() {
		List<String> urls = List.of("http://www.golang.org/", "http://www.google.com/", "http://www.somestupidname.com/");
		try (ErrGroup g = this.factory.newGroup("just-errors")) {
			for (String url : urls) {
				g.go(() -> fetch(url));
			}
			assertThatThrownBy(g::await).isInstanceOf(ErrGroupException.class)
				.cause()
				.isInstanceOf(UnknownHostException.class)
				.hasMessageContaining("somestupidname");
		}
	}

	@Test
	@DisplayName("ExampleGroup_justErrors: S1 await returns normally when every fetch succeeds")
	void S1_exampleJustErrors_allFetched() {
		List<String> urls = List.of("http://www.golang.org/", "http://www.google.com/");
		AtomicInteger fetched = new AtomicInteger();
		try (ErrGroup g = this.factory.newGroup("just-errors")) {
			for (String url : urls) {
				g.go(() -> {
					fetch(url);
					fetched.incrementAndGet();
				});
			}
			g.await(); // "Successfully fetched all URLs."
		}
		assertThat(fetched.get()).isEqualTo(urls.size());
	}

	// ---- ExampleGroup_parallel

	@FunctionalInterface
	interface Search {

		String search(GroupContext ctx, String query) throws Exception;

	}

	private static Search fakeSearch(String kind) {
		return (ctx, query) -> kind + " result for \"" + query + "\"";
	}

	private List<String> google(String query, List<Search> searches) {
		try (ErrGroup g = this.factory.newGroup("google")) {
			String[] results = new String[searches.size()];
			for (int i = 0; i < searches.size(); i++) {
				int index = i;
				Search search = searches.get(i);
				g.go(ctx -> results[index] = search.search(ctx, query));
			}
			g.await();
			return List.of(results);
		}
	}

	@Test
	@DisplayName("ExampleGroup_parallel: S1 results of parallel searches, in order")
	void S1_exampleParallel_resultsInOrder() {
		List<String> results = google("golang", List.of(fakeSearch("web"), fakeSearch("image"), fakeSearch("video")));
		assertThat(results).containsExactly("web result for \"golang\"", "image result for \"golang\"",
				"video result for \"golang\"");
	}

	@Test
	@DisplayName("ExampleGroup_parallel: S2 a failing search is the error of the whole query")
	void S2_exampleParallel_failingSearchFailsTheQuery() {
		IOException down = new IOException("video backend down");
		Search video = (ctx, query) -> {
			throw down;
		};
		assertThatThrownBy(() -> google("golang", List.of(fakeSearch("web"), fakeSearch("image"), video)))
			.isInstanceOf(ErrGroupException.class)
			.hasCauseReference(down);
	}

	// ---- ExampleGroup_pipeline (MD5All)

	private static final int NUM_DIGESTERS = 6;

	@FunctionalInterface
	interface FileReader {

		byte[] read(Path path) throws IOException;

	}

	record Result(Path path, String sum) {
	}

	/**
	 * Go's {@code MD5All}: a walker feeding paths to digesters, results collected by the caller while
	 * another thread waits for the group and then closes the results channel. An empty {@code Optional}
	 * is a closed channel.
	 */
	private Map<Path, String> md5All(ErrGroupFactory factory, Path root, FileReader reader) throws Exception {
		try (ErrGroup g = factory.newGroup("md5all")) {
			BlockingQueue<Optional<Path>> paths = new SynchronousQueue<>();
			g.go(() -> {
				try (Stream<Path> walk = Files.walk(root)) {
					for (Iterator<Path> it = walk.iterator(); it.hasNext();) {
						Path path = it.next();
						if (Files.isRegularFile(path, LinkOption.NOFOLLOW_LINKS)) {
							paths.put(Optional.of(path)); // interrupted when the group is cancelled
						}
					}
				}
				for (int i = 0; i < NUM_DIGESTERS; i++) {
					paths.put(Optional.empty()); // close(paths)
				}
			});

			BlockingQueue<Optional<Result>> c = new SynchronousQueue<>();
			for (int i = 0; i < NUM_DIGESTERS; i++) {
				g.go(() -> {
					for (Optional<Path> path = paths.take(); path.isPresent(); path = paths.take()) {
						byte[] data = reader.read(path.get());
						c.put(Optional.of(new Result(path.get(), md5(data))));
					}
				});
			}
			Thread closer = new Thread(() -> { // go func() { g.Wait(); close(c) }()
				try {
					g.await();
				}
				catch (ErrGroupException ex) {
					// the caller waits again below and sees the same outcome (S9)
				}
				finally {
					try {
						c.put(Optional.empty());
					}
					catch (InterruptedException ex) {
						Thread.currentThread().interrupt();
					}
				}
			}, "md5all-closer");
			closer.setDaemon(true);
			closer.start();

			Map<Path, String> m = new TreeMap<>();
			for (;;) {
				Optional<Result> r = c.poll(10, SECONDS);
				assertThat(r).as("the pipeline stalled").isNotNull();
				if (r.isEmpty()) {
					break;
				}
				m.put(r.get().path(), r.get().sum());
			}
			// Check whether any of the tasks failed: a second await gives the first one's outcome (S9).
			g.await();
			return m;
		}
	}

	private static String md5(byte[] data) {
		try {
			return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(data));
		}
		catch (NoSuchAlgorithmException ex) {
			throw new IllegalStateException(ex);
		}
	}

	private static Map<Path, String> writeTree(Path root) throws IOException {
		Map<Path, String> expected = new TreeMap<>();
		String[] dirs = { "", "a", "a/b", "a/b/c", "d", "empty" };
		for (String dir : dirs) {
			Files.createDirectories(root.resolve(dir));
		}
		for (int i = 0; i < 30; i++) {
			String dir = dirs[i % (dirs.length - 1)]; // "empty" stays empty
			Path file = root.resolve(dir).resolve("file-" + i + ".txt");
			byte[] data = ("content of file " + i + "\n").repeat(i + 1).getBytes(StandardCharsets.UTF_8);
			Files.write(file, data);
			expected.put(file, md5(data));
		}
		return expected;
	}

	@Test
	@DisplayName("ExampleGroup_pipeline: S1 S11 MD5All digests every file of a tree through a pipeline of stages")
	void S1_examplePipeline_md5AllDigestsEveryFile(@TempDir Path root) throws Exception {
		Map<Path, String> expected = writeTree(root);
		ErrGroupFactory pipelineFactory = ErrGroupFactory.create(track(Executors.newFixedThreadPool(NUM_DIGESTERS + 1)));

		Map<Path, String> m = md5All(pipelineFactory, root, Files::readAllBytes);

		assertThat(m).isEqualTo(expected);
	}

	@Test
	@DisplayName("ExampleGroup_pipeline: S2 S3 a failing digester cancels the pipeline; the read error is the outcome")
	void S2_S3_examplePipeline_errorCancelsEveryStage(@TempDir Path root) throws Exception {
		Map<Path, String> expected = writeTree(root);
		Path bad = expected.keySet().iterator().next();
		IOException unreadable = new IOException("cannot read " + bad);
		ErrGroupFactory pipelineFactory = ErrGroupFactory.create(track(Executors.newFixedThreadPool(NUM_DIGESTERS + 1)));
		AtomicInteger reads = new AtomicInteger();

		Throwable thrown = catchThrowable(() -> md5All(pipelineFactory, root, path -> {
			reads.incrementAndGet();
			if (path.equals(bad)) {
				throw unreadable;
			}
			return Files.readAllBytes(path);
		}));

		// The walker and the digesters blocked on the channels were interrupted: their
		// InterruptedExceptions are consequences of the cancellation, not failures (S2).
		assertThat(thrown).isInstanceOf(ErrGroupException.class).hasCauseReference(unreadable);
		assertThat(thrown.getSuppressed()).isEmpty();
		assertThat(reads.get()).isLessThanOrEqualTo(expected.size());
	}

	private static void awaitFinal(Task<?> task) {
		eventually().until(() -> task.state().isFinal());
	}

}
