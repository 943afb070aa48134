package io.github.errgroup.spring.metrics;

import java.time.Duration;
import java.util.Collection;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

import io.github.errgroup.ErrGroupFactory;
import io.github.errgroup.GroupInfo;
import io.github.errgroup.GroupListener;
import io.github.errgroup.Task;
import io.github.errgroup.TaskInfo;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.config.MeterFilter;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

/**
 * The Micrometer meters of errgroup (S26), every one tagged {@code group} with the group's name:
 * <ul>
 * <li>{@code errgroup.tasks.spawned} (counter): tasks that {@code go} or {@code tryGo} accepted;</li>
 * <li>{@code errgroup.tasks.failed} (counter, tag {@code exception}, the simple class name): tasks
 * that ended {@code FAILED};</li>
 * <li>{@code errgroup.tasks.cancelled} (counter): tasks that ended {@code CANCELLED}, started or
 * not;</li>
 * <li>{@code errgroup.task.duration} (timer, tag {@code outcome} = {@code success}, {@code failure} or
 * {@code cancelled}): every task, from {@code go} to its final state, so time spent queued or held
 * back by a limit counts;</li>
 * <li>{@code errgroup.tasks.active} (gauge): tasks whose body runs now;</li>
 * <li>{@code errgroup.groups.active} (gauge): groups opened and not finished;</li>
 * <li>{@code errgroup.tasks.overdue} (gauge): tasks still running longer than the overdue threshold
 * after their group was cancelled, which is to say tasks that ignore interrupts.</li>
 * </ul>
 * Every task is spawned once and finishes once, so at rest {@code spawned} equals the timer's count,
 * and equals {@code success + failure + cancelled} exactly.
 *
 * <p>A thin reader of the core's events: the counters and the timer count {@link GroupListener}
 * events, and the gauges read the groups that are open now, as the factory reports them, so nothing
 * here keeps a copy of a group's bookkeeping that could drift from it.
 *
 * <p>Group names are tag values, so their number is bounded: once {@code maxGroupNames} distinct
 * names have been seen, groups with a new name are tagged {@code group=other}, and a warning says so
 * once. Register it with an {@link ErrGroupFactory.Builder#listener(GroupListener)}; in Spring Boot,
 * the auto-configured factory does that.
 *
 * <p>One meter per concept: these are errgroup's only meters. The {@code errgroup.group} and
 * {@code errgroup.task} observations (S27) are there for traces; from them, Micrometer's
 * {@code DefaultMeterObservationHandler} (which Spring Boot installs) would derive a second set under
 * other names, without the bound on group names: the timers {@code errgroup.task} and
 * {@code errgroup.group} and the long task timers {@code errgroup.task.active} and
 * {@code errgroup.group.active}. {@link #denyObservationMeters()} keeps those out of a registry; in
 * Spring Boot, the observation auto-configuration registers it, whether these meters are on or not.
 */
public final class ErrGroupMetrics implements GroupListener {

	/** The {@code group} tag of the groups whose name came after the limit. */
	public static final String OTHER = "other";

	/** The observations (S27) whose derived meters {@link #denyObservationMeters()} denies. */
	private static final Set<String> OBSERVATIONS = Set.of("errgroup.group", "errgroup.task");

	private static final String ACTIVE = ".active";

	private static final Log logger = LogFactory.getLog(ErrGroupMetrics.class);

	private final MeterRegistry registry;

	private final Supplier<? extends Collection<? extends GroupInfo>> openGroups;

	private final long overdueThresholdNanos;

	private final int maxGroupNames;

	private final LongSupplier nanoTime;

	/** The names that are their own tag value; at most {@code maxGroupNames}, added under its lock. */
	private final Set<String> tagged = ConcurrentHashMap.newKeySet();

	/** The meters by tag value: each tagged name, and {@code other} once needed. */
	private final Map<String, GroupMeters> meters = new ConcurrentHashMap<>();

	private final AtomicBoolean warned = new AtomicBoolean();

	/**
	 * Creates the meters' recorder. Nothing is registered until a group is opened.
	 * @param registry where to register the meters
	 * @param openGroups the groups open now, read by the gauges; typically
	 * {@link ErrGroupFactory#openGroups() factory::openGroups} of the factories this listener is
	 * registered with
	 * @param overdueThreshold how long a task may keep running after its group was cancelled before
	 * {@code errgroup.tasks.overdue} counts it; one longer than about 292 years, which a
	 * {@code nanoTime} difference cannot reach, counts no task
	 * @param maxGroupNames how many distinct group names become tag values; later ones are tagged
	 * {@value #OTHER}
	 * @throws IllegalArgumentException if the threshold is negative or the maximum is negative
	 */
	public ErrGroupMetrics(MeterRegistry registry, Supplier<? extends Collection<? extends GroupInfo>> openGroups,
			Duration overdueThreshold, int maxGroupNames) {
		this(registry, openGroups, overdueThreshold, maxGroupNames, System::nanoTime);
	}

