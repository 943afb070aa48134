package io.github.errgroup;

import java.time.Duration;
import java.time.Instant;

/**
 * Where group deadlines come from: the time a deadline is computed from, and the timer that fires it.
 * A factory's groups read {@link #instant()} when they open (their {@link GroupInfo#openedAt()}, and
 * their {@link GroupContext#deadline()} is that plus the timeout, capped by the parent's, S14), and
 * ask {@link #schedule(Duration, Runnable)} to cancel them when the timeout has passed (S13).
 *
 * <p>The default, {@link #system()}, is the JVM's clock and one shared timer thread. A test sets
 * another one, a clock it advances by hand, with
 * {@link ErrGroupFactory.Builder#deadlineClock(DeadlineClock)}; the {@code errgroup-test} module's
 * {@code VirtualClock} is one.
 *
 * <p><em>Integration hook</em> (see the package overview): applications keep the default.
 *
 * <h2>What an implementation must do</h2>
 * <ul>
 * <li>{@link #instant()} never goes backwards.</li>
 * <li>A scheduled action runs at most once, not before {@link #instant()} has reached the time it
 * was scheduled for, on any thread, holding none of the clock's locks.</li>
 * <li>The action cancels a group: it runs the group's {@code onCancel} callbacks and the
 * cancellation of its child groups, which may be slow. A clock that fires from one timer thread hands
 * each action to another thread, as the system clock does, so that one slow callback does not delay
 * every other deadline.</li>
 * <li>{@link Scheduled#cancel()} may come at any time, from any thread, even while or after the action
 * runs; the engine tolerates an action that runs after its {@code cancel} (cancelling a context
 * twice does nothing), so it is a clean-up, not a promise.</li>
 * </ul>
 */
public interface DeadlineClock {

	/**
	 * Returns the default clock: {@link Instant#now()}, and one timer thread shared by every factory
	 * that hands each firing to a pool of daemon threads, so that a slow {@code onCancel} callback
	 * delays no other deadline.
	 * @return the system clock
	 */
	static DeadlineClock system() {
		return Deadlines.SYSTEM;
	}

	/**
	 * Returns the current time of this clock.
	 * @return now
	 */
	Instant instant();

	/**
	 * Runs {@code action} once {@code delay} has passed on this clock.
	 * @param delay how long from now, positive; may be as long as {@link Duration} allows
	 * @param action what to run, on a thread of the clock's choosing
	 * @return a handle to cancel the action
	 */
	Scheduled schedule(Duration delay, Runnable action);

	/**
	 * An action scheduled by {@link DeadlineClock#schedule(Duration, Runnable)}.
	 */
	@FunctionalInterface
	interface Scheduled {

		/**
		 * Cancels the action if it has not run yet; does nothing otherwise.
		 */
		void cancel();

	}

}
