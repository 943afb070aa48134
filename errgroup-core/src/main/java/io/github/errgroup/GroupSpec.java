package io.github.errgroup;

import java.time.Duration;
import java.util.Objects;

/**
 * The settings of a group about to be opened: {@code factory.group("search").limit(4).timeout(d).open()}.
 * The factory's {@link GroupCustomizer}s have already applied the configured profile for the name;
 * calls made here override it. Not thread-safe; {@link #open()} may be called more than once, each
 * call opening a new group with the same settings.
 */
public final class GroupSpec {

	private final ErrGroupFactory factory;

	private final String name;

	private int limit;

	private Duration timeout;

	private GroupContext parent;

	private boolean detached;

	GroupSpec(ErrGroupFactory factory, String name) {
		this.factory = factory;
		this.name = name;
	}

	/**
	 * Bounds the tasks of this group that are started and not finished, as Go's {@code SetLimit}:
	 * {@code go} then blocks until a slot frees, and {@code tryGo} returns empty.
	 * @param limit the most tasks running at once, at least 1
	 * @return this spec
	 * @throws IllegalArgumentException if {@code limit} is less than 1
	 */
	public GroupSpec limit(int limit) {
		if (limit < 1) {
			throw new IllegalArgumentException("limit must be at least 1 for group '" + this.name + "', but was "
					+ limit + " (omit limit(...) for no limit)");
		}
		this.limit = limit;
		return this;
	}

	/**
	 * Gives the group a deadline, this long after {@link #open()}. When it passes, the group is
	 * cancelled with a {@link java.util.concurrent.TimeoutException}. A parent's earlier deadline
	 * still applies.
	 * @param timeout how long the group may run, positive
	 * @return this spec
	 * @throws NullPointerException if {@code timeout} is {@code null}
	 * @throws IllegalArgumentException if {@code timeout} is zero or negative
	 */
	public GroupSpec timeout(Duration timeout) {
		Objects.requireNonNull(timeout, () -> "timeout of group '" + this.name + "' must not be null");
		if (timeout.isZero() || timeout.isNegative()) {
			throw new IllegalArgumentException(
					"timeout must be positive for group '" + this.name + "', but was " + timeout);
		}
		this.timeout = timeout;
		return this;
	}

	/**
	 * Makes the group a child of the given context, instead of the one current on this thread.
	 * @param parent the parent context, for example a task's context handed to another thread
	 * @return this spec
	 * @throws NullPointerException if {@code parent} is {@code null}
	 */
	public GroupSpec parent(GroupContext parent) {
		this.parent = Objects.requireNonNull(parent, () -> "parent of group '" + this.name + "' must not be null");
		return this;
	}

	/**
	 * Makes the group a root: no parent, whatever runs on this thread and whatever
	 * {@link #parent(GroupContext)} said. For work that must outlive the current request or task.
	 * @return this spec
	 */
	public GroupSpec detached() {
		this.detached = true;
		return this;
	}

	/**
	 * Opens the group.
	 * @return the new group
	 * @throws IllegalStateException if the factory was closed
	 */
	public ErrGroup open() {
		CancelContext parentContext = null;
		if (!this.detached) {
			parentContext = (this.parent != null) ? (CancelContext) this.parent : CancelContext.currentOrNull();
		}
		return this.factory.open(this.name, this.limit, this.timeout, parentContext);
	}

}
