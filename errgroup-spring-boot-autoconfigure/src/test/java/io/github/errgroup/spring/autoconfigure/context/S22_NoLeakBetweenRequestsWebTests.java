package io.github.errgroup.spring.autoconfigure.context;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.github.errgroup.ErrGroup;
import io.github.errgroup.ErrGroupFactory;
import io.github.errgroup.GroupContext;
import io.github.errgroup.spring.autoconfigure.executor.ErrGroupExecutorAutoConfiguration;
import io.github.errgroup.spring.autoconfigure.web.WebTestSupport;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.Logger;
import org.slf4j.MDC;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.core.Ordered;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.scheduling.concurrent.ThreadPoolTaskExecutor;
import org.springframework.security.authentication.UsernamePasswordAuthenticationToken;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.context.SecurityContext;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestAttribute;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.context.request.RequestAttributes;
import org.springframework.web.context.request.RequestContextHolder;
import org.springframework.web.context.request.ServletRequestAttributes;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * S22 with S15 and S16 on a real Tomcat: many requests at once, each from its own user with its own
 * {@code SecurityContext}, MDC and request attributes, fan out on an errgroup executor of one thread,
 * or on one that rejects every task, so that the awaiting request threads run tasks too. No task sees
 * another request's values; every task leaves its thread dirty on purpose, and yet the pool thread has
 * nothing left after it and each request thread has its own values back after its group.
 *
 * <p>Interleaving is forced, not hoped for: every task of a round waits until all the round's
 * requests have spawned theirs, so the one pool thread holds one request's task while the other
 * requests' threads run their own, and then serves whichever is next in its queue.
 */
@Timeout(120)
class S22_NoLeakBetweenRequestsWebTests {

	private static final Logger measured = WebTestSupport.measurements(S22_NoLeakBetweenRequestsWebTests.class);

	private static final int REQUESTS_AT_ONCE = 12;

	private static final int ROUNDS = 4;

	private static final int TASKS = 6;

	private static final String ID = "X-Request-Id";

	private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

	@Test
	void S22_S16_onAOneThreadPool_withTheWaitersHelping_noTaskSeesAnotherRequestsContext() throws Exception {
		Seen seen = fanOut(OnAPool.class, "errgroup.executor.pool.core-size=1", "errgroup.executor.pool.max-size=1");
		assertThat(seen.wrong).isEmpty();
		measured.debug("S22 one-thread pool: {} requests, {} tasks, {} on the pool thread (serving {} requests),"
				+ " {} on their request's own thread", REQUESTS_AT_ONCE * ROUNDS, seen.tasks.get(), seen.onPool.get(),
				seen.requestsServedByThePool.size(), seen.onRequestThread.get());
		assertThat(seen.tasks).hasValue(REQUESTS_AT_ONCE * ROUNDS * TASKS);
		// The pool thread is idle when a round starts and takes that round's first task: tasks of
		// different requests, in turn, on one thread.
		assertThat(seen.requestsServedByThePool).hasSizeGreaterThanOrEqualTo(ROUNDS);
		// The pool checks its thread around each of its runnables. A group hands the pool at most one
		// runnable per pool thread, which runs the group's waiting tasks in turn (issue 15): between two of
		// them the thread does not go back to the pool, and what shows it clean is each task's own check on
		// entry (Seen.expect: its request's values only, and no leftover of the task before it).
		assertThat(seen.poolThreadsChecked.get()).isPositive().isLessThanOrEqualTo(seen.onPool.get());
		// While the pool thread is held, the other requests' threads run their own tasks (S15).
		assertThat(seen.onRequestThread.get()).isGreaterThanOrEqualTo((REQUESTS_AT_ONCE - 1) * ROUNDS);
	}

	@Test
	void S22_S15_withAnExecutorRejectingEverything_eachRequestThreadRunsOnlyItsOwnTasks_seeingOnlyItsOwn()
			throws Exception {
		Seen seen = fanOut(Rejecting.class);
		assertThat(seen.wrong).isEmpty();
		measured.debug("S22 rejecting executor: {} requests, {} tasks, all on their request's own thread: {}",
				REQUESTS_AT_ONCE * ROUNDS, seen.tasks.get(), seen.onRequestThread.get());
		assertThat(seen.tasks).hasValue(REQUESTS_AT_ONCE * ROUNDS * TASKS);
		assertThat(seen.onRequestThread).hasValue(REQUESTS_AT_ONCE * ROUNDS * TASKS);
		assertThat(seen.onPool).hasValue(0);
	}

