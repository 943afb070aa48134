package io.github.errgroup.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import io.github.errgroup.ErrGroup;
import io.github.errgroup.ErrGroupFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.support.StaticListableBeanFactory;

/**
 * What {@link ErrGroupFactories#isCancelledByShutdown} calls the shutdown's doing (S36): only a group
 * failure whose first cause is the cancellation that {@link ErrGroupFactories#shutDown()} sent, after it
 * began.
 */
class ErrGroupFactoriesTests {

	private final ExecutorService executor = Executors.newCachedThreadPool();

	private final ErrGroupFactory factory = ErrGroupFactory.create(this.executor);

	private final ErrGroupFactories factories = new ErrGroupFactories(
			new StaticListableBeanFactory(java.util.Map.of("factory", this.factory)).getBeanProvider(ErrGroupFactory.class));

	@AfterEach
	void shutDownExecutor() {
		this.executor.shutdownNow();
	}

	@Test
	void S36_aGroupTheShutdownCancelled_nestedOrWrappedByTheApplication_isTheShutdownsDoing() throws Exception {
		Future<Throwable> failure = blockedThenShutDown(true);
		Throwable failed = failure.get(30, TimeUnit.SECONDS);
		assertThat(this.factories.isCancelledByShutdown(failed)).as("%s", failed).isTrue();
		assertThat(this.factories.isCancelledByShutdown(new IllegalStateException("wrapped", failed))).isTrue();
	}

	@Test
	void S36_aTaskFailureOrADeadlineDuringTheShutdown_isNotTheShutdownsDoing() {
		this.factories.shutDown();
		ErrGroupFactory other = ErrGroupFactory.create(this.executor);
		Throwable taskFailure = catchThrowable(() -> {
			try (ErrGroup group = other.newGroup("failing")) {
				group.go(() -> {
					throw new IllegalStateException("the task's own failure");
				});
				group.await();
			}
		});
		Throwable deadline = catchThrowable(() -> {
			try (ErrGroup group = other.group("late").timeout(Duration.ofMillis(1)).open()) {
				group.go(() -> {
					new CountDownLatch(1).await();
					return null;
				});
				group.await();
			}
		});
		assertThat(this.factories.isCancelledByShutdown(taskFailure)).as("%s", taskFailure).isFalse();
		assertThat(this.factories.isCancelledByShutdown(deadline)).as("%s", deadline).isFalse();
		assertThat(this.factories.isCancelledByShutdown(new IllegalStateException())).isFalse();
	}

	@Test
	void S36_aGroupCancelledWithTheSameWordsBeforeTheShutdown_isNotTheShutdownsDoing() throws Exception {
		Future<Throwable> failure = blockedThenShutDown(false);
		this.factory.close(ErrGroupFactories.SHUTDOWN_REASON); // not through ErrGroupFactories: no shutdown began
		Throwable failed = failure.get(30, TimeUnit.SECONDS);
		assertThat(this.factories.isCancelledByShutdown(failed)).as("%s", failed).isFalse();
	}

	/** A group with a nested group blocked in it, on another thread; shut down through the registry if asked. */
	private Future<Throwable> blockedThenShutDown(boolean shutDown) throws InterruptedException {
		CountDownLatch inside = new CountDownLatch(1);
		Future<Throwable> failure = this.executor.submit(() -> catchThrowable(() -> {
			try (ErrGroup outer = this.factory.newGroup("outer")) {
				outer.go(() -> {
					try (ErrGroup nested = this.factory.newGroup("nested")) {
						nested.go(() -> {
							inside.countDown();
							new CountDownLatch(1).await();
							return null;
						});
						nested.await();
					}
					return null;
				});
				outer.await();
			}
		}));
		assertThat(inside.await(30, TimeUnit.SECONDS)).isTrue();
		if (shutDown) {
			this.factories.shutDown();
		}
		return failure;
	}

}
