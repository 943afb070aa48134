package io.github.errgroup.spring.jdbc;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.github.errgroup.CancellationScope;
import io.github.errgroup.DeadlineClock;
import io.github.errgroup.ErrGroup;
import io.github.errgroup.ErrGroupException;
import io.github.errgroup.ErrGroupFactory;
import io.github.errgroup.Task;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledForJreRange;
import org.junit.jupiter.api.condition.JRE;

import org.springframework.dao.DataAccessException;
import org.springframework.jdbc.core.JdbcTemplate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

/**
 * S30, S31, S32 against a real PostgreSQL through HikariCP, every effect checked on the far side: the
 * server's {@code pg_stat_activity} (polled from a connection of its own), the session's
 * {@code statement_timeout}, and the pool (the same server process behind the one pooled connection
 * before and after: nothing was evicted). Each rule runs on platform threads and, on Java 21+, on
 * virtual threads, where an interrupt used to close pgjdbc's socket (finding 3 of issue 13).
 */
class PostgresCancellationTests {

	private static final AtomicInteger pools = new AtomicInteger();

	@Nested
	class PlatformThreads extends Scenarios {

		@Override
		ExecutorService executor() {
			return Executors.newFixedThreadPool(4);
		}

	}

	@Nested
	@EnabledForJreRange(min = JRE.JAVA_21)
	class VirtualThreads extends Scenarios {

		@Override
		ExecutorService executor() throws Exception {
			return (ExecutorService) Executors.class.getMethod("newVirtualThreadPerTaskExecutor").invoke(null);
		}

	}

	abstract static class Scenarios {

		ThrowawayPostgres server;

		String applicationName;

		HikariDataSource pool;

		JdbcTemplate jdbc;

		ExecutorService executor;

		ErrGroupFactory factory;

		Connection observer;

		int backendPid;

		abstract ExecutorService executor() throws Exception;

		@BeforeEach
		void start() throws Exception {
			this.server = ThrowawayPostgres.get();
			this.applicationName = "errgroup-test-" + pools.incrementAndGet();
			HikariConfig config = new HikariConfig();
			config.setJdbcUrl(this.server.jdbcUrl());
			config.setUsername(this.server.username());
			config.setMaximumPoolSize(1);
			config.setMinimumIdle(1);
			config.setPoolName(this.applicationName);
			config.addDataSourceProperty("ApplicationName", this.applicationName);
			this.pool = new HikariDataSource(config);
			this.jdbc = new JdbcTemplate(new CancellingDataSource(this.pool));
			this.executor = executor();
			this.factory = ErrGroupFactory.create(this.executor);
			this.observer = DriverManager.getConnection(this.server.jdbcUrl(), this.server.username(), "");
			this.backendPid = this.jdbc.queryForObject("select pg_backend_pid()", Integer.class);
		}

		@AfterEach
		void stop() throws Exception {
			this.factory.close();
			this.executor.shutdownNow();
			this.pool.close();
			this.observer.close();
		}

		@Test
		void S30_aSiblingsFailureCancelsTheStatementOnTheServer() throws Exception {
			IllegalStateException boom = new IllegalStateException("sibling failed");
			AtomicReference<Exception> thrown = new AtomicReference<>();
			long started = System.nanoTime();
			Task<?> sleeper;
			try (ErrGroup group = this.factory.newGroup("s30-sibling")) {
				sleeper = group.go(() -> recording(thrown,
						() -> this.jdbc.queryForObject("select pg_sleep(10)", String.class)));
				group.go((ctx) -> {
					awaitSleepOnServer();
					throw boom;
				});
				assertThatExceptionOfType(ErrGroupException.class).isThrownBy(group::await).withCause(boom);
			}
			assertCancelledPromptly(sleeper, started);
			// Spring's translation of the statement's 57014, caused by the group's cancellation.
			assertThat(thrown.get()).isInstanceOf(DataAccessException.class)
				.rootCause()
				.isSameAs(boom);
			assertServerAndPoolClean();
		}

		@Test
		void S30_aDeadlineCancelsTheStatementOnTheServer() throws Exception {
			long started = System.nanoTime();
			Task<?> sleeper;
			try (ErrGroup group = this.factory.group("s30-deadline").timeout(Duration.ofMillis(500)).open()) {
				sleeper = group.go(() -> this.jdbc.queryForObject("select pg_sleep(10)", String.class));
				assertThatExceptionOfType(ErrGroupException.class).isThrownBy(group::await)
					.withCauseInstanceOf(TimeoutException.class);
			}
			assertCancelledPromptly(sleeper, started);
			assertServerAndPoolClean();
		}

