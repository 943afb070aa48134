package io.github.errgroup.spring.actuate;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import io.github.errgroup.CancellationScope;
import io.github.errgroup.ErrGroup;
import io.github.errgroup.ErrGroupException;
import io.github.errgroup.ErrGroupFactory;
import io.github.errgroup.GroupInfo;
import io.github.errgroup.Task;
import io.github.errgroup.spring.actuate.ErrGroupsEndpoint.GroupDescriptor;
import io.github.errgroup.spring.actuate.ErrGroupsEndpoint.TaskDescriptor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * S28: the {@code errgroups} endpoint shows the open groups as a tree, with the request that opened
 * the root, and no query string.
 */
class ErrGroupsEndpointTests {

	private final ExecutorService pool = Executors.newFixedThreadPool(3);

	private final ErrGroupFactory factory = ErrGroupFactory.create(this.pool);

	private final ErrGroupsEndpoint endpoint = new ErrGroupsEndpoint(List.of(this.factory));

	@AfterEach
	void shutDown() throws InterruptedException {
		this.pool.shutdownNow();
		assertThat(this.pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
	}

	@Test
	void S28_openGroupsAsATree_withTheRequestOfTheRoot_withoutItsQueryString() throws Exception {
		CountDownLatch nestedRunning = new CountDownLatch(1);
		CountDownLatch release = new CountDownLatch(1);
		// Named with a query string on purpose: the web layer leaves it out, and the endpoint must too.
		CancellationScope request = CancellationScope.open("GET /api/products/42?token=s3cr3t&user=alice");
		ErrGroup page;
		try (CancellationScope.Binding bound = request.bind()) {
			page = this.factory.group("page").limit(3).timeout(Duration.ofMinutes(10)).open();
		}
		ErrGroup report = this.factory.newGroup("report");
		try {
			page.go(() -> {
				try (ErrGroup recommendations = this.factory.newGroup("recommendations")) {
					recommendations.go(() -> {
						nestedRunning.countDown();
						release.await();
					});
					recommendations.await();
				}
			});
			CountDownLatch secondRunning = new CountDownLatch(1);
			page.go(() -> {
				secondRunning.countDown();
				release.await();
			});
			report.cancel(new IllegalStateException("report no longer needed"));
			assertThat(nestedRunning.await(30, TimeUnit.SECONDS)).isTrue();
			assertThat(secondRunning.await(30, TimeUnit.SECONDS)).isTrue(); // both of page's tasks run

			List<GroupDescriptor> roots = this.endpoint.errGroups().getGroups();
			assertThat(roots).extracting(GroupDescriptor::getName).containsExactly("page", "report");

			GroupDescriptor pageDescriptor = roots.get(0);
			assertThat(pageDescriptor.getRequest()).isEqualTo("GET /api/products/42");
			assertThat(pageDescriptor.getState()).isEqualTo(GroupInfo.State.OPEN);
			assertThat(pageDescriptor.getLimit()).isEqualTo(3);
			assertThat(pageDescriptor.getDeadline()).isAfter(Instant.now());
			assertThat(pageDescriptor.getAge()).isPositive();
			assertThat(pageDescriptor.getTasks()).containsEntry(Task.State.RUNNING, 2)
				.containsEntry(Task.State.PENDING, 0)
				.containsEntry(Task.State.SUCCESS, 0);
			assertThat(pageDescriptor.getCancelCause()).isNull();

			assertThat(pageDescriptor.getGroups()).singleElement().satisfies((nested) -> {
				assertThat(nested.getName()).isEqualTo("recommendations");
				assertThat(nested.getRequest()).as("only a root names the request").isNull();
				assertThat(nested.getLimit()).isNull();
				assertThat(nested.getDeadline()).as("the parent's deadline caps the child's")
					.isEqualTo(pageDescriptor.getDeadline());
				assertThat(nested.getTasks()).containsEntry(Task.State.RUNNING, 1);
				assertThat(nested.getGroups()).isEmpty();
			});

			GroupDescriptor reportDescriptor = roots.get(1);
			assertThat(reportDescriptor.getRequest()).as("opened outside any request").isNull();
			assertThat(reportDescriptor.getState()).isEqualTo(GroupInfo.State.CANCELLED);
			assertThat(reportDescriptor.getCancelCause())
				.isEqualTo("java.lang.IllegalStateException: report no longer needed");

			String json = JsonMapper.builder().build().writeValueAsString(this.endpoint.errGroups());
			assertThat(json).contains("\"request\":\"GET /api/products/42\"")
				.doesNotContain("s3cr3t")
				.doesNotContain("alice")
				.doesNotContain("?");
		}
		finally {
			release.countDown();
			page.await();
			assertThatExceptionOfType(ErrGroupException.class).isThrownBy(report::await);
			request.cancel(new CancellationException("request completed"));
		}
		assertThat(this.endpoint.errGroups().getGroups()).as("nothing open any more").isEmpty();
	}

	@Test
	void S28_aGroupWhoseParentGroupHasFinishedIsARootAndStillNamesTheRequest() throws Exception {
		CancellationScope request = CancellationScope.open("POST /api/orders");
		CountDownLatch release = new CountDownLatch(1);
		ErrGroup orphan;
		try (CancellationScope.Binding bound = request.bind(); ErrGroup parent = this.factory.newGroup("parent")) {
			Task<ErrGroup> opened = parent.go(() -> {
				// Handed over, not awaited here: it outlives the task, and the parent group, that opened it.
				ErrGroup child = this.factory.newGroup("child");
				child.go(() -> {
					release.await();
				});
				return child;
			});
			parent.await();
			orphan = opened.resultNow();
		}
		try {
			assertThat(this.endpoint.errGroups().getGroups()).singleElement().satisfies((root) -> {
				assertThat(root.getName()).isEqualTo("child");
				assertThat(root.getRequest()).isEqualTo("POST /api/orders");
			});
		}
		finally {
			release.countDown();
			orphan.close();
			request.cancel(new CancellationException("request completed"));
		}
	}

	@Test
	void S38_namedTasksThatHaveNotEnded_byNameAndState_oldestFirst_bounded() throws Exception {
		List<Runnable> held = new CopyOnWriteArrayList<>(); // an executor that never runs: tasks stay PENDING
		ErrGroupFactory holding = ErrGroupFactory.create(held::add);
		ErrGroupsEndpoint endpoint = new ErrGroupsEndpoint(List.of(holding));
		try (ErrGroup page = holding.newGroup("page")) {
			page.go("pricing", () -> "9.99");
			page.go(() -> "unnamed: only counted");
			page.go("stock", () -> 3);
			held.get(0).run(); // pricing ends: only counted now
			assertThat(endpoint.errGroups().getGroups()).singleElement()
				.satisfies((group) -> assertThat(group.getNamedTasks())
					.containsExactly(new TaskDescriptor("stock", 2, Task.State.PENDING)));
			assertThat(JsonMapper.builder().build().writeValueAsString(endpoint.errGroups()))
				.contains("\"namedTasks\":[{\"name\":\"stock\",\"index\":2,\"state\":\"PENDING\"}]");
		}
		try (ErrGroup big = holding.newGroup("big")) {
			for (int i = 0; i < ErrGroupsEndpoint.MAX_NAMED_TASKS + 10; i++) {
				big.go("part-" + i, () -> null);
			}
			List<TaskDescriptor> shown = endpoint.errGroups().getGroups().get(0).getNamedTasks();
			assertThat(shown).hasSize(ErrGroupsEndpoint.MAX_NAMED_TASKS);
			assertThat(shown.get(0).name()).as("oldest first").isEqualTo("part-0");
		}
	}

}