	ErrGroupMetrics(MeterRegistry registry, Supplier<? extends Collection<? extends GroupInfo>> openGroups,
			Duration overdueThreshold, int maxGroupNames, LongSupplier nanoTime) {
		this.registry = Objects.requireNonNull(registry, "registry must not be null");
		this.openGroups = Objects.requireNonNull(openGroups, "openGroups must not be null");
		if (overdueThreshold.isNegative()) {
			throw new IllegalArgumentException("overdueThreshold must not be negative, but was " + overdueThreshold);
		}
		if (maxGroupNames < 0) {
			throw new IllegalArgumentException("maxGroupNames must be zero or more, but was " + maxGroupNames);
		}
		this.overdueThresholdNanos = saturatedNanos(overdueThreshold);
		this.maxGroupNames = maxGroupNames;
		this.nanoTime = nanoTime;
	}

	/**
	 * Returns a filter that denies the meters a {@code DefaultMeterObservationHandler} derives from the
	 * errgroup observations: the timers {@code errgroup.group} and {@code errgroup.task}, and the long
	 * task timers {@code errgroup.group.active} and {@code errgroup.task.active}. Three of them measure
	 * what {@code errgroup.task.duration}, {@code errgroup.groups.active} and
	 * {@code errgroup.tasks.active} measure, under other names and without the bound on group names, so
	 * a dashboard would find two meters for one concept; the fourth, {@code errgroup.group} (a group's
	 * whole time), is no S26 meter and would bypass the bound as well: the group's span carries that
	 * time. Meters of other observations, and every meter of this class, pass. An observation renamed
	 * by a convention of the application's own derives meters under its new name, which pass too.
	 * @return the filter, for {@code MeterRegistry.config().meterFilter(...)} or, in Spring Boot, a
	 * {@code MeterFilter} bean
	 */
	public static MeterFilter denyObservationMeters() {
		return MeterFilter.deny(ErrGroupMetrics::derivedFromObservation);
	}

	private static boolean derivedFromObservation(Meter.Id id) {
		String name = id.getName();
		return switch (id.getType()) {
			case TIMER -> OBSERVATIONS.contains(name);
			case LONG_TASK_TIMER -> name.endsWith(ACTIVE)
					&& OBSERVATIONS.contains(name.substring(0, name.length() - ACTIVE.length()));
			default -> false;
		};
	}

	/**
	 * Registers the meters of the group's name, the first time that name is seen, so that its gauges
	 * and zero counts exist from the first group on.
	 * @param group the group
	 */
	@Override
	public void groupOpened(GroupInfo group) {
		meters(group.name());
	}

	/**
	 * Counts the task in {@code errgroup.tasks.spawned}.
	 * @param task the task
	 */
	@Override
	public void taskSpawned(TaskInfo task) {
		meters(task.group().name()).spawned.increment();
	}

	/**
	 * Records the task's time in {@code errgroup.task.duration} with its outcome, and counts it in
	 * {@code errgroup.tasks.failed} or {@code errgroup.tasks.cancelled} when it did not succeed.
	 * @param task the task, in its final state
	 */
	@Override
	public void taskFinished(TaskInfo task) {
		GroupMeters meters = meters(task.group().name());
		long nanos = Math.max(0L, task.finishedNanos() - task.spawnedNanos());
		Task.State state = task.state();
		if (state == Task.State.SUCCESS) {
			meters.succeededTime.record(nanos, TimeUnit.NANOSECONDS);
		}
		else if (state == Task.State.FAILED) {
			meters.failedTime.record(nanos, TimeUnit.NANOSECONDS);
			meters.failed(task.exception().map(Object::getClass).orElse(null)).increment();
		}
		else {
			meters.cancelledTime.record(nanos, TimeUnit.NANOSECONDS);
			meters.cancelled.increment();
		}
	}

	private GroupMeters meters(String name) {
		GroupMeters meters = this.meters.get(name);
		return (meters != null) ? meters : admit(name);
	}

	/** The slow path, once per new name, or per event of a name past the limit. */
	private GroupMeters admit(String name) {
		if (this.tagged.size() < this.maxGroupNames) {
			synchronized (this.tagged) {
				if (this.tagged.contains(name) || this.tagged.size() < this.maxGroupNames) {
					this.tagged.add(name);
					return this.meters.computeIfAbsent(name, GroupMeters::new);
				}
			}
		}
		if (this.warned.compareAndSet(false, true)) {
			logger.warn("Group '" + name + "' is tagged group=" + OTHER + " in the errgroup.* meters, as is every "
					+ "group with a name not seen before: " + this.maxGroupNames + " distinct group names (the "
					+ "maximum, errgroup.metrics.max-group-names) have been seen. Group names are tag values: give "
					+ "groups a few fixed names, such as 'dashboard', not one per request or per id; or raise "
					+ "errgroup.metrics.max-group-names.");
		}
		return this.meters.computeIfAbsent(OTHER, GroupMeters::new);
	}