		@Test
		void S30_aCancelFromOutsideCancelsTheStatementOnTheServer() throws Exception {
			long started = System.nanoTime();
			Task<?> sleeper;
			try (ErrGroup group = this.factory.newGroup("s30-outside")) {
				sleeper = group.go(() -> this.jdbc.queryForObject("select pg_sleep(10)", String.class));
				awaitSleepOnServer();
				group.cancel();
				assertThatExceptionOfType(ErrGroupException.class).isThrownBy(group::await)
					.withCauseInstanceOf(CancellationException.class);
			}
			assertCancelledPromptly(sleeper, started);
			assertServerAndPoolClean();
		}

		@Test
		void S30_aStatementStartedInACancelledGroupDoesNotReachTheServer() throws Exception {
			CountDownLatch started = new CountDownLatch(1);
			CountDownLatch cancelled = new CountDownLatch(1);
			AtomicReference<Exception> thrown = new AtomicReference<>();
			Task<?> late;
			try (ErrGroup group = this.factory.newGroup("s30-late")) {
				late = group.go((ctx) -> {
					ctx.onCancel(cancelled::countDown);
					started.countDown();
					try {
						cancelled.await();
					}
					catch (InterruptedException ex) {
						Thread.currentThread().interrupt(); // the statement is made with the flag set
					}
					return recording(thrown, () -> this.jdbc.update("insert into s30_never (x) values (1)"));
				});
				started.await();
				group.cancel();
				assertThatExceptionOfType(ErrGroupException.class).isThrownBy(group::await);
			}
			assertThat(late.state()).isEqualTo(Task.State.CANCELLED);
			// Had it reached the server, the missing table would have failed it with 42P01.
			assertThat(thrown.get()).isInstanceOf(DataAccessException.class)
				.hasCauseInstanceOf(SQLException.class)
				.hasRootCauseInstanceOf(CancellationException.class);
			assertServerAndPoolClean();
		}

		@Test
		void S30_statementsOutsideGroupTasksAreUntouched() throws Exception {
			// A web request's scope bound to this thread, with a deadline, but no task: nothing applies.
			CancellationScope request = CancellationScope.open("GET /slow", Duration.ofMillis(200));
			try (CancellationScope.Binding bound = request.bind()) {
				String timeout = this.jdbc.queryForObject(
						"select current_setting('statement_timeout') from (select pg_sleep(0.4)) s", String.class);
				assertThat(timeout).isEqualTo("0");
				assertThat(request.context().isCancelled()).isTrue();
			}
			assertServerAndPoolClean();
		}

		@Test
		void S31_theStatementGetsTheTimeLeftAsItsServerSideTimeout() throws Exception {
			try (ErrGroup group = this.factory.group("s31-left").timeout(Duration.ofSeconds(20)).open()) {
				Task<Integer> seen = group.go(() -> millis(
						this.jdbc.queryForObject("select current_setting('statement_timeout')", String.class)));
				group.await();
				assertThat(seen.resultNow()).isBetween(1, 20_000);
			}
			assertSessionTimeout("0");
			assertServerAndPoolClean();
		}

		@Test
		void S31_aShorterSessionTimeoutOfTheApplicationIsKept() throws Exception {
			this.jdbc.execute("set statement_timeout = '300ms'");
			try (ErrGroup group = this.factory.group("s31-shorter").timeout(Duration.ofSeconds(20)).open()) {
				Task<String> seen = group.go(
						() -> this.jdbc.queryForObject("select current_setting('statement_timeout')", String.class));
				group.await();
				assertThat(seen.resultNow()).isEqualTo("300ms");
			}
			assertSessionTimeout("300ms");
			this.jdbc.execute("reset statement_timeout");
		}

		@Test
		void S31_aTimeoutTheApplicationSetsInsideTheGroupIsKept() throws Exception {
			try (ErrGroup group = this.factory.group("s31-own").timeout(Duration.ofSeconds(20)).open()) {
				group.go(() -> this.jdbc.execute("set statement_timeout = '700ms'"));
				group.await();
			}
			assertSessionTimeout("700ms");
			this.jdbc.execute("reset statement_timeout");
		}

		@Test
		void S31_insideATransactionTheTimeoutIsLocalAndTheNextBorrowerSeesTheOriginal() throws Exception {
			try (ErrGroup group = this.factory.group("s31-tx").timeout(Duration.ofSeconds(20)).open()) {
				Task<String[]> seen = group.go(() -> {
					try (Connection connection = this.jdbc.getDataSource().getConnection()) {
						connection.setAutoCommit(false);
						try (Statement statement = connection.createStatement()) {
							String during = single(statement, "select current_setting('statement_timeout')");
							String after = single(statement, "select 'after:' || current_setting('statement_timeout')");
							// A failing statement aborts the transaction: the timeout cannot be put back by
							// a SET, the rollback resets it.
							assertThatExceptionOfType(SQLException.class)
								.isThrownBy(() -> statement.executeQuery("select 1 / 0"))
								.satisfies((ex) -> assertThat(ex.getSQLState()).isEqualTo("22012"));
							connection.rollback();
							return new String[] { during, after };
						}
						finally {
							connection.setAutoCommit(true);
						}
					}
				});
				group.await();
				assertThat(millis(seen.resultNow()[0])).isBetween(1, 20_000);
				assertThat(seen.resultNow()[1]).isNotEqualTo("after:0"); // set again for that statement
			}
			assertSessionTimeout("0");
			assertServerAndPoolClean();
		}

