package io.github.errgroup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The factory, its builder hooks and bad input. */
class FactoryTest {

	private final ExecutorService pool = Pools.fixed(2, "factory");

	@AfterEach
	void shutdown() {
		this.pool.shutdownNow();
	}

	@Test
	void newGroupIsNamedDefault() {
		ErrGroup group = ErrGroupFactory.create(this.pool).newGroup();
		assertThat(group.name()).isEqualTo("default");
		group.await();
	}

	@Test
	void badInputFailsAtOnceWithAMessage() {
		ErrGroupFactory factory = ErrGroupFactory.create(this.pool);
		assertThatThrownBy(() -> ErrGroupFactory.create(null)).isInstanceOf(NullPointerException.class)
			.hasMessageContaining("executor");
		assertThatThrownBy(() -> ErrGroupFactory.builder().build()).isInstanceOf(IllegalStateException.class)
			.hasMessageContaining("executor is required");
		assertThatThrownBy(() -> factory.newGroup(null)).isInstanceOf(NullPointerException.class)
			.hasMessageContaining("name");
		assertThatThrownBy(() -> factory.newGroup("  ")).isInstanceOf(IllegalArgumentException.class)
			.hasMessageContaining("blank");
		assertThatThrownBy(() -> factory.group("x").parent(null)).isInstanceOf(NullPointerException.class)
			.hasMessageContaining("parent");
		ErrGroup group = factory.newGroup("x");
		assertThatThrownBy(() -> group.go((java.util.concurrent.Callable<Object>) null))
			.isInstanceOf(NullPointerException.class)
			.hasMessageContaining("task must not be null");
		assertThatThrownBy(() -> group.go((GroupTask<Object>) null)).isInstanceOf(NullPointerException.class);
		assertThatThrownBy(() -> group.go((VoidTask) null)).isInstanceOf(NullPointerException.class);
		assertThatThrownBy(() -> group.tryGo((VoidTask) null)).isInstanceOf(NullPointerException.class);
		group.await();
		assertThatThrownBy(() -> ErrGroupFactory.builder().listener(null)).isInstanceOf(NullPointerException.class);
		assertThatThrownBy(() -> ErrGroupFactory.builder().taskDecorator(null)).isInstanceOf(NullPointerException.class);
		assertThatThrownBy(() -> ErrGroupFactory.builder().customizer(null)).isInstanceOf(NullPointerException.class);
	}

	@Test
	void S20_customizersApplyBeforeTheCallersSpec_whichWins() {
		List<String> seen = new ArrayList<>();
		ErrGroupFactory factory = ErrGroupFactory.builder().executor(this.pool).customizer((name, spec) -> {
			seen.add(name);
			spec.limit(2).timeout(Duration.ofSeconds(10));
		}).customizer((name, spec) -> {
			if (name.equals("search")) {
				spec.limit(4);
			}
		}).build();
		GroupInfo profiled = (GroupInfo) factory.newGroup("search");
		assertThat(profiled.limit()).hasValue(4);
		assertThat(profiled.context().deadline()).isPresent();
		GroupInfo overridden = (GroupInfo) factory.group("search").limit(7).open();
		assertThat(overridden.limit()).hasValue(7);
		GroupInfo other = (GroupInfo) factory.newGroup();
		assertThat(other.limit()).hasValue(2);
		assertThat(seen).containsExactly("search", "search", "default");
		for (GroupInfo g : List.of(profiled, overridden, other)) {
			((ErrGroup) g).await();
		}
	}

	@Test
	void S16_theDecoratorIsCalledOnTheSubmittingThreadAndWrapsTheRun() {
		ThreadLocal<String> user = new ThreadLocal<>();
		List<String> decoratedOn = new ArrayList<>();
		ErrGroupFactory factory = ErrGroupFactory.builder().executor(this.pool).taskDecorator(runnable -> {
			decoratedOn.add(Thread.currentThread().getName());
			String captured = user.get();
			return () -> {
				user.set(captured);
				try {
					runnable.run();
				}
				finally {
					user.remove();
				}
			};
		}).build();
		user.set("alice");
		ErrGroup group = factory.newGroup("s16");
		Task<String> seen = group.go(user::get);
		group.await();
		user.remove();
		assertThat(seen.resultNow()).isEqualTo("alice");
		assertThat(decoratedOn).containsExactly(Thread.currentThread().getName());
	}