	private Seen fanOut(Class<?> executor, String... properties) throws Exception {
		try (ConfigurableApplicationContext app = WebTestSupport.start(executor, WebApplicationType.SERVLET,
				properties)) {
			int port = WebTestSupport.port(app);
			Seen seen = app.getBean(Seen.class);
			for (int round = 0; round < ROUNDS; round++) {
				List<String> ids = new ArrayList<>();
				List<CompletableFuture<HttpResponse<String>>> answers = new ArrayList<>();
				for (int user = 0; user < REQUESTS_AT_ONCE; user++) {
					String id = "user" + user + "-round" + round;
					ids.add(id);
					answers.add(this.http.sendAsync(HttpRequest
						.newBuilder(URI.create("http://127.0.0.1:" + port + "/fan-out?round=" + round))
						.header(ID, id)
						.timeout(Duration.ofSeconds(60))
						.build(), HttpResponse.BodyHandlers.ofString()));
				}
				for (int i = 0; i < ids.size(); i++) {
					HttpResponse<String> answer = answers.get(i).get(90, TimeUnit.SECONDS);
					assertThat(answer.statusCode()).as(ids.get(i)).isEqualTo(200);
					assertThat(answer.body()).isEqualTo(ids.get(i));
				}
			}
			return seen;
		}
	}

	/** What the tasks, the request threads and the pool thread saw. */
	static final class Seen {

		final Queue<String> wrong = new ConcurrentLinkedQueue<>();

		final AtomicInteger tasks = new AtomicInteger();

		final AtomicInteger onPool = new AtomicInteger();

		final AtomicInteger onRequestThread = new AtomicInteger();

		final AtomicInteger poolThreadsChecked = new AtomicInteger();

		final Set<String> requestsServedByThePool = ConcurrentHashMap.newKeySet();

		private final Map<Integer, CountDownLatch> rounds = new ConcurrentHashMap<>();

		CountDownLatch everyoneInside(int round) {
			return this.rounds.computeIfAbsent(round, (r) -> new CountDownLatch(REQUESTS_AT_ONCE));
		}

		/** Checks that this thread carries exactly the given request's security, MDC and attributes. */
		void expect(String request, String where) {
			String seen = "security=" + principal() + ", mdc=" + MDC.get("request") + ", attribute="
					+ requestAttribute() + ", header=" + requestHeader() + ", leftover=" + MDC.get("leftover");
			String expected = "security=" + request + ", mdc=" + request + ", attribute=" + request + ", header="
					+ request + ", leftover=null";
			if (!seen.equals(expected)) {
				this.wrong.add(where + " of " + request + " on " + Thread.currentThread().getName() + " saw " + seen);
			}
		}

		/** Checks that this thread carries nothing of any request. */
		void expectNothing(String where) {
			Map<String, String> mdc = MDC.getCopyOfContextMap();
			if (principal() != null || (mdc != null && !mdc.isEmpty())
					|| RequestContextHolder.getRequestAttributes() != null || GroupContext.current().isPresent()) {
				this.wrong.add(where + " on " + Thread.currentThread().getName() + " saw security=" + principal()
						+ ", mdc=" + mdc + ", attributes=" + RequestContextHolder.getRequestAttributes()
						+ ", group context=" + GroupContext.current());
			}
		}

		void ranOn(String request, String requestThread) {
			this.tasks.incrementAndGet();
			String thread = Thread.currentThread().getName();
			if (thread.equals(requestThread)) {
				this.onRequestThread.incrementAndGet();
			}
			else if (thread.startsWith("errgroup-")) {
				this.onPool.incrementAndGet();
				this.requestsServedByThePool.add(request);
			}
			else {
				this.wrong.add("a task of " + request + " ran on " + thread + ", neither the pool nor " + requestThread);
			}
		}

		private static String principal() {
			Authentication authentication = SecurityContextHolder.getContext().getAuthentication();
			return (authentication != null) ? authentication.getName() : null;
		}

		private static Object requestAttribute() {
			RequestAttributes attributes = RequestContextHolder.getRequestAttributes();
			return (attributes != null) ? attributes.getAttribute("request", RequestAttributes.SCOPE_REQUEST) : null;
		}

		private static String requestHeader() {
			return (RequestContextHolder.getRequestAttributes() instanceof ServletRequestAttributes servlet)
					? servlet.getRequest().getHeader(ID) : null;
		}

	}

