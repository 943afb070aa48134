package io.github.errgroup;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The {@linkplain DeadlineClock#system() system clock}: the one timer thread that fires group
 * deadlines, shared by every factory, started on first use.
 *
 * <p>The timer thread only hands each firing off, to a cached pool of daemon threads, and goes back
 * to its queue: a firing cancels a group, which runs its {@code onCancel} callbacks and cancels its
 * children, and a slow callback there must not delay every other group's deadline. Go's
 * {@code time.AfterFunc}, which cancels a {@code context.WithDeadline}, runs each function in its own
 * goroutine for the same reason. The hand-off changes nothing else: the cancel is the context's
 * compare-and-set, so a firing that loses to the group's end (S5) or to another cause does nothing,
 * and a group that seals after the firing won waits for the callbacks to have run (CANCEL_DONE).
 */
final class Deadlines implements DeadlineClock {

	static final Deadlines SYSTEM = new Deadlines();

	private Deadlines() {
	}

	@Override
	public Instant instant() {
		return Instant.now();
	}

	@Override
	public Scheduled schedule(Duration delay, Runnable action) {
		Future<?> timer = Holder.TIMER.schedule(() -> handOff(action), Group.saturatedNanos(delay), TimeUnit.NANOSECONDS);
		return () -> timer.cancel(false);
	}

	/** Runs on the timer thread: starts the firing elsewhere and returns. */
	private static void handOff(Runnable action) {
		try {
			Holder.FIRING.execute(action);
		}
		catch (RejectedExecutionException | OutOfMemoryError ex) {
			action.run(); // no thread to be had: a late deadline is worse than a delayed one
		}
	}

	@Override
	public String toString() {
		return "DeadlineClock.system()";
	}

	private static final class Holder {

		static final ScheduledThreadPoolExecutor TIMER = createTimer();

		/** Threads that cancel groups whose deadline passed; idle ones end after a minute. */
		static final ExecutorService FIRING = Executors.newCachedThreadPool(daemon("errgroup-deadline-"));

		private static ScheduledThreadPoolExecutor createTimer() {
			ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1, runnable -> {
				Thread thread = new Thread(runnable, "errgroup-deadlines");
				thread.setDaemon(true);
				return thread;
			});
			timer.setRemoveOnCancelPolicy(true); // a finished group leaves nothing behind
			return timer;
		}

		private static ThreadFactory daemon(String prefix) {
			AtomicInteger count = new AtomicInteger();
			return runnable -> {
				Thread thread = new Thread(runnable, prefix + count.incrementAndGet());
				thread.setDaemon(true);
				return thread;
			};
		}

	}

}
