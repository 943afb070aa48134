package io.github.errgroup.spring.jdbc;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.github.errgroup.ErrGroup;
import io.github.errgroup.ErrGroupException;
import io.github.errgroup.ErrGroupFactory;
import io.github.errgroup.Task;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.jdbc.core.JdbcTemplate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

/**
 * S30, S31 on the generic path, for any driver that implements {@link Statement#cancel()} and
 * {@link Statement#setQueryTimeout(int)}: H2 in memory, seen from a session of its own through
 * {@code information_schema}. The long query is a scan of a huge range, which H2 checks for a cancel
 * every few rows.
 */
class H2CancellationTests {

	private static final AtomicInteger databases = new AtomicInteger();

	private static final String LONG_QUERY = "select sum(x) from system_range(1, 1000000000000)";

	private String url;

	private HikariDataSource pool;

	private JdbcTemplate jdbc;

	private ExecutorService executor;

	private ErrGroupFactory factory;

	private Connection observer;

	@BeforeEach
	void start() throws SQLException {
		this.url = "jdbc:h2:mem:s30-" + databases.incrementAndGet() + ";DB_CLOSE_DELAY=-1";
		HikariConfig config = new HikariConfig();
		config.setJdbcUrl(this.url);
		config.setMaximumPoolSize(1);
		config.setMinimumIdle(1);
		this.pool = new HikariDataSource(config);
		this.jdbc = new JdbcTemplate(new CancellingDataSource(this.pool));
		this.executor = Executors.newFixedThreadPool(2);
		this.factory = ErrGroupFactory.create(this.executor);
		this.observer = DriverManager.getConnection(this.url);
	}

	@AfterEach
	void stop() throws SQLException {
		this.factory.close();
		this.executor.shutdownNow();
		this.pool.close();
		this.observer.close();
	}

	@Test
	void S30_aSiblingsFailureStopsTheQuery() {
		IllegalStateException boom = new IllegalStateException("sibling failed");
		Task<?> scan;
		try (ErrGroup group = this.factory.newGroup("s30-h2")) {
			scan = group.go(() -> this.jdbc.queryForObject(LONG_QUERY, Long.class));
			group.go((ctx) -> {
				await().atMost(Duration.ofSeconds(10)).until(() -> scansRunning() == 1);
				throw boom;
			});
			assertThatExceptionOfType(ErrGroupException.class).isThrownBy(group::await).withCause(boom);
		}
		assertThat(scan.state()).isEqualTo(Task.State.CANCELLED);
		assertStoppedAndPoolClean();
	}

	@Test
	void S30_aDeadlineStopsTheQuery() {
		Task<?> scan;
		try (ErrGroup group = this.factory.group("s30-h2-deadline").timeout(Duration.ofMillis(500)).open()) {
			scan = group.go(() -> this.jdbc.queryForObject(LONG_QUERY, Long.class));
			assertThatExceptionOfType(ErrGroupException.class).isThrownBy(group::await)
				.withCauseInstanceOf(TimeoutException.class);
		}
		assertThat(scan.state()).isEqualTo(Task.State.CANCELLED);
		assertStoppedAndPoolClean();
	}

	@Test
	void S31_theStatementGetsTheTimeLeftAsItsQueryTimeoutInWholeSecondsAndGetsItsOwnBack() throws Exception {
		try (ErrGroup group = this.factory.group("s31-h2").timeout(Duration.ofMillis(2500)).open()) {
			Task<Integer> seen = group.go(() -> queryTimeoutSeenByTheStatement(0));
			Task<Integer> shorter = group.go(() -> queryTimeoutSeenByTheStatement(1));
			group.await();
			assertThat(seen.resultNow()).as("2.5 s rounded up to whole seconds").isEqualTo(3000);
			assertThat(shorter.resultNow()).as("the application's own, shorter timeout").isEqualTo(1000);
		}
	}

	@Test
	void S31_statementsOutsideGroupTasksKeepTheirTimeout() throws Exception {
		assertThat(queryTimeoutSeenByTheStatement(0)).isEqualTo(0);
	}

	/** The session's QUERY_TIMEOUT, which H2's setQueryTimeout sets, in milliseconds. */
	private int queryTimeoutSeenByTheStatement(int ownSeconds) throws SQLException {
		try (Connection connection = this.jdbc.getDataSource().getConnection();
				Statement statement = connection.createStatement()) {
			statement.setQueryTimeout(ownSeconds);
			int seen;
			try (ResultSet rows = statement.executeQuery(
					"select setting_value from information_schema.settings where setting_name = 'QUERY_TIMEOUT'")) {
				rows.next();
				seen = rows.getInt(1);
			}
			assertThat(statement.getQueryTimeout()).as("put back after the execution").isEqualTo(ownSeconds);
			return seen;
		}
	}

	private int scansRunning() throws SQLException {
		try (Statement statement = this.observer.createStatement();
				ResultSet rows = statement.executeQuery("select count(*) from information_schema.sessions"
						+ " where executing_statement like '%system_range%' and session_id <> session_id()")) {
			rows.next();
			return rows.getInt(1);
		}
	}

	private void assertStoppedAndPoolClean() {
		await().atMost(Duration.ofSeconds(10)).until(() -> scansRunning() == 0);
		await().atMost(Duration.ofSeconds(10))
			.until(() -> this.pool.getHikariPoolMXBean().getActiveConnections() == 0);
		assertThat(this.pool.getHikariPoolMXBean().getTotalConnections()).isEqualTo(1);
		assertThat(this.jdbc.queryForObject("select 1", Integer.class)).isEqualTo(1);
	}

}
