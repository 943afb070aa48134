package io.github.errgroup.spring.observation;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;

import io.github.errgroup.ErrGroup;
import io.github.errgroup.ErrGroupException;
import io.github.errgroup.ErrGroupFactory;
import io.micrometer.common.KeyValue;
import io.micrometer.common.KeyValues;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationHandler;
import io.micrometer.observation.ObservationRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * S27 without Spring: what {@link ErrGroupObservations} records, read from the stopped contexts.
 */
public class ErrGroupObservationsTests {

	private final Recorder recorder = new Recorder();

	private final ObservationRegistry registry = ObservationRegistry.create();

	private final ExecutorService pool = Executors.newFixedThreadPool(2);

	ErrGroupObservationsTests() {
		this.registry.observationConfig().observationHandler(this.recorder);
	}

	@AfterEach
	void shutDown() throws InterruptedException {
		this.pool.shutdownNow();
		assertThat(this.pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
	}

	@Test
	void S27_groupAndTasksAreObservedWithTheirOutcome() {
		ErrGroupFactory factory = ErrGroupFactory.builder()
			.executor(this.pool)
			.listener(new ErrGroupObservations(this.registry))
			.build();
		IllegalStateException failure = new IllegalStateException("no stock");
		try (ErrGroup group = factory.newGroup("stock")) {
			group.go(() -> "ok");
			group.await();
		}
		try (ErrGroup group = factory.newGroup("stock")) {
			group.go(() -> {
				throw failure;
			});
			assertThatExceptionOfType(ErrGroupException.class).isThrownBy(group::await);
		}
		List<Observation.Context> groups = this.recorder.named("errgroup.group");
		assertThat(groups).hasSize(2);
		assertThat(keys(groups.get(0))).containsEntry("group", "stock").containsEntry("outcome", "success");
		assertThat(groups.get(0).getError()).isNull();
		assertThat(keys(groups.get(1))).containsEntry("outcome", "failure");
		assertThat(groups.get(1).getError()).isSameAs(failure);
		assertThat(groups.get(1).getContextualName()).isEqualTo("group stock");
		List<Observation.Context> tasks = this.recorder.named("errgroup.task");
		assertThat(tasks).hasSize(2);
		assertThat(keys(tasks.get(0))).containsEntry("group", "stock")
			.containsEntry("outcome", "success")
			.containsEntry("exception", "none");
		assertThat(keys(tasks.get(1))).containsEntry("outcome", "failure")
			.containsEntry("exception", "IllegalStateException");
		assertThat(tasks.get(1).getError()).isSameAs(failure);
		assertThat(tasks.get(1).getContextualName()).isEqualTo("task stock");
		assertThat(tasks).allSatisfy((task) -> assertThat(task.getParentObservation()).isNotNull());
	}

	@Test
	void S27_theTaskIsTheCurrentObservationInItsBody_andAGroupOpenedThereIsItsChild() {
		ErrGroupFactory factory = ErrGroupFactory.builder()
			.executor(this.pool)
			.listener(new ErrGroupObservations(this.registry))
			.build();
		AtomicReference<Observation> inBody = new AtomicReference<>();
		try (ErrGroup group = factory.newGroup("outer")) {
			group.go(() -> {
				inBody.set(this.registry.getCurrentObservation());
				try (ErrGroup nested = factory.newGroup("inner")) {
					nested.go(() -> "inner task");
					nested.await();
				}
			});
			group.await();
		}
		assertThat(this.registry.getCurrentObservation()).as("nothing left current on this thread").isNull();
		Observation.Context outerTask = this.recorder.named("errgroup.task").stream()
			.filter((context) -> keys(context).get("group").equals("outer"))
			.findFirst()
			.orElseThrow();
		assertThat(inBody.get()).isNotNull();
		assertThat(inBody.get().getContext()).isSameAs(outerTask);
		Observation.Context inner = this.recorder.named("errgroup.group").stream()
			.filter((context) -> keys(context).get("group").equals("inner"))
			.findFirst()
			.orElseThrow();
		assertThat(inner.getParentObservation().getContextView()).isSameAs(outerTask);
	}

	@Test
	void S27_aTaskDroppedBeforeItStartedIsObservedAsCancelled() {
		List<Runnable> neverRun = new CopyOnWriteArrayList<>();
		ErrGroupFactory factory = ErrGroupFactory.builder()
			.executor(neverRun::add)
			.listener(new ErrGroupObservations(this.registry))
			.build();
		try (ErrGroup group = factory.newGroup("dropped")) {
			group.go(() -> "never runs");
			group.cancel();
			assertThatExceptionOfType(ErrGroupException.class).isThrownBy(group::await);
		}
		assertThat(neverRun).hasSize(1);
		assertThat(this.recorder.named("errgroup.task")).singleElement()
			.satisfies((task) -> assertThat(keys(task)).containsEntry("outcome", "cancelled")
				.containsEntry("exception", "none"));
		assertThat(this.recorder.named("errgroup.group")).singleElement()
			.satisfies((group) -> assertThat(keys(group)).containsEntry("outcome", "cancelled"));
	}

	@Test
	void S27_customConventionsReplaceTheDefaults() {
		ErrGroupFactory factory = ErrGroupFactory.builder()
			.executor(this.pool)
			.listener(new ErrGroupObservations(this.registry, new DefaultGroupObservationConvention() {
				@Override
				public String getContextualName(GroupObservationContext context) {
					return "fan-out " + context.getGroup().name();
				}
			}, new DefaultTaskObservationConvention() {
				@Override
				protected KeyValue exception(TaskObservationContext context) {
					return KeyValue.of("exception", "hidden");
				}
			}))
			.build();
		try (ErrGroup group = factory.newGroup("custom")) {
			group.go(() -> "ok");
			group.await();
		}
		assertThat(this.recorder.named("errgroup.group").get(0).getContextualName()).isEqualTo("fan-out custom");
		assertThat(keys(this.recorder.named("errgroup.task").get(0))).containsEntry("exception", "hidden");
	}

	@Test
	void S27_aNoopRegistryObservesNothing() {
		ErrGroupFactory factory = ErrGroupFactory.builder()
			.executor(this.pool)
			.listener(new ErrGroupObservations(ObservationRegistry.NOOP))
			.build();
		try (ErrGroup group = factory.newGroup("quiet")) {
			group.go(() -> "ok");
			group.await();
		}
		assertThat(this.recorder.stopped).isEmpty();
	}

	@Test
	void S38_aNamedTaskIsNamedInItsSpan_andItsNameIsNeverALowCardinalityKey() {
		ErrGroupFactory factory = ErrGroupFactory.builder()
			.executor(this.pool)
			.listener(new ErrGroupObservations(this.registry))
			.build();
		try (ErrGroup group = factory.newGroup("product")) {
			group.go("pricing", () -> "9.99");
			group.await();
		}
		try (ErrGroup group = factory.newGroup("product")) {
			group.go(() -> "unnamed");
			group.await();
		}
		List<Observation.Context> tasks = this.recorder.named("errgroup.task");
		assertThat(tasks).extracting(Observation.Context::getContextualName).containsExactly("task pricing", "task product");
		assertThat(highKeys(tasks.get(0))).containsExactly(Map.entry("errgroup.task.name", "pricing"));
		assertThat(highKeys(tasks.get(1))).as("an unnamed task has no name key").isEmpty();
		// Meters are made from the low-cardinality keys (S26): the name must not be among them.
		assertThat(tasks).allSatisfy((task) -> assertThat(keys(task)).containsOnlyKeys("group", "outcome", "exception"));
	}

	private static Map<String, String> keys(Observation.Context context) {
		return asMap(context.getLowCardinalityKeyValues());
	}

	private static Map<String, String> highKeys(Observation.Context context) {
		return asMap(context.getHighCardinalityKeyValues());
	}

	private static Map<String, String> asMap(KeyValues keyValues) {
		return keyValues.stream().collect(Collectors.toMap(KeyValue::getKey, KeyValue::getValue));
	}

	/** Every observation, once stopped. */
	public static final class Recorder implements ObservationHandler<Observation.Context> {

		public final List<Observation.Context> stopped = new CopyOnWriteArrayList<>();

		@Override
		public boolean supportsContext(Observation.Context context) {
			return true;
		}

		@Override
		public void onStop(Observation.Context context) {
			this.stopped.add(context);
		}

		public List<Observation.Context> named(String name) {
			return this.stopped.stream().filter((context) -> name.equals(context.getName())).toList();
		}

	}

}
