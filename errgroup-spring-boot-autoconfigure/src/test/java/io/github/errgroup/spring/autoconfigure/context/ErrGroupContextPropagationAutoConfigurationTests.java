package io.github.errgroup.spring.autoconfigure.context;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import io.github.errgroup.ErrGroup;
import io.github.errgroup.ErrGroupFactory;
import io.github.errgroup.Task;
import io.github.errgroup.spring.autoconfigure.ErrGroupAutoConfiguration;
import io.github.errgroup.spring.autoconfigure.executor.ErrGroupExecutorAutoConfiguration;
import io.micrometer.context.ContextRegistry;
import io.micrometer.context.ThreadLocalAccessor;
import io.micrometer.context.integration.Slf4jThreadLocalAccessor;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.slf4j.MDC;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.task.TaskExecutionAutoConfiguration;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.i18n.LocaleContextHolder;
import org.springframework.context.i18n.LocaleContextThreadLocalAccessor;
import org.springframework.core.task.TaskDecorator;
import org.springframework.security.authentication.UsernamePasswordAuthenticationToken;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.web.context.request.RequestAttributes;
import org.springframework.web.context.request.RequestAttributesThreadLocalAccessor;
import org.springframework.web.context.request.RequestContextHolder;

/**
 * S22: the submitter's context reaches group tasks, for each library present, and only errgroup
 * tasks; S16: it is gone from the thread once the task ends.
 */
