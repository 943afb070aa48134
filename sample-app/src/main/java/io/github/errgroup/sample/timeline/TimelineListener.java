package io.github.errgroup.sample.timeline;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BiFunction;
import java.util.function.UnaryOperator;

import io.github.errgroup.GroupInfo;
import io.github.errgroup.GroupListener;
import io.github.errgroup.TaskInfo;

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
		String name = task.name().orElse(null);
		update(task, (record, bar) -> bar.spawnedAt(record.at(task.spawnedNanos()), name));
	}

	@Override
	public void taskStarted(TaskInfo task) {
		String thread = Thread.currentThread().getName();
		update(task, (record, bar) -> bar.startedAt(record.at(task.startedNanos()), thread));
	}

	@Override
	public void taskFinished(TaskInfo task) {
		String outcome = task.state().name().toLowerCase(Locale.ROOT);
		String error = task.exception().map(String::valueOf).orElse(null);
		update(task, (record, bar) -> bar.finishedAt(record.at(task.finishedNanos()), outcome, error));
	}

	private void update(TaskInfo task, BiFunction<GroupRecord, TaskRecord, TaskRecord> update) {
		GroupRecord record = this.live.get(task.group().id());
		if (record != null) {
			record.task(task.index(), bar -> update.apply(record, bar));
		}
	}

	/**
	 * The recent groups, newest first, each with its nested groups.
	 * @return the groups
	 */
	public List<GroupRecord> recent() {
		return new ArrayList<>(this.recent);
	}

	/**
	 * One group, as the page draws it: times in epoch milliseconds (fractional), {@code null} until
	 * they happen; tasks by index; nested groups. Written by the listener's events, read as JSON.
	 */
	public static final class GroupRecord {

		private final long id;

		private final String name;

		private final double openedAt;

		private final long openedNanos;

		private final Integer limit;

		private final Map<Integer, TaskRecord> tasks = new ConcurrentHashMap<>();

		private final List<GroupRecord> children = new CopyOnWriteArrayList<>();

		private volatile Cancel cancel;

		private volatile Close close;

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

		/** Replaces a task's bar in one step: the listener's events for one task may come from different threads. */
		void task(int index, UnaryOperator<TaskRecord> update) {
			this.tasks.compute(index, (i, bar) -> update.apply((bar != null) ? bar : TaskRecord.of(i)));
		}

		void addChild(GroupRecord child) {
			this.children.add(child);
		}

		void cancelled(double at, String cause) {
			this.cancel = new Cancel(at, cause);
		}

		void closed(double at, String failure) {
			this.close = new Close(at, failure);
		}

		public long getId() {
			return this.id;
		}

		public String getName() {
			return this.name;
		}

		public double getOpenedAt() {
			return this.openedAt;
		}

		public Integer getLimit() {
			return this.limit;
		}

		public Double getCancelledAt() {
			Cancel cancel = this.cancel;
			return (cancel != null) ? cancel.at() : null;
		}

		public String getCancelCause() {
			Cancel cancel = this.cancel;
			return (cancel != null) ? cancel.cause() : null;
		}

		public Double getClosedAt() {
			Close close = this.close;
			return (close != null) ? close.at() : null;
		}

		public String getFailure() {
			Close close = this.close;
			return (close != null) ? close.failure() : null;
		}

		public List<TaskRecord> getTasks() {
			List<TaskRecord> list = new ArrayList<>(this.tasks.values());
			list.sort(Comparator.comparingInt(TaskRecord::index));
			return list;
		}

		public List<GroupRecord> getChildren() {
			return this.children;
		}

		private record Cancel(double at, String cause) {
		}

		private record Close(double at, String failure) {
		}

	}

	/**
	 * One task's bar: times in epoch milliseconds (fractional), {@code null} until they happen.
	 * @param index the task's index in its group
	 * @param name the name given to {@code go}, or {@code null}
	 * @param spawned when {@code go()} accepted it
	 * @param started when it started running
	 * @param finished when it ended
	 * @param outcome {@code running}, or its end state in lower case ({@code success}, {@code failed},
	 * {@code cancelled})
	 * @param thread the thread that ran it
	 * @param error what it threw, if it failed
	 */
	public record TaskRecord(int index, String name, Double spawned, Double started, Double finished, String outcome,
			String thread, String error) {

		static TaskRecord of(int index) {
			return new TaskRecord(index, null, null, null, null, "running", null, null);
		}

		TaskRecord spawnedAt(double at, String name) {
			return new TaskRecord(this.index, name, at, this.started, this.finished, this.outcome, this.thread, this.error);
		}

		TaskRecord startedAt(double at, String thread) {
			return new TaskRecord(this.index, this.name, this.spawned, at, this.finished, this.outcome, thread, this.error);
		}

		TaskRecord finishedAt(double at, String outcome, String error) {
			return new TaskRecord(this.index, this.name, this.spawned, this.started, at, outcome, this.thread, error);
		}

	}

}
