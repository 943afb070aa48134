package io.github.errgroup.test;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;

import io.github.errgroup.ErrGroup;
import io.github.errgroup.ErrGroupFactory;
import io.github.errgroup.GroupContext;
import io.github.errgroup.GroupInfo;
import io.github.errgroup.Task;

import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.platform.commons.support.HierarchyTraversalMode;
import org.junit.platform.commons.support.ReflectionSupport;

/**
 * Fails a test that leaves a group open, and so tasks running: what {@code goleak} does for
 * goroutines. A group is open until its {@code await()} or {@code close()} returns; one still open
 * after the test means its tasks outlive the test and run into the next one. The failure prints the
 * open groups as a tree: name, state, age, deadline, tasks per state, cancel cause.
 *
 * <pre>{@code
 * @ExtendWith(ErrGroupLeakCheck.class)
 * class CheckoutTest {
 *
 *     ErrGroupFactory factory = ErrGroupFactory.create(executor);   // found: a field of the test
 *     ...
 * }
 * }</pre>
 *
 * <h2>Which groups it sees</h2>
 * The groups of the factories it watches, read through {@link ErrGroupFactory#openGroups()} (the hook
 * the {@code errgroups} actuator endpoint reads), so a factory needs no listener nor any other change
 * to be checked, and one the test did not build (a Spring bean) is checked as it is. It watches:
 * <ul>
 * <li>every field of type {@link ErrGroupFactory} of the test instance (enclosing instances of a
 * {@code @Nested} test, superclasses and static fields included), read before and after each test:
 * {@code @Autowired ErrGroupFactory factory;} is enough in a Spring test;</li>
 * <li>the factories given to {@link #watch(ErrGroupFactory)}, with the extension registered as a
 * field: {@code @RegisterExtension ErrGroupLeakCheck leaks = new ErrGroupLeakCheck();}.</li>
 * </ul>
 * Groups already open when the test began (a background job of a shared Spring context, say) are not
 * the test's and are left alone, as goleak's {@code IgnoreCurrent()} does. Tests that run in parallel
 * and share a factory see each other's groups: give each its own factory, or run them one at a time.
 *
 * <h2>When it fails</h2>
 * After each test, and after its {@code @AfterEach} methods, it waits up to a grace period for the
 * groups to finish (a group awaited with {@code awaitAsync()} finishes when its last task does):
 * {@link #gracePeriod(Duration)}, else the JUnit configuration parameter
 * {@value #GRACE_PERIOD_PROPERTY} (an ISO-8601 duration, {@code PT2S}), else
 * {@link #DEFAULT_GRACE_PERIOD}. Then it fails the test with an {@link AssertionError}, and cancels
 * the groups it reports, so that their tasks stop rather than run into the next test. Nothing
 * waits longer than the grace period.
 */
public final class ErrGroupLeakCheck implements BeforeEachCallback, AfterEachCallback {

	/** The JUnit configuration parameter for the grace period: {@value}. */
	public static final String GRACE_PERIOD_PROPERTY = "errgroup.leak-check.grace-period";

	/** How long groups may take to finish after the test, unless configured: one second. */
	public static final Duration DEFAULT_GRACE_PERIOD = Duration.ofSeconds(1);

	private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(ErrGroupLeakCheck.class);

	private static final String BASELINE = "groups open before the test";

	private final Set<ErrGroupFactory> watched = ConcurrentHashMap.newKeySet();

	/** The groups open when {@link #watch} was called: not the test's. */
	private final Set<Long> openWhenWatched = ConcurrentHashMap.newKeySet();

	private volatile Duration gracePeriod;

	/**
	 * Creates the extension: {@code @ExtendWith(ErrGroupLeakCheck.class)} does, or the test, to
	 * register it with {@code @RegisterExtension} and configure it.
	 */
	public ErrGroupLeakCheck() {
	}

	/**
	 * Sets how long groups may take to finish after the test before it fails.
	 * @param gracePeriod zero or more
	 * @return this extension
	 * @throws NullPointerException if {@code gracePeriod} is {@code null}
	 * @throws IllegalArgumentException if {@code gracePeriod} is negative
	 */
	public ErrGroupLeakCheck gracePeriod(Duration gracePeriod) {
		this.gracePeriod = checkedGracePeriod(gracePeriod, "gracePeriod");
		return this;
	}

