package io.github.errgroup;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.concurrent.TimeoutException;

/**
 * A root cancellation context that no group owns: the Java twin of Go's
 * {@code context.WithCancel(context.Background())}, for frameworks that give a unit of work, such as
 * an HTTP request, its own context. Groups opened while the scope is {@linkplain #bind() bound} to
 * the thread, or given {@code parent(scope.context())}, are its children: cancelling the scope
 * cancels them with its cause, and its deadline caps theirs.
 *
 * <pre>{@code
 * CancellationScope request = CancellationScope.open("GET /api/products/{id}", Duration.ofSeconds(2));
 * try (CancellationScope.Binding bound = request.bind()) {
 *     handle(request);                       // groups opened here are children of the request
 * }
 * finally {
 *     request.cancel(new CancellationException("request completed"));
 * }
 * }</pre>
 *
 * <p><em>Integration hook</em> (see the package overview): applications open groups; a framework opens a scope per unit of work it
 * manages, so that the groups opened inside it belong to it.
 */
public final class CancellationScope {

	private final Root context;

	private final DeadlineClock.Scheduled deadlineTimer;

	private CancellationScope(String name, Duration timeout) {
		Objects.requireNonNull(name, "scope name must not be null");
		Instant deadline = null;
		if (timeout != null) {
			if (timeout.isZero() || timeout.isNegative()) {
				throw new IllegalArgumentException("timeout of scope '" + name + "' must be positive, but was " + timeout);
			}
			deadline = Group.plusSaturated(Deadlines.SYSTEM.instant(), timeout);
		}
		this.context = new Root(name, deadline);
		this.deadlineTimer = (timeout != null) ? Deadlines.SYSTEM.schedule(timeout,
				() -> this.context.cancel(new TimeoutException("'" + name + "' timed out after " + timeout))) : null;
	}

	/**
	 * Opens a scope with no deadline.
	 * @param name what the scope stands for, for example {@code "GET /api/products/{id}"}
	 * @return the live scope
	 * @throws NullPointerException if {@code name} is {@code null}
	 */
	public static CancellationScope open(String name) {
		return new CancellationScope(name, null);
	}

	/**
	 * Opens a scope that cancels itself with a {@link TimeoutException} once {@code timeout} has
	 * passed.
	 * @param name what the scope stands for
	 * @param timeout how long the scope may live, positive; {@code null} for no deadline
	 * @return the live scope
	 * @throws NullPointerException if {@code name} is {@code null}
	 * @throws IllegalArgumentException if {@code timeout} is zero or negative
	 */
	public static CancellationScope open(String name, Duration timeout) {
		return new CancellationScope(name, timeout);
	}

	/**
	 * Returns the scope's context, to read or to pass as a group's {@link GroupSpec#parent(GroupContext)}.
	 * @return the context
	 */
	public GroupContext context() {
		return this.context;
	}

	/**
	 * Cancels the scope and every group under it, unless it was cancelled before. Idempotent: only the
	 * first cause counts.
	 * @param cause why, for example "request completed" or "client disconnected"
	 * @return whether this call cancelled the scope
	 * @throws NullPointerException if {@code cause} is {@code null}
	 */
	public boolean cancel(Throwable cause) {
		Objects.requireNonNull(cause, "cause must not be null");
		boolean cancelled = this.context.cancel(cause);
		if (cancelled && this.deadlineTimer != null) {
			this.deadlineTimer.cancel();
		}
		return cancelled;
	}

	/**
	 * Makes this scope's context {@linkplain GroupContext#current() current} on this thread until the
	 * binding is closed, which restores what was current before.
	 * @return the binding, to close on the same thread
	 */
	public Binding bind() {
		Object previous = CancelContext.bind(this.context);
		Thread owner = Thread.currentThread();
		return () -> {
			if (Thread.currentThread() != owner) {
				throw new IllegalStateException("a CancellationScope binding must be closed on the thread that bound it");
			}
			CancelContext.restore(previous);
		};
	}

	@Override
	public String toString() {
		return "CancellationScope[" + this.context + "]";
	}

	/**
	 * A scope bound to a thread; closing it restores the previous binding.
	 */
	@FunctionalInterface
	public interface Binding extends AutoCloseable {

		/**
		 * Restores what was current before {@link CancellationScope#bind()}.
		 * @throws IllegalStateException if called on another thread
		 */
		@Override
		void close();

	}

	static final class Root extends CancelContext {

		Root(String name, Instant deadline) {
			super(name, deadline, Deadlines.SYSTEM);
		}

		@Override
		boolean isEnded() {
			return false; // a scope is in no factory's list
		}

	}

}
