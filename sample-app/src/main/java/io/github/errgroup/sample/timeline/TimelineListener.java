package io.github.errgroup.sample.timeline;

import io.github.errgroup.GroupInfo;
import io.github.errgroup.GroupListener;
import io.github.errgroup.TaskInfo;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import org.springframework.stereotype.Component;

/**
 * Keeps the most recent groups, with their tasks' bars, for the timeline page: a thin reader of the
 * {@link GroupListener} event stream, like the metrics and the actuator endpoint.
 */
@Component
public class TimelineListener implements GroupListener {

	private static final int KEPT = 10;

	private final Map<Long, GroupRecord> live = new ConcurrentHashMap<>();

	private final Deque<GroupRecord> recent = new ConcurrentLinkedDeque<>();

	@Override
	public void groupOpened(GroupInfo group) {
		GroupRecord parent = group.parentGroup().map(p -> this.live.get(p.id())).orElse(null);
		GroupRecord record = new GroupRecord(group.id(), group.name(), group.openedAt().toEpochMilli(),
				group.openedNanos(), group.limit().isPresent() ? group.limit().getAsInt() : null);
		this.live.put(group.id(), record);
		if (parent != null) {
			parent.addChild(record);
		}
		else {
			this.recent.addFirst(record);
			while (this.recent.size() > KEPT) {
				this.recent.pollLast();
			}
		}
	}

	@Override
	public void groupCancelled(GroupInfo group) {
		GroupRecord record = this.live.get(group.id());
		// Every group is cancelled when it finishes (Go's rule); only a cancellation while it was
		// still open is a moment worth marking.
		if (record != null && group.state() == GroupInfo.State.CANCELLED) {
			record.cancelled(record.at(group.cancelledNanos()), String.valueOf(group.context().cause()));
		}
	}

	@Override
	public void groupClosed(GroupInfo group) {
		GroupRecord record = this.live.remove(group.id());
		if (record != null) {
			record.closed(record.at(System.nanoTime()), group.failure().map(f -> String.valueOf(f.getCause())).orElse(null));
		}
	}

	@Override
	public void taskSpawned(TaskInfo task) {
		GroupRecord record = this.live.get(task.group().id());
		if (record != null) {
			record.task(task.index()).spawned = record.at(task.spawnedNanos());
		}
	}

	@Override
	public void taskStarted(TaskInfo task) {
		GroupRecord record = this.live.get(task.group().id());
		if (record != null) {
			TaskRecord bar = record.task(task.index());
			bar.started = record.at(task.startedNanos());
			bar.thread = Thread.currentThread().getName();
		}
	}

	@Override
	public void taskFinished(TaskInfo task) {
		GroupRecord record = this.live.get(task.group().id());
		if (record != null) {
			TaskRecord bar = record.task(task.index());
			bar.finished = record.at(task.finishedNanos());
			bar.outcome = task.state().name().toLowerCase();
			bar.error = task.exception().map(String::valueOf).orElse(null);
		}
	}

	/**
	 * The recent groups, newest first, each with its nested groups.
	 * @return the groups
	 */
	public List<GroupRecord> recent() {
		return new ArrayList<>(this.recent);
	}

	/** One group: times in epoch milliseconds (fractional), tasks by index, nested groups. */
	public static final class GroupRecord {

		public final long id;

		public final String name;

		public final double openedAt;

		public final Integer limit;

		public volatile Double cancelledAt;

		public volatile String cancelCause;

		public volatile Double closedAt;

		public volatile String failure;

		private final long openedNanos;

		private final Map<Integer, TaskRecord> tasks = new ConcurrentHashMap<>();

		private final List<GroupRecord> children = new java.util.concurrent.CopyOnWriteArrayList<>();

		GroupRecord(long id, String name, long openedAt, long openedNanos, Integer limit) {
			this.id = id;
			this.name = name;
			this.openedAt = openedAt;
			this.openedNanos = openedNanos;
			this.limit = limit;
		}

		double at(long nanos) {
			return this.openedAt + (nanos - this.openedNanos) / 1_000_000.0;
		}

		TaskRecord task(int index) {
			return this.tasks.computeIfAbsent(index, TaskRecord::new);
		}

		void addChild(GroupRecord child) {
			this.children.add(child);
		}

		void cancelled(double at, String cause) {
			this.cancelCause = cause;
			this.cancelledAt = at;
		}

		void closed(double at, String failure) {
			this.failure = failure;
			this.closedAt = at;
		}

		public List<TaskRecord> getTasks() {
			List<TaskRecord> list = new ArrayList<>(this.tasks.values());
			list.sort((a, b) -> Integer.compare(a.index, b.index));
			return list;
		}

		public List<GroupRecord> getChildren() {
			return this.children;
		}

	}

	/** One task's bar. */
	public static final class TaskRecord {

		public final int index;

		public volatile Double spawned;

		public volatile Double started;

		public volatile Double finished;

		public volatile String outcome = "running";

		public volatile String thread;

		public volatile String error;

		TaskRecord(int index) {
			this.index = index;
		}

	}

}