	/**
	 * Watches a factory that is not a field of the test, for example one the code under test builds;
	 * may be called inside the test. Its groups open at the time of the call are not the test's.
	 * @param factory the factory
	 * @return this extension
	 * @throws NullPointerException if {@code factory} is {@code null}
	 */
	public ErrGroupLeakCheck watch(ErrGroupFactory factory) {
		Objects.requireNonNull(factory, "factory must not be null");
		for (GroupInfo group : factory.openGroups()) {
			this.openWhenWatched.add(group.id());
		}
		this.watched.add(factory);
		return this;
	}

	/**
	 * Checks, outside JUnit's callbacks, that the given factories have no open group, waiting up to
	 * {@code gracePeriod} for them to finish: goleak's {@code VerifyNone}.
	 * @param gracePeriod how long the groups may take to finish, zero or more
	 * @param factories the factories
	 * @throws AssertionError listing the open groups as a tree, when there are any after the grace period
	 */
	public static void verifyNone(Duration gracePeriod, ErrGroupFactory... factories) {
		Duration grace = checkedGracePeriod(gracePeriod, "gracePeriod");
		List<GroupInfo> leaked = awaitFinished(Arrays.asList(factories), Set.of(), grace);
		if (!leaked.isEmpty()) {
			throw leakFailure("", leaked, grace);
		}
	}

	@Override
	public void beforeEach(ExtensionContext context) {
		Set<Long> baseline = new HashSet<>();
		for (ErrGroupFactory factory : factories(context)) {
			for (GroupInfo group : factory.openGroups()) {
				baseline.add(group.id());
			}
		}
		context.getStore(NAMESPACE).put(BASELINE, baseline);
	}

	@Override
	public void afterEach(ExtensionContext context) {
		@SuppressWarnings("unchecked")
		Set<Long> baseline = new HashSet<>(context.getStore(NAMESPACE).getOrDefault(BASELINE, Set.class, Set.of()));
		baseline.addAll(this.openWhenWatched);
		Duration grace = gracePeriod(context);
		List<GroupInfo> leaked = awaitFinished(factories(context), baseline, grace);
		if (leaked.isEmpty()) {
			return;
		}
		AssertionError failure = leakFailure(" by " + context.getDisplayName(), leaked, grace);
		for (GroupInfo group : leaked) {
			ErrGroup owned = (ErrGroup) group; // every GroupInfo is its group
			owned.cancel(new CancellationException("group '" + group.name() + "' was leaked by test "
					+ context.getDisplayName() + ": ErrGroupLeakCheck cancelled it"));
			owned.awaitAsync(); // nobody awaits a leaked group: let it finish when its last task ends
		}
		throw failure;
	}

	private Duration gracePeriod(ExtensionContext context) {
		Duration own = this.gracePeriod;
		if (own != null) {
			return own;
		}
		Optional<String> configured = context.getConfigurationParameter(GRACE_PERIOD_PROPERTY);
		if (configured.isEmpty()) {
			return DEFAULT_GRACE_PERIOD;
		}
		try {
			return checkedGracePeriod(Duration.parse(configured.get().trim()), GRACE_PERIOD_PROPERTY);
		}
		catch (DateTimeParseException ex) {
			throw new IllegalArgumentException(GRACE_PERIOD_PROPERTY + " must be an ISO-8601 duration such as PT2S or PT0.5S, but was '"
					+ configured.get() + "'", ex);
		}
	}

	private static Duration checkedGracePeriod(Duration gracePeriod, String what) {
		Objects.requireNonNull(gracePeriod, () -> what + " must not be null");
		if (gracePeriod.isNegative()) {
			throw new IllegalArgumentException(what + " must not be negative, but was " + gracePeriod);
		}
		return gracePeriod;
	}

	/** The watched factories and those in the fields of the test's instances and classes. */
	private Collection<ErrGroupFactory> factories(ExtensionContext context) {
		Set<ErrGroupFactory> found = new LinkedHashSet<>(this.watched);
		List<Object> instances = context.getTestInstances().map(i -> i.getAllInstances()).orElse(List.of());
		Set<Class<?>> classes = new LinkedHashSet<>();
		context.getTestClass().ifPresent(classes::add);
		instances.forEach(instance -> classes.add(instance.getClass()));
		for (Class<?> type : classes) {
			for (Field field : ReflectionSupport.findFields(type, f -> ErrGroupFactory.class.isAssignableFrom(f.getType()),
					HierarchyTraversalMode.TOP_DOWN)) {
				if (Modifier.isStatic(field.getModifiers())) {
					read(field, null, found);
				}
				else {
					for (Object instance : instances) {
						if (field.getDeclaringClass().isInstance(instance)) {
							read(field, instance, found);
						}
					}
				}
			}
		}
		return found;
	}

