package io.github.errgroup.spring.actuate;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import io.github.errgroup.ErrGroupFactory;
import io.github.errgroup.GroupInfo;
import io.github.errgroup.Task;
import io.github.errgroup.TaskInfo;
import io.github.errgroup.spring.actuate.ErrGroupsEndpoint.ErrGroupsEndpointRuntimeHints;
import org.jspecify.annotations.Nullable;

import org.springframework.aot.hint.BindingReflectionHintsRegistrar;
import org.springframework.aot.hint.RuntimeHints;
import org.springframework.aot.hint.RuntimeHintsRegistrar;
import org.springframework.boot.actuate.endpoint.OperationResponseBody;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.context.annotation.ImportRuntimeHints;

/**
 * {@link Endpoint @Endpoint} that shows the groups open now (S28), as a tree: each group's nested
 * groups are its {@code groups}. Each group has its name, age, state, deadline, limit, how many of
 * its tasks are in each state, its named tasks that have not ended with their state (S38: which
 * downstream is stuck), and its cancellation cause once cancelled. A group at the root that was
 * opened under a scope such as a web request's (a {@code CancellationScope}) shows that scope's name
 * as its {@code request}, the HTTP method and path, for example {@code GET /api/products/42}; nothing
 * else of the request, and never a query string. Read-only.
 */
@Endpoint(id = "errgroups")
@ImportRuntimeHints(ErrGroupsEndpointRuntimeHints.class)
public class ErrGroupsEndpoint {

	/** The most named tasks shown per group, so that a group of thousands of tasks stays readable. */
	static final int MAX_NAMED_TASKS = 50;

	private final Collection<ErrGroupFactory> factories;

	/**
	 * Creates the endpoint.
	 * @param factories the factories whose open groups it shows
	 */
	public ErrGroupsEndpoint(Collection<ErrGroupFactory> factories) {
		this.factories = List.copyOf(factories);
	}

	/**
	 * Returns the open groups of every factory, as a tree, oldest first at each level.
	 * @return the groups
	 */
	@ReadOperation
	public ErrGroupsDescriptor errGroups() {
		List<GroupInfo> open = new ArrayList<>();
		for (ErrGroupFactory factory : this.factories) {
			open.addAll(factory.openGroups());
		}
		open.sort(Comparator.comparingLong(GroupInfo::id)); // a parent is opened before its children
		long now = System.nanoTime();
		Map<Long, GroupDescriptor> byId = new HashMap<>();
		List<GroupDescriptor> roots = new ArrayList<>();
		for (GroupInfo group : open) {
			GroupDescriptor descriptor = new GroupDescriptor(group, now);
			byId.put(group.id(), descriptor);
			GroupDescriptor parent = group.parentGroup().map((p) -> byId.get(p.id())).orElse(null);
			if (parent != null) {
				parent.groups.add(descriptor);
			}
			else {
				descriptor.request = request(group);
				roots.add(descriptor);
			}
		}
		return new ErrGroupsDescriptor(roots);
	}

	/**
	 * The name of the scope that the group's top-most ancestor was opened under, when it is not a
	 * group: a web request's "METHOD /path". A parent group that has finished is walked through.
	 */
	private static @Nullable String request(GroupInfo group) {
		GroupInfo top = group;
		for (GroupInfo parent = top.parentGroup().orElse(null); parent != null; parent = parent.parentGroup()
			.orElse(null)) {
			top = parent;
		}
		String scope = top.parent().map((context) -> context.groupName()).orElse(null);
		if (scope == null) {
			return null;
		}
		// The web layer names scopes by method and path only; a query string may carry tokens or
		// personal data, so it is cut here too, whoever named the scope.
		int query = scope.indexOf('?');
		return (query >= 0) ? scope.substring(0, query) : scope;
	}

	/**
	 * The open groups.
	 */
	public static final class ErrGroupsDescriptor implements OperationResponseBody {

		private final List<GroupDescriptor> groups;

		private ErrGroupsDescriptor(List<GroupDescriptor> groups) {
			this.groups = groups;
		}

		/**
		 * Returns the groups at the root of the tree: those opened outside any open group.
		 * @return the root groups, oldest first
		 */
		public List<GroupDescriptor> getGroups() {
			return this.groups;
		}

	}

	/**
	 * One open group and the groups nested in it.
	 */
	public static final class GroupDescriptor {

		private final long id;

		private final String name;

		private final GroupInfo.State state;

		private final Duration age;

