package io.github.errgroup.spring.autoconfigure.context;

import static io.github.errgroup.spring.autoconfigure.context.ErrGroupContextPropagationAutoConfigurationTests.onPool;
import static io.github.errgroup.spring.autoconfigure.context.ErrGroupContextPropagationAutoConfigurationTests.onPoolUndecorated;
import static io.github.errgroup.spring.autoconfigure.context.ErrGroupContextPropagationAutoConfigurationTests.userName;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import io.github.errgroup.ErrGroup;
import io.github.errgroup.ErrGroupFactory;
import io.github.errgroup.spring.autoconfigure.ErrGroupAutoConfiguration;
import io.github.errgroup.spring.autoconfigure.executor.ErrGroupExecutorAutoConfiguration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.MDC;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.security.authentication.UsernamePasswordAuthenticationToken;
import org.springframework.security.core.context.SecurityContext;
import org.springframework.security.core.context.SecurityContextHolder;

/**
 * S22 and S16 together: on a pool of one thread, which therefore runs the tasks of both users in turn,
 * each task sees its own submitter's {@code SecurityContext} and MDC, and never the other user's, nor
 * anything once it is over.
 */
class S22_NoLeakBetweenUsersTests {

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(ErrGroupExecutorAutoConfiguration.class,
				ErrGroupAutoConfiguration.class, ErrGroupContextPropagationAutoConfiguration.class))
		.withPropertyValues("errgroup.executor.pool.core-size=1", "errgroup.executor.pool.max-size=1");

	@AfterEach
	void clearThisThread() {
		MDC.clear();
		SecurityContextHolder.clearContext();
	}

	@Test
	void S22_usersTakingTurnsOnTheOnePoolThreadEachSeeOnlyTheirOwn() {
		this.runner.run((context) -> {
			List<String> seen = new ArrayList<>();
			for (String user : List.of("alice", "bob", "alice", "bob")) {
				actAs(user);
				seen.add(onPool(context, S22_NoLeakBetweenUsersTests::identity));
			}
			clearThisThread();
			seen.add(onPool(context, S22_NoLeakBetweenUsersTests::identity)); // anonymous
			seen.add(onPoolUndecorated(context, S22_NoLeakBetweenUsersTests::identity)); // not a group task
			assertThat(seen).containsExactly("alice/alice", "bob/bob", "alice/alice", "bob/bob", "null/null",
					"null/null");
		});
	}

	@Test
	void S22_twoUsersAtOnceNeverSeeEachOther() {
		this.runner.run((context) -> {
			ErrGroupFactory factory = context.getBean(ErrGroupFactory.class);
			Queue<String> wrong = new ConcurrentLinkedQueue<>();
			Queue<String> poolThreadUsers = new ConcurrentLinkedQueue<>();
			CountDownLatch start = new CountDownLatch(1);
			List<Thread> users = new ArrayList<>();
			for (String user : List.of("alice", "bob")) {
				Thread thread = new Thread(() -> {
					actAs(user);
					try {
						start.await();
						for (int round = 0; round < 50; round++) {
							try (ErrGroup group = factory.newGroup(user)) {
								CountDownLatch firstStarted = new CountDownLatch(1);
								for (int i = 0; i < 4; i++) {
									group.go(() -> {
										firstStarted.countDown();
										String identity = identity();
										if (!identity.equals(user + "/" + user)) {
											wrong.add(user + "'s task saw " + identity);
										}
										if (Thread.currentThread().getName().startsWith("errgroup-")) {
											poolThreadUsers.add(user);
										}
									});
									if (i == 0 && !firstStarted.await(30, TimeUnit.SECONDS)) {
										// Not awaiting yet, so only the pool thread can run it: the
										// waiter would otherwise run them all on trivial tasks (S15).
										wrong.add(user + "'s first task never started on the pool");
									}
								}
								group.await();
							}
							if (!identity().equals(user + "/" + user)) {
								wrong.add(user + "'s own thread now is " + identity());
							}
						}
					}
					catch (Throwable ex) {
						wrong.add(user + " failed: " + ex);
					}
				}, "user-" + user);
				users.add(thread);
				thread.start();
			}
			start.countDown();
			for (Thread thread : users) {
				thread.join(TimeUnit.SECONDS.toMillis(50));
				assertThat(thread.isAlive()).isFalse();
			}
			assertThat(wrong).isEmpty();
			assertThat(poolThreadUsers).isNotEmpty(); // the pool thread did serve these users
			assertThat(onPoolUndecorated(context, S22_NoLeakBetweenUsersTests::identity)).isEqualTo("null/null");
		});
	}

	private static void actAs(String user) {
		SecurityContext security = SecurityContextHolder.createEmptyContext();
		security.setAuthentication(UsernamePasswordAuthenticationToken.authenticated(user, "secret", List.of()));
		SecurityContextHolder.setContext(security);
		MDC.put("user", user);
	}

	/** "securityUser/mdcUser" as this thread sees them. */
	private static String identity() {
		return userName() + "/" + MDC.get("user");
	}

}