	private static void read(Field field, Object instance, Set<ErrGroupFactory> found) {
		ReflectionSupport.tryToReadFieldValue(field, instance)
			.toOptional()
			.ifPresent(value -> found.add((ErrGroupFactory) value));
	}

	/**
	 * Polls the factories until no group outside {@code baseline} is open or the grace period has
	 * passed, and returns those still open. Polls rather than listens, so that a factory needs no
	 * listener; backs off from 1 ms to 50 ms, as goleak does.
	 */
	private static List<GroupInfo> awaitFinished(Collection<ErrGroupFactory> factories, Set<Long> baseline, Duration grace) {
		long deadline = System.nanoTime() + grace.toNanos();
		long pauseNanos = TimeUnit.MILLISECONDS.toNanos(1);
		for (;;) {
			List<GroupInfo> open = new ArrayList<>();
			for (ErrGroupFactory factory : factories) {
				for (GroupInfo group : factory.openGroups()) {
					if (!baseline.contains(group.id()) && group.state() != GroupInfo.State.AWAITED
							&& group.state() != GroupInfo.State.CLOSED) {
						open.add(group);
					}
				}
			}
			long left = deadline - System.nanoTime();
			if (open.isEmpty() || left <= 0) {
				return open;
			}
			try {
				TimeUnit.NANOSECONDS.sleep(Math.min(pauseNanos, left));
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				return open;
			}
			pauseNanos = Math.min(pauseNanos * 2, TimeUnit.MILLISECONDS.toNanos(50));
		}
	}

	private static AssertionError leakFailure(String byWhom, List<GroupInfo> leaked, Duration grace) {
		StringBuilder message = new StringBuilder();
		message.append(leaked.size()).append(leaked.size() == 1 ? " group" : " groups").append(" left open").append(byWhom)
			.append(", still open ").append(grace).append(" after it ended (a group is open until its await() or close()"
					+ " returns; its tasks run on):");
		Map<Long, GroupInfo> byId = leaked.stream().collect(Collectors.toMap(GroupInfo::id, Function.identity()));
		long now = System.nanoTime();
		leaked.stream()
			.filter(g -> g.parentGroup().map(p -> !byId.containsKey(p.id())).orElse(true))
			.sorted(Comparator.comparingLong(GroupInfo::id))
			.forEach(root -> appendTree(message, root, leaked, 1, now, true));
		return new AssertionError(message.toString());
	}

	private static void appendTree(StringBuilder out, GroupInfo group, List<GroupInfo> leaked, int depth, long now,
			boolean root) {
		String indent = "  ".repeat(depth);
		out.append('\n').append(indent).append("group '").append(group.name()).append("' #").append(group.id()).append(' ')
			.append(group.state()).append(", opened ").append(seconds(now - group.openedNanos())).append(" ago");
		GroupContext context = group.context();
		context.deadline().ifPresent(deadline -> out.append(", deadline ").append(deadline));
		group.limit().ifPresent(limit -> out.append(", limit ").append(limit));
		if (root) {
			group.parentGroup().ifPresentOrElse(
					parent -> out.append(", child of group '").append(parent.name()).append("' #").append(parent.id()),
					() -> group.parent()
						.ifPresent(parent -> out.append(", child of '").append(parent.groupName()).append('\'')));
		}
		out.append('\n').append(indent).append("  tasks: ");
		out.append(Arrays.stream(Task.State.values())
			.map(state -> group.taskCount(state) + " " + state.name().toLowerCase(Locale.ROOT))
			.collect(Collectors.joining(", ")));
		Throwable cause = context.cause();
		if (cause != null) {
			out.append('\n').append(indent).append("  cause: ").append(cause);
		}
		leaked.stream()
			.filter(g -> g.parentGroup().map(p -> p.id() == group.id()).orElse(false))
			.sorted(Comparator.comparingLong(GroupInfo::id))
			.forEach(child -> appendTree(out, child, leaked, depth + 1, now, false));
	}

	private static String seconds(long nanos) {
		return String.format(Locale.ROOT, "%.3f s", nanos / 1e9);
	}

}
