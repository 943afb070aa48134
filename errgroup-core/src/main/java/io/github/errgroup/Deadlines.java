package io.github.errgroup;

import java.util.concurrent.Future;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The one timer thread that fires group deadlines, shared by every factory, started on first use.
 * A deadline fires {@code cancel}, which only flips state, interrupts and runs {@code onCancel}
 * callbacks; callbacks are expected to be short, like everything run by a cancelling thread.
 */
final class Deadlines {

	private Deadlines() {
	}

	static Future<?> schedule(Runnable action, long delayNanos) {
		return Holder.TIMER.schedule(action, delayNanos, TimeUnit.NANOSECONDS);
	}

	private static final class Holder {

		static final ScheduledThreadPoolExecutor TIMER = create();

		private static ScheduledThreadPoolExecutor create() {
			ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1, runnable -> {
				Thread thread = new Thread(runnable, "errgroup-deadlines");
				thread.setDaemon(true);
				return thread;
			});
			timer.setRemoveOnCancelPolicy(true); // a finished group leaves nothing behind
			return timer;
		}

	}

}