		@Test
		void S31_theServerEndsTheStatementAtTheDeadlineAndTheTaskEndsCancelledThoughTheGroupsTimerIsLate()
				throws Exception {
			// The group's deadline timer is held (a DeadlineClock on the wall clock that fires only when
			// released), so no client-side cancel can be sent: the server's statement_timeout alone ends
			// the statement, at the deadline; the task must still end as cancelled by that deadline.
			HeldTimer held = new HeldTimer();
			ErrGroupFactory lateTimer = ErrGroupFactory.builder().executor(this.executor).deadlineClock(held).build();
			Task<?> sleeper;
			try (ErrGroup group = lateTimer.group("s31-server").timeout(Duration.ofMillis(500)).open()) {
				sleeper = group.go(() -> this.jdbc.queryForObject("select pg_sleep(10)", String.class));
				awaitSleepOnServer();
				await().atMost(Duration.ofSeconds(5)).until(() -> countOnServer("pg_sleep(10)") == 0);
				assertThat(group.context().isCancelled()).as("the timer is held: no cancel was sent").isFalse();
				held.release();
				assertThatExceptionOfType(ErrGroupException.class).isThrownBy(group::await)
					.withCauseInstanceOf(TimeoutException.class);
			}
			finally {
				held.release();
			}
			assertThat(sleeper.state()).isEqualTo(Task.State.CANCELLED);
			assertServerAndPoolClean();
		}

		/** The wall clock, with a timer that fires what is scheduled only when released. */
		private static final class HeldTimer implements DeadlineClock {

			private final List<Runnable> held = new CopyOnWriteArrayList<>();

			@Override
			public Instant instant() {
				return Instant.now();
			}

			@Override
			public Scheduled schedule(Duration delay, Runnable action) {
				this.held.add(action);
				return () -> this.held.remove(action);
			}

			void release() {
				for (Runnable action : this.held) {
					if (this.held.remove(action)) {
						action.run();
					}
				}
			}

		}

		private void awaitSleepOnServer() {
			await().atMost(Duration.ofSeconds(10))
				.until(() -> countOnServer("pg_sleep(10)") == 1);
		}

		private int countOnServer(String text) throws SQLException {
			try (PreparedStatement statement = this.observer.prepareStatement(
					"select count(*) from pg_stat_activity where application_name = ? and state = 'active'"
							+ " and query like ?")) {
				statement.setString(1, this.applicationName);
				statement.setString(2, "%" + text + "%");
				try (ResultSet rows = statement.executeQuery()) {
					rows.next();
					return rows.getInt(1);
				}
			}
		}

		private void assertCancelledPromptly(Task<?> sleeper, long startedNanos) {
			assertThat(sleeper.state()).isEqualTo(Task.State.CANCELLED);
			// pg_sleep(10) ran to its end before: far less is all this needs to tell apart.
			assertThat(Duration.ofNanos(System.nanoTime() - startedNanos)).isLessThan(Duration.ofSeconds(8));
		}

		/** Nothing of ours runs on the server, the one connection is idle, and is the same as before. */
		private void assertServerAndPoolClean() throws SQLException {
			await().atMost(Duration.ofSeconds(10)).until(() -> countOnServer("") == 0);
			await().atMost(Duration.ofSeconds(10))
				.until(() -> this.pool.getHikariPoolMXBean().getActiveConnections() == 0);
			assertThat(this.pool.getHikariPoolMXBean().getTotalConnections()).isEqualTo(1);
			assertThat(this.jdbc.queryForObject("select pg_backend_pid()", Integer.class))
				.as("the pooled connection was kept, not evicted as broken and replaced")
				.isEqualTo(this.backendPid);
		}

		private void assertSessionTimeout(String expected) {
			assertThat(this.jdbc.queryForObject("select current_setting('statement_timeout')", String.class))
				.isEqualTo(expected);
		}

	}

	static <T> T recording(AtomicReference<Exception> thrown, Callable<T> call) throws Exception {
		try {
			return call.call();
		}
		catch (Exception ex) {
			thrown.set(ex);
			throw ex;
		}
	}

	static String single(Statement statement, String sql) throws SQLException {
		try (ResultSet rows = statement.executeQuery(sql)) {
			rows.next();
			return rows.getString(1);
		}
	}

	/** PostgreSQL shows statement_timeout as "1234ms", "12s" or "0". */
	static int millis(String setting) {
		if (setting.endsWith("ms")) {
			return Integer.parseInt(setting.substring(0, setting.length() - 2));
		}
		if (setting.endsWith("s")) {
			return 1000 * Integer.parseInt(setting.substring(0, setting.length() - 1));
		}
		return Integer.parseInt(setting);
	}

}
