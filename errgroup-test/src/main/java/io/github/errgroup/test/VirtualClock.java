package io.github.errgroup.test;

import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.PriorityQueue;
import java.util.concurrent.locks.ReentrantLock;

import io.github.errgroup.DeadlineClock;

/**
 * A clock for group deadlines that stands still until the test moves it: a test of an 800 ms
 * timeout takes no 800 ms, and a deadline fires exactly when the test says, never early because the
 * machine is fast or late because it is loaded. What Go 1.25's {@code testing/synctest} bubble does
 * for {@code time}, for the deadlines of one factory's groups.
 *
 * <pre>{@code
 * VirtualClock clock = new VirtualClock();
 * ErrGroupFactory factory = ErrGroupFactory.builder().executor(executor).deadlineClock(clock).build();
 *
 * ErrGroup group = factory.group("product").timeout(Duration.ofMillis(800)).open();
 * group.go(() -> slowCall());                  // blocks until cancelled
 * clock.advance(Duration.ofMillis(799));       // nothing happens
 * clock.advance(Duration.ofMillis(1));         // the deadline fires, here, on this thread
 * assertThatThrownBy(group::await).hasCauseInstanceOf(TimeoutException.class);
 * }</pre>
 *
 * In a Spring Boot test, a bean sets it on the auto-configured factory:
 * <pre>{@code
 * @Bean
 * ErrGroupFactoryBuilderCustomizer virtualTime(VirtualClock clock) {
 *     return builder -> builder.deadlineClock(clock);
 * }
 * }</pre>
 *
 * <h2>What it changes, and what not</h2>
 * <ul>
 * <li>The groups of a factory built with it read this clock for their {@code openedAt}, their
 * {@code GroupContext.deadline()} (the parent's cap, S14, included), their timers (S13), and
 * {@code GroupContext.timeLeft()}, which is what hands a deadline on (the starter's deadline header
 * and statement timeout). Nothing else: task code that sleeps, I/O timeouts, the
 * {@code System.nanoTime()} timings that metrics read and a request scope's own deadline still run
 * on real time.</li>
 * <li>{@link #advance(Duration)} fires every deadline that falls within the step, on the calling
 * thread, before it returns, earliest first and, at the same instant, in the order they were
 * scheduled; while one fires, {@link #instant()} reads its time. A firing cancels its group as a
 * real deadline does (S13): the cause is set, running tasks are interrupted and the group's
 * {@code onCancel} callbacks and child groups' cancellation have run when {@code advance} returns;
 * the tasks themselves finish on their own threads. A deadline that a firing schedules (a callback
 * opening a group with a timeout) fires in the same step if it falls within it.</li>
 * <li>It starts at 2000-01-01T00:00:00Z, as Go's bubble does, or where the test says. A group whose
 * parent lives on another clock (a request scope on real time) compares the two deadlines as
 * instants; keep such a test on one clock.</li>
 * </ul>
 * Thread-safe: any thread may schedule (groups open on any thread) and read; steps from several
 * threads take turns.
 */
public final class VirtualClock implements DeadlineClock {

	/** Where a clock made with {@link #VirtualClock()} starts: midnight UTC, 1 January 2000. */
	public static final Instant DEFAULT_START = Instant.parse("2000-01-01T00:00:00Z");

	/** Guards {@code now}'s writes, {@code timers} and {@code sequence}; never held while a timer runs. */
	private final ReentrantLock lock = new ReentrantLock();

	/** One step at a time, so that deadlines fire in one order. */
	private final ReentrantLock stepping = new ReentrantLock();

	private final PriorityQueue<Timer> timers = new PriorityQueue<>();

	private volatile Instant now;

	private long sequence;

	/**
	 * Creates a clock at {@link #DEFAULT_START}.
	 */
	public VirtualClock() {
		this(DEFAULT_START);
	}

	/**
	 * Creates a clock at the given time.
	 * @param start the time the clock reads until it is advanced
	 * @throws NullPointerException if {@code start} is {@code null}
	 */
	public VirtualClock(Instant start) {
		this.now = Objects.requireNonNull(start, "start must not be null");
	}