		private final @Nullable Instant deadline;

		private final @Nullable Integer limit;

		private final Map<Task.State, Integer> tasks;

		private final List<TaskDescriptor> namedTasks;

		private final @Nullable String cancelCause;

		private @Nullable String request;

		private final List<GroupDescriptor> groups = new ArrayList<>(0);

		private GroupDescriptor(GroupInfo group, long now) {
			this.id = group.id();
			this.name = group.name();
			this.state = group.state();
			this.age = Duration.ofNanos(Math.max(0L, now - group.openedNanos()));
			this.deadline = group.context().deadline().orElse(null);
			this.limit = group.limit().isPresent() ? group.limit().getAsInt() : null;
			Map<Task.State, Integer> tasks = new EnumMap<>(Task.State.class);
			for (Task.State taskState : Task.State.values()) {
				tasks.put(taskState, group.taskCount(taskState));
			}
			this.tasks = tasks;
			List<TaskDescriptor> named = new ArrayList<>(0);
			for (TaskInfo task : group.unfinishedTasks()) {
				if (named.size() == MAX_NAMED_TASKS) {
					break;
				}
				task.name().ifPresent((taskName) -> named.add(new TaskDescriptor(taskName, task.index(), task.state())));
			}
			this.namedTasks = named;
			Throwable cause = group.context().cause();
			this.cancelCause = (cause != null) ? cause.toString() : null;
		}

		/**
		 * Returns the group's identifier, unique within the application.
		 * @return the identifier
		 */
		public long getId() {
			return this.id;
		}

		/**
		 * Returns the group's name.
		 * @return the name
		 */
		public String getName() {
			return this.name;
		}

		/**
		 * Returns the group's state: {@code OPEN}, or {@code CANCELLED} while its tasks finish.
		 * @return the state
		 */
		public GroupInfo.State getState() {
			return this.state;
		}

		/**
		 * Returns how long ago the group was opened.
		 * @return the age
		 */
		public Duration getAge() {
			return this.age;
		}

		/**
		 * Returns the group's deadline: its own timeout's or an ancestor's, whichever is earlier.
		 * @return the deadline, or {@code null} when there is none
		 */
		public @Nullable Instant getDeadline() {
			return this.deadline;
		}

		/**
		 * Returns the most tasks of the group that may run at once.
		 * @return the limit, or {@code null} when unlimited
		 */
		public @Nullable Integer getLimit() {
			return this.limit;
		}

		/**
		 * Returns how many of the group's tasks are in each state.
		 * @return the counts, by task state
		 */
		public Map<Task.State, Integer> getTasks() {
			return this.tasks;
		}

		/**
		 * Returns the group's named tasks that have not ended (S38), oldest first, at most 50: which of
		 * them still run, or wait to. Unnamed and ended tasks are only counted, in {@link #getTasks()}.
		 * @return the named unfinished tasks
		 */
		public List<TaskDescriptor> getNamedTasks() {
			return this.namedTasks;
		}

		/**
		 * Returns why the group was cancelled.
		 * @return the cause, as its class name and message, or {@code null} while not cancelled
		 */
		public @Nullable String getCancelCause() {
			return this.cancelCause;
		}

		/**
		 * Returns, for a group at the root of the tree, the scope it was opened under: the HTTP method
		 * and path of the web request, such as {@code GET /api/products/42}, without any query
		 * string.
		 * @return the request, or {@code null} for a nested group or one opened outside a scope
		 */
		public @Nullable String getRequest() {
			return this.request;
		}

		/**
		 * Returns the open groups nested in this one.
		 * @return the child groups, oldest first
		 */
		public List<GroupDescriptor> getGroups() {
			return this.groups;
		}

	}

	/**
	 * A named task of an open group (S38).
	 * @param name the name given to {@code go}
	 * @param index the task's position in its group, from 0 in the order of {@code go}
	 * @param state {@code PENDING} or {@code RUNNING}, when the endpoint looked
	 */
	public record TaskDescriptor(String name, int index, Task.State state) {

	}

	static class ErrGroupsEndpointRuntimeHints implements RuntimeHintsRegistrar {

		private final BindingReflectionHintsRegistrar bindingRegistrar = new BindingReflectionHintsRegistrar();

		@Override
		public void registerHints(RuntimeHints hints, @Nullable ClassLoader classLoader) {
			this.bindingRegistrar.registerReflectionHints(hints.reflection(), ErrGroupsDescriptor.class);
		}

	}

}