	@Test
	void decoratorsComposeFirstInnermost() {
		List<String> order = new ArrayList<>();
		ErrGroupFactory factory = ErrGroupFactory.builder()
			.executor(Runnable::run)
			.taskDecorator(r -> () -> {
				order.add("first");
				r.run();
			})
			.taskDecorator(r -> () -> {
				order.add("second");
				r.run();
			})
			.build();
		ErrGroup group = factory.newGroup("compose");
		group.go(() -> order.add("task"));
		group.await();
		assertThat(order).containsExactly("second", "first", "task");
	}

	@Test
	void aDecoratorThatDropsTheTaskFailsTheTaskInsteadOfLosingIt() {
		ErrGroupFactory factory = ErrGroupFactory.builder().executor(this.pool).taskDecorator(r -> () -> {
		}).build();
		ErrGroup group = factory.newGroup("dropped");
		group.go(() -> 1);
		assertThat(catchThrowableOfType(ErrGroupException.class, group::await).getCause())
			.isInstanceOf(IllegalStateException.class)
			.hasMessageContaining("decorator");
	}

	@Test
	void theBlockingGuardCanRefuseToBlockInAwaitAndInALimitedGo() throws Exception {
		ThreadLocal<Boolean> nonBlocking = ThreadLocal.withInitial(() -> false);
		ErrGroupFactory factory = ErrGroupFactory.builder().executor(this.pool).blockingGuard(() -> {
			if (nonBlocking.get()) {
				throw new IllegalStateException("blocking here is not allowed; use awaitAsync()");
			}
		}).build();
		CountDownLatch release = new CountDownLatch(1);
		ErrGroup group = factory.group("guarded").limit(1).open();
		group.go(() -> release.await());
		nonBlocking.set(true);
		try {
			assertThatThrownBy(() -> group.go(() -> 2)).hasMessageContaining("awaitAsync");
			assertThatThrownBy(group::await).hasMessageContaining("awaitAsync");
			assertThat(group.tryGo(() -> 3)).as("tryGo never blocks, so it is never refused").isEmpty();
		}
		finally {
			nonBlocking.set(false);
		}
		release.countDown();
		group.awaitAsync().get(10, java.util.concurrent.TimeUnit.SECONDS);
		nonBlocking.set(true);
		try {
			group.await(); // finished: nothing to block for
		}
		finally {
			nonBlocking.remove();
		}
		assertThat(((GroupInfo) group).taskCount(Task.State.CANCELLED)).as("the refused go's task").isEqualTo(1);
	}

	@Test
	void closeCancelsOpenGroupsAndRefusesNewOnes() throws Exception {
		ErrGroupFactory factory = ErrGroupFactory.create(this.pool);
		CountDownLatch running = new CountDownLatch(1);
		ErrGroup open = factory.newGroup("open");
		open.go(() -> {
			running.countDown();
			return Pools.blockUntilInterrupted();
		});
		running.await();
		assertThat(factory.openGroups()).extracting(GroupInfo::name).containsExactly("open");
		factory.close();
		ErrGroupException ex = catchThrowableOfType(ErrGroupException.class, open::await);
		assertThat(ex.getCause()).isInstanceOf(CancellationException.class).hasMessageContaining("shutting down");
		assertThatThrownBy(factory::newGroup).isInstanceOf(IllegalStateException.class).hasMessageContaining("shut down");
		assertThatThrownBy(() -> factory.group("x")).isInstanceOf(IllegalStateException.class);
		assertThat(factory.openGroups()).isEmpty();
		factory.close();
	}

	@Test
	void theFactoryDoesNotOwnTheExecutor() {
		ExecutorService own = Executors.newSingleThreadExecutor();
		try {
			ErrGroupFactory.create(own).close();
			assertThat(own.isShutdown()).isFalse();
		}
		finally {
			own.shutdownNow();
		}
	}

}
