package io.github.errgroup.spring.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;

import io.github.errgroup.ErrGroup;
import io.github.errgroup.ErrGroupException;
import io.github.errgroup.ErrGroupFactory;
import io.github.errgroup.Task;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.annotation.Import;
import org.springframework.stereotype.Service;

/**
 * S18 in a whole application: a {@code @Service} gets the {@code ErrGroupFactory} injected and fans
 * out with it.
 */
@SpringBootTest(properties = "errgroup.executor.pool.core-size=4")
class S18_ServiceFanOutSpringBootTests {

	@Autowired
	private DashboardService dashboards;

	@Test
	void S18_serviceFansOutOnTheErrGroupExecutor() {
		Dashboard dashboard = this.dashboards.load(42);
		assertThat(dashboard.profile()).isEqualTo("profile of 42");
		assertThat(dashboard.orders()).containsExactly("order 42-1", "order 42-2");
		assertThat(dashboard.threads()).hasSize(2).anyMatch((name) -> name.startsWith("errgroup-"));
	}

	@Test
	void S18_serviceSeesTheFirstFailureAndTheSiblingsAreCancelled() {
		assertThatThrownBy(() -> this.dashboards.load(-1)).isInstanceOf(ErrGroupException.class)
			.cause()
			.isInstanceOf(IllegalArgumentException.class)
			.hasMessage("no customer -1");
	}

	record Dashboard(String profile, List<String> orders, Set<String> threads) {
	}

	@Service
	static class DashboardService {

		private final ErrGroupFactory groups;

		DashboardService(ErrGroupFactory groups) {
			this.groups = groups;
		}

		/**
		 * Loads the profile and the orders at once. The two tasks meet (each waits until the other has
		 * started), which shows that they ran side by side, so at least one on the errgroup pool.
		 */
		Dashboard load(int customer) {
			Set<String> threads = ConcurrentHashMap.newKeySet();
			CountDownLatch profileStarted = new CountDownLatch(1);
			CountDownLatch ordersStarted = new CountDownLatch(1);
			try (ErrGroup group = this.groups.newGroup("dashboard")) {
				Task<String> profile = group.go(() -> {
					threads.add(Thread.currentThread().getName());
					profileStarted.countDown();
					if (customer < 0) {
						throw new IllegalArgumentException("no customer " + customer);
					}
					ordersStarted.await();
					return "profile of " + customer;
				});
				Task<List<String>> orders = group.go(() -> {
					threads.add(Thread.currentThread().getName());
					ordersStarted.countDown();
					if (customer < 0) {
						new CountDownLatch(1).await(); // until the sibling's failure cancels the group
					}
					profileStarted.await();
					return List.of("order " + customer + "-1", "order " + customer + "-2");
				});
				group.await();
				return new Dashboard(profile.resultNow(), orders.resultNow(), threads);
			}
		}

	}

	@SpringBootConfiguration
	@EnableAutoConfiguration
	@Import(DashboardService.class)
	static class Application {

	}

}