	/**
	 * Returns the clock's time: where it started plus every step so far (or, while a deadline fires,
	 * that deadline's time).
	 * @return now, on this clock
	 */
	@Override
	public Instant instant() {
		return this.now;
	}

	/**
	 * Schedules {@code action} for {@code delay} after the clock's time now; it runs in the
	 * {@link #advance(Duration)} that reaches that time.
	 * @param delay how long from now, not negative
	 * @param action what to run
	 * @return a handle that removes the action if it has not run
	 * @throws NullPointerException if an argument is {@code null}
	 * @throws IllegalArgumentException if {@code delay} is negative
	 */
	@Override
	public Scheduled schedule(Duration delay, Runnable action) {
		Objects.requireNonNull(delay, "delay must not be null");
		Objects.requireNonNull(action, "action must not be null");
		if (delay.isNegative()) {
			throw new IllegalArgumentException("delay must not be negative, but was " + delay);
		}
		this.lock.lock();
		try {
			Timer timer = new Timer(plusSaturated(this.now, delay), this.sequence++, action);
			this.timers.add(timer);
			return () -> cancel(timer);
		}
		finally {
			this.lock.unlock();
		}
	}

	private void cancel(Timer timer) {
		this.lock.lock();
		try {
			this.timers.remove(timer);
		}
		finally {
			this.lock.unlock();
		}
	}

	/**
	 * Moves the clock forward by {@code step}, firing on this thread, one by one, every deadline that
	 * falls within it: earliest first, and in the order they were scheduled at the same instant. The
	 * clock reads each deadline's time while it fires, and the end of the step afterwards.
	 * @param step how far, zero or more; zero fires what is due now
	 * @throws NullPointerException if {@code step} is {@code null}
	 * @throws IllegalArgumentException if {@code step} is negative: time does not go back
	 */
	public void advance(Duration step) {
		Objects.requireNonNull(step, "step must not be null");
		if (step.isNegative()) {
			throw new IllegalArgumentException("a VirtualClock only moves forward, but the step was " + step);
		}
		this.stepping.lock();
		try {
			Instant target = plusSaturated(this.now, step);
			for (;;) {
				Timer due;
				this.lock.lock();
				try {
					due = this.timers.peek();
					if (due == null || due.at.isAfter(target)) {
						this.now = target;
						return;
					}
					this.timers.poll();
					if (due.at.isAfter(this.now)) {
						this.now = due.at;
					}
				}
				finally {
					this.lock.unlock();
				}
				due.action.run(); // without the lock: it cancels a group, which may schedule or cancel timers
			}
		}
		finally {
			this.stepping.unlock();
		}
	}

	/**
	 * Returns the time of the earliest deadline not fired nor cancelled yet.
	 * @return that time, or empty when none is scheduled
	 */
	public Optional<Instant> nextDeadline() {
		this.lock.lock();
		try {
			Timer next = this.timers.peek();
			return (next != null) ? Optional.of(next.at) : Optional.empty();
		}
		finally {
			this.lock.unlock();
		}
	}

	/**
	 * Returns how many deadlines are scheduled and have neither fired nor been cancelled: a group that
	 * finished cancels its own.
	 * @return the count
	 */
	public int pendingDeadlines() {
		this.lock.lock();
		try {
			return this.timers.size();
		}
		finally {
			this.lock.unlock();
		}
	}

	@Override
	public String toString() {
		return "VirtualClock[" + this.now + ", " + pendingDeadlines() + " deadline(s) pending]";
	}

	private static Instant plusSaturated(Instant instant, Duration duration) {
		try {
			return instant.plus(duration);
		}
		catch (ArithmeticException | DateTimeException ex) {
			return Instant.MAX;
		}
	}

	private static final class Timer implements Comparable<Timer> {

		final Instant at;

		final long sequence;

		final Runnable action;

		Timer(Instant at, long sequence, Runnable action) {
			this.at = at;
			this.sequence = sequence;
			this.action = action;
		}

		@Override
		public int compareTo(Timer other) {
			int byTime = this.at.compareTo(other.at);
			return (byTime != 0) ? byTime : Long.compare(this.sequence, other.sequence);
		}

	}

}