	/** The tag of an open group, as the gauges see it; unlike {@link #meters(String)}, admits nothing. */
	private String tagOf(GroupInfo group) {
		String name = group.name();
		return this.tagged.contains(name) ? name : OTHER;
	}

	private double groupsActive(String tag) {
		int count = 0;
		for (GroupInfo group : this.openGroups.get()) {
			if (tag.equals(tagOf(group))) {
				count++;
			}
		}
		return count;
	}

	private double tasksActive(String tag) {
		long count = 0;
		for (GroupInfo group : this.openGroups.get()) {
			if (tag.equals(tagOf(group))) {
				count += group.taskCount(Task.State.RUNNING);
			}
		}
		return count;
	}

	private double tasksOverdue(String tag) {
		long now = this.nanoTime.getAsLong();
		long count = 0;
		for (GroupInfo group : this.openGroups.get()) {
			long cancelled = group.cancelledNanos();
			// 0 means live; the difference, not a comparison of readings, is what nanoTime allows.
			if (cancelled != 0 && now - cancelled > this.overdueThresholdNanos && tag.equals(tagOf(group))) {
				count += group.taskCount(Task.State.RUNNING);
			}
		}
		return count;
	}

	private static long saturatedNanos(Duration duration) {
		try {
			return duration.toNanos();
		}
		catch (ArithmeticException ex) {
			return Long.MAX_VALUE;
		}
	}

	private static String simpleName(Class<?> type) {
		String simpleName = type.getSimpleName();
		return simpleName.isEmpty() ? type.getName() : simpleName; // anonymous and hidden classes
	}

	/** The meters of one {@code group} tag value. */
	private final class GroupMeters {

		private final String tag;

		private final Counter spawned;

		private final Counter cancelled;

		private final Timer succeededTime;

		private final Timer failedTime;

		private final Timer cancelledTime;

		private final Map<Class<?>, Counter> failed = new ConcurrentHashMap<>();

		GroupMeters(String tag) {
			this.tag = tag;
			MeterRegistry registry = ErrGroupMetrics.this.registry;
			this.spawned = Counter.builder("errgroup.tasks.spawned")
				.description("Tasks that go() or tryGo() accepted")
				.tag("group", tag)
				.register(registry);
			this.cancelled = Counter.builder("errgroup.tasks.cancelled")
				.description("Tasks that ended cancelled: dropped before they started, or stopped by their group's cancellation")
				.tag("group", tag)
				.register(registry);
			this.succeededTime = timer("success");
			this.failedTime = timer("failure");
			this.cancelledTime = timer("cancelled");
			Gauge.builder("errgroup.tasks.active", ErrGroupMetrics.this, (metrics) -> metrics.tasksActive(tag))
				.description("Tasks whose body is running now")
				.tag("group", tag)
				.strongReference(true)
				.register(registry);
			Gauge.builder("errgroup.groups.active", ErrGroupMetrics.this, (metrics) -> metrics.groupsActive(tag))
				.description("Groups opened and not finished yet")
				.tag("group", tag)
				.strongReference(true)
				.register(registry);
			Gauge.builder("errgroup.tasks.overdue", ErrGroupMetrics.this, (metrics) -> metrics.tasksOverdue(tag))
				.description("Tasks still running longer than the overdue threshold after their group was cancelled: "
						+ "tasks that ignore interrupts")
				.tag("group", tag)
				.strongReference(true)
				.register(registry);
		}

		private Timer timer(String outcome) {
			return Timer.builder("errgroup.task.duration")
				.description("Time from go() to the task's final state, queueing included")
				.tag("group", this.tag)
				.tag("outcome", outcome)
				.register(ErrGroupMetrics.this.registry);
		}

		Counter failed(@Nullable Class<?> exceptionType) {
			if (exceptionType == null) {
				return this.failed.computeIfAbsent(Void.class, (type) -> failedCounter("none"));
			}
			return this.failed.computeIfAbsent(exceptionType, (type) -> failedCounter(simpleName(type)));
		}

		private Counter failedCounter(String exception) {
			return Counter.builder("errgroup.tasks.failed")
				.description("Tasks that ended by throwing, other than as a consequence of their group's cancellation")
				.tag("group", this.tag)
				.tag("exception", exception)
				.register(ErrGroupMetrics.this.registry);
		}

	}

}