	/** What a badly behaved task does: replaces every context of its thread, and leaves it so. */
	static void leaveTheThreadDirty(String request) {
		SecurityContext other = SecurityContextHolder.createEmptyContext();
		other.setAuthentication(UsernamePasswordAuthenticationToken.authenticated("dirty-by-" + request, "", List.of()));
		SecurityContextHolder.setContext(other);
		MDC.put("request", "dirty-by-" + request);
		MDC.put("leftover", request);
		MockHttpServletRequest fake = new MockHttpServletRequest();
		fake.setAttribute("request", "dirty-by-" + request);
		fake.addHeader(ID, "dirty-by-" + request);
		RequestContextHolder.setRequestAttributes(new ServletRequestAttributes(fake));
	}

	@Configuration(proxyBeanMethods = false)
	@EnableAutoConfiguration
	@Import(FanOut.class)
	static class Common {

		@Bean
		Seen seen() {
			return new Seen();
		}

		/** Each request acts as its user: its own SecurityContext, MDC and request attribute. */
		@Bean
		OncePerRequestFilter actAsTheUser(Seen seen) {
			class ActAsTheUser extends OncePerRequestFilter implements Ordered {

				@Override
				protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response,
						FilterChain chain) throws ServletException, IOException {
					String id = request.getHeader(ID);
					Map<String, String> mdc = MDC.getCopyOfContextMap();
					if (Seen.principal() != null || (mdc != null && !mdc.isEmpty())) {
						seen.wrong.add(id + " arrived on a dirty thread " + Thread.currentThread().getName());
					}
					SecurityContext security = SecurityContextHolder.createEmptyContext();
					security.setAuthentication(UsernamePasswordAuthenticationToken.authenticated(id, "", List.of()));
					SecurityContextHolder.setContext(security);
					MDC.put("request", id);
					request.setAttribute("request", id);
					try {
						chain.doFilter(request, response);
					}
					finally {
						SecurityContextHolder.clearContext();
						MDC.clear();
					}
				}

				@Override
				public int getOrder() {
					return 0; // after the request's cancellation scope and Spring's RequestContextFilter
				}

			}
			return new ActAsTheUser();
		}

	}

	/** The auto-configured pool, sized by properties; it checks its thread before and after each task. */
	@Configuration(proxyBeanMethods = false)
	@Import(Common.class)
	static class OnAPool {

		@Bean
		static BeanPostProcessor checkThePoolThreadAroundEachTask(ObjectProvider<Seen> seen) {
			return new BeanPostProcessor() {
				@Override
				public Object postProcessBeforeInitialization(Object bean, String beanName) {
					if (bean instanceof ThreadPoolTaskExecutor executor
							&& beanName.equals(ErrGroupExecutorAutoConfiguration.TASK_EXECUTOR_BEAN_NAME)) {
						// Outside whatever the factory wrapped the task in: what the pool thread is
						// left with between tasks.
						executor.setTaskDecorator((task) -> () -> {
							seen.getObject().expectNothing("the pool thread before a task");
							try {
								task.run();
							}
							finally {
								seen.getObject().expectNothing("the pool thread after a task");
								seen.getObject().poolThreadsChecked.incrementAndGet();
							}
						});
					}
					return bean;
				}
			};
		}

	}

	/** An errgroup executor that rejects every task: only the awaiting threads run them (S15). */
	@Configuration(proxyBeanMethods = false)
	@Import(Common.class)
	static class Rejecting {

		@Bean(name = ErrGroupExecutorAutoConfiguration.TASK_EXECUTOR_BEAN_NAME, defaultCandidate = false)
		Executor errGroupTaskExecutor() {
			return (task) -> {
				throw new RejectedExecutionException("this executor rejects every task");
			};
		}

	}

	@RestController
	static class FanOut {

		private final ErrGroupFactory groups;

		private final Seen seen;

		FanOut(ErrGroupFactory groups, Seen seen) {
			this.groups = groups;
			this.seen = seen;
		}

		@GetMapping("/fan-out")
		String fanOut(@RequestAttribute("request") String me, @RequestParam int round) throws Exception {
			String requestThread = Thread.currentThread().getName();
			CountDownLatch everyoneInside = this.seen.everyoneInside(round);
			try (ErrGroup group = this.groups.newGroup("fan-out")) {
				for (int i = 0; i < TASKS; i++) {
					group.go(() -> {
						if (!everyoneInside.await(60, TimeUnit.SECONDS)) {
							throw new IllegalStateException("the round's other requests never arrived");
						}
						this.seen.ranOn(me, requestThread);
						this.seen.expect(me, "a task");
						leaveTheThreadDirty(me);
					});
				}
				everyoneInside.countDown();
				group.await();
			}
			this.seen.expect(me, "the request thread after its group");
			return me;
		}

	}

}