class ErrGroupContextPropagationAutoConfigurationTests {

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(ErrGroupExecutorAutoConfiguration.class,
				ErrGroupAutoConfiguration.class, ErrGroupContextPropagationAutoConfiguration.class,
				TaskExecutionAutoConfiguration.class))
		.withPropertyValues("errgroup.executor.pool.core-size=1", "errgroup.executor.pool.max-size=1");

	@AfterEach
	void clearThisThread() {
		MDC.clear();
		SecurityContextHolder.clearContext();
		RequestContextHolder.resetRequestAttributes();
		LocaleContextHolder.resetLocaleContext();
	}

	@Test
	void S22_mdcReachesTheTaskAndIsClearedAfterIt() {
		this.runner.run((context) -> {
			MDC.put("user", "alice");
			assertThat(onPool(context, () -> MDC.get("user"))).isEqualTo("alice");
			assertThat(onPoolUndecorated(context, () -> MDC.get("user"))).isNull();
		});
	}

	@Test
	void S22_mdcOfTheAwaitingThreadIsRestoredWhenItRunsTheTaskItself() {
		this.runner.run((context) -> {
			MDC.put("user", "alice");
			assertThat(onWaiter(context, () -> {
				MDC.put("step", "inside the task");
				return MDC.get("user");
			})).isEqualTo("alice");
			assertThat(MDC.get("user")).isEqualTo("alice");
			assertThat(MDC.get("step")).isNull();
		});
	}

	@Test
	void S29_aTaskTheWaiterRunsSeesTheSubmittersMdcNotTheWaitersOwn() {
		this.runner.run((context) -> {
			Thread waiter = Thread.currentThread();
			String seen = onWaiter(context, (group) -> {
				AtomicReference<Task<String>> task = new AtomicReference<>();
				Thread submitter = new Thread(() -> task.set(group.go(() -> { // a thread without MDC
					assertThat(Thread.currentThread()).isSameAs(waiter);
					return MDC.get("user");
				})));
				submitter.start();
				submitter.join();
				MDC.put("user", "alice");
				return task.get();
			});
			assertThat(seen).isNull();
			assertThat(MDC.get("user")).isEqualTo("alice");
		});
	}

	@Test
	void S22_securityContextReachesTheTaskAndIsClearedAfterIt() {
		this.runner.run((context) -> {
			SecurityContextHolder.getContext().setAuthentication(user("alice"));
			assertThat(onPool(context, ErrGroupContextPropagationAutoConfigurationTests::userName)).isEqualTo("alice");
			assertThat(onPoolUndecorated(context, ErrGroupContextPropagationAutoConfigurationTests::userName)).isNull();
			assertThat(onWaiter(context, ErrGroupContextPropagationAutoConfigurationTests::userName)).isEqualTo("alice");
			assertThat(userName()).isEqualTo("alice");
		});
	}

	@Test
	void S22_requestAttributesReachTheTaskAndAreClearedAfterIt() {
		this.runner.run((context) -> {
			RequestAttributes request = new StubRequestAttributes();
			RequestContextHolder.setRequestAttributes(request);
			assertThat(onPool(context, RequestContextHolder::getRequestAttributes)).isSameAs(request);
			assertThat(onPoolUndecorated(context, RequestContextHolder::getRequestAttributes)).isNull();
		});
	}

	@Test
	void S22_localeContextReachesTheTaskAndIsClearedAfterIt() {
		this.runner.run((context) -> {
			LocaleContextHolder.setLocale(Locale.JAPANESE);
			assertThat(onPool(context, LocaleContextHolder::getLocaleContext)).isNotNull()
				.extracting((locale) -> locale.getLocale())
				.isEqualTo(Locale.JAPANESE);
			assertThat(onPoolUndecorated(context, LocaleContextHolder::getLocaleContext)).isNull();
		});
	}

	@Test
	void S22_contextPropagationThreadLocalAccessorsReachTheTask() {
		ThreadLocal<String> tenant = new ThreadLocal<>();
		ContextRegistry.getInstance().registerThreadLocalAccessor(new TenantAccessor(tenant));
		try {
			this.runner.run((context) -> {
				tenant.set("acme");
				try {
					assertThat(onPool(context, tenant::get)).isEqualTo("acme");
					assertThat(onPoolUndecorated(context, tenant::get)).isNull();
				}
				finally {
					tenant.remove();
				}
			});
		}
		finally {
			ContextRegistry.getInstance().removeThreadLocalAccessor(TenantAccessor.KEY);
		}
	}

	@Test
	void S22_theCurrentObservationReachesTheTask() {
		ObservationRegistry registry = ObservationRegistry.create();
		registry.observationConfig().observationHandler((observationContext) -> true);
		this.runner.run((context) -> {
			Observation request = Observation.start("http.server.requests", registry);
			try (Observation.Scope scope = request.openScope()) {
				assertThat(onPool(context, registry::getCurrentObservation)).isSameAs(request);
			}
			finally {
				request.stop();
			}
			assertThat(onPoolUndecorated(context, registry::getCurrentObservation)).isNull();
		});
	}

	@Test
	void S22_taskDecoratorBeansRunInsideThePropagatedContext() {
		java.util.Queue<String> seenByDecorator = new java.util.concurrent.ConcurrentLinkedQueue<>();
		TaskDecorator decorator = (runnable) -> () -> {
			seenByDecorator.add(String.valueOf(MDC.get("user")));
			runnable.run();
		};
		this.runner.withBean(TaskDecorator.class, () -> decorator).run((context) -> {
			MDC.put("user", "alice");
			assertThat(onPool(context, () -> MDC.get("user"))).isEqualTo("alice");
			assertThat(seenByDecorator).containsExactly("alice");
		});
	}

	@Test
	void S22_noTaskDecoratorBeanIsAddedSoOtherExecutorsAreUntouched() {
		this.runner.run((context) -> {
			assertThat(context).doesNotHaveBean(TaskDecorator.class);
			MDC.put("user", "alice");
			Executor applicationTaskExecutor = context.getBean("applicationTaskExecutor", Executor.class);
			AtomicReference<String> seen = new AtomicReference<>("not run");
			CountDownLatch ran = new CountDownLatch(1);
			applicationTaskExecutor.execute(() -> {
				seen.set(MDC.get("user"));
				ran.countDown();
			});
			assertThat(ran.await(30, TimeUnit.SECONDS)).isTrue();
			assertThat(seen).hasValue(null);
		});
	}

	@Test
	void S22_theAccessorsAddedForErrGroupStayOutOfTheApplicationsContextRegistry() {
		this.runner.run((context) -> {
			assertThat(context).hasBean("errGroupContextPropagation");
			assertThat(ContextRegistry.getInstance().getThreadLocalAccessors()).extracting(ThreadLocalAccessor::key)
				.doesNotContain(LocaleContextThreadLocalAccessor.KEY, RequestAttributesThreadLocalAccessor.KEY,
						Slf4jThreadLocalAccessor.KEY);
		});
	}

	@ParameterizedTest
	@ValueSource(strings = { "org.springframework.security", "org.springframework.web" })
	void S22_startsWithoutSpringSecurityOrSpringWeb(String missingLibrary) {
		this.runner.withClassLoader(new FilteredClassLoader(missingLibrary)).run((context) -> {
			assertThat(context).hasNotFailed();
			MDC.put("user", "alice");
			assertThat(onPool(context, () -> MDC.get("user"))).isEqualTo("alice");
		});
	}

	@Test
	void S22_startsWithoutSlf4j() {
		this.runner.withClassLoader(new FilteredClassLoader("org.slf4j")).run((context) -> {
			assertThat(context).hasNotFailed();
			LocaleContextHolder.setLocale(Locale.JAPANESE);
			Locale locale = onPool(context, LocaleContextHolder::getLocale);
			assertThat(locale).isEqualTo(Locale.JAPANESE);
		});
	}

	/**
	 * context-propagation is a dependency of the module; an application that excludes it still starts
	 * and runs its groups, without context propagation.
	 */
	@Test
	void S22_startsWithoutContextPropagation() {
		this.runner.withClassLoader(new FilteredClassLoader("io.micrometer.context")).run((context) -> {
			assertThat(context).hasNotFailed().doesNotHaveBean("errGroupContextPropagation");
			assertThat(onPool(context, () -> "ran")).isEqualTo("ran");
		});
	}

	@Test
	void S22_startsWithNoneOfTheOptionalLibraries() {
		this.runner
			.withClassLoader(new FilteredClassLoader("io.micrometer", "org.springframework.security",
					"org.springframework.web", "org.slf4j"))
			.run((context) -> {
				assertThat(context).hasNotFailed().doesNotHaveBean("errGroupContextPropagation");
				assertThat(onPool(context, () -> "ran")).isEqualTo("ran");
			});
	}

	/** Runs a group task on the pool thread (this thread does not await until it has run). */
	static <T> T onPool(AssertableApplicationContext context, Callable<T> body) throws InterruptedException {
		ErrGroupFactory factory = context.getBean(ErrGroupFactory.class);
		CountDownLatch ran = new CountDownLatch(1);
		try (ErrGroup group = factory.newGroup("on-pool")) {
			Task<T> task = group.go(() -> {
				try {
					assertThat(Thread.currentThread().getName()).startsWith("errgroup-");
					return body.call();
				}
				finally {
					ran.countDown();
				}
			});
			assertThat(ran.await(30, TimeUnit.SECONDS)).isTrue();
			group.await();
			return task.resultNow();
		}
	}

	/** Runs a group task on this thread: the one pool thread is kept busy while this thread awaits. */
	static <T> T onWaiter(AssertableApplicationContext context, Callable<T> body) throws InterruptedException {
		Thread waiter = Thread.currentThread();
		return onWaiter(context, (group) -> group.go(() -> {
			assertThat(Thread.currentThread()).isSameAs(waiter);
			return body.call();
		}));
	}

	/** Like {@link #onWaiter(AssertableApplicationContext, Callable)}, with the task spawned by {@code spawn}. */
	static <T> T onWaiter(AssertableApplicationContext context, Spawn<T> spawn) throws InterruptedException {
		ErrGroupFactory factory = context.getBean(ErrGroupFactory.class);
		CountDownLatch blocking = new CountDownLatch(1);
		CountDownLatch release = new CountDownLatch(1);
		try (ErrGroup blocker = factory.newGroup("blocker"); ErrGroup group = factory.newGroup("on-waiter")) {
			blocker.go(() -> {
				blocking.countDown();
				release.await();
			});
			assertThat(blocking.await(30, TimeUnit.SECONDS)).isTrue();
			Task<T> task = spawn.spawn(group);
			group.await();
			release.countDown();
			blocker.await();
			return task.resultNow();
		}
	}

	interface Spawn<T> {

		Task<T> spawn(ErrGroup group) throws InterruptedException;

	}

	/**
	 * Runs a plain runnable on the pool thread that ran the group tasks, not through the factory: what
	 * a group task left on that thread.
	 */
	static <T> T onPoolUndecorated(AssertableApplicationContext context, Callable<T> body) throws Exception {
		Executor executor = context.getBean(ErrGroupExecutorAutoConfiguration.TASK_EXECUTOR_BEAN_NAME, Executor.class);
		java.util.concurrent.FutureTask<T> task = new java.util.concurrent.FutureTask<>(body);
		executor.execute(task);
		return task.get(30, TimeUnit.SECONDS);
	}

	private static Authentication user(String name) {
		return UsernamePasswordAuthenticationToken.authenticated(name, "secret", java.util.List.of());
	}

	static String userName() {
		Authentication authentication = SecurityContextHolder.getContext().getAuthentication();
		return (authentication != null) ? authentication.getName() : null;
	}

	static final class StubRequestAttributes implements RequestAttributes {

		@Override
		public Object getAttribute(String name, int scope) {
			return null;
		}

		@Override
		public void setAttribute(String name, Object value, int scope) {
		}

		@Override
		public void removeAttribute(String name, int scope) {
		}

		@Override
		public String[] getAttributeNames(int scope) {
			return new String[0];
		}

		@Override
		public void registerDestructionCallback(String name, Runnable callback, int scope) {
		}

		@Override
		public Object resolveReference(String key) {
			return null;
		}

		@Override
		public String getSessionId() {
			return "session";
		}

		@Override
		public Object getSessionMutex() {
			return this;
		}

	}

	static final class TenantAccessor implements ThreadLocalAccessor<String> {

		static final String KEY = "test.tenant";

		private final ThreadLocal<String> tenant;

		TenantAccessor(ThreadLocal<String> tenant) {
			this.tenant = tenant;
		}

		@Override
		public Object key() {
			return KEY;
		}

		@Override
		public String getValue() {
			return this.tenant.get();
		}

		@Override
		public void setValue(String value) {
			this.tenant.set(value);
		}

		@Override
		public void setValue() {
			this.tenant.remove();
		}

	}

}
