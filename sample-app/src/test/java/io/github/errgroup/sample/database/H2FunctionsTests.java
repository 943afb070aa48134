package io.github.errgroup.sample.database;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

/**
 * The demo's H2 sleep behaves like PostgreSQL's {@code pg_sleep} where the sample relies on it: it
 * stops at {@code Statement.cancel()} with SQLState 57014, and the connection stays usable. Plain
 * JDBC, no Spring: the sample's database-side proof ({@code /db/stats}) means something only if this holds.
 */
class H2FunctionsTests {

	private final ExecutorService executor = Executors.newSingleThreadExecutor();

	private Connection connection;

	private Connection observer;

	@BeforeEach
	void open() throws SQLException {
		String url = "jdbc:h2:mem:" + getClass().getSimpleName() + ";DB_CLOSE_DELAY=-1";
		this.connection = DriverManager.getConnection(url);
		this.observer = DriverManager.getConnection(url);
		try (Statement ddl = this.connection.createStatement()) {
			ddl.execute("CREATE ALIAS IF NOT EXISTS sample_sleep FOR '" + H2Functions.class.getName() + ".sleep'");
		}
	}

	@AfterEach
	void close() throws SQLException {
		this.executor.shutdownNow();
		this.connection.close();
		this.observer.close();
	}

	@Test
	void sleep_stopsAtStatementCancel_with57014_andTheConnectionStaysUsable() throws Exception {
		Statement statement = this.connection.createStatement();
		long start = System.nanoTime();
		Future<?> sleeping = this.executor.submit(() -> statement.executeQuery("SELECT sample_sleep(10000)"));
		await().atMost(Duration.ofSeconds(5)).until(() -> sleepingSessions() == 1);
		statement.cancel();
		SQLException ex = catchThrowableOfType(SQLException.class, () -> unwrap(sleeping));
		assertThat(ex.getSQLState()).isEqualTo("57014");
		assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
		assertThat(sleepingSessions()).isZero();
		try (ResultSet one = this.connection.createStatement().executeQuery("SELECT 1")) {
			assertThat(one.next()).isTrue();
		}
	}

	@Test
	void sleep_runsToItsEnd_whenNothingStopsIt() throws Exception {
		try (ResultSet slept = this.connection.createStatement().executeQuery("SELECT sample_sleep(50)")) {
			assertThat(slept.next()).isTrue();
			assertThat(slept.getInt(1)).isEqualTo(50);
		}
	}

	private int sleepingSessions() throws SQLException {
		try (ResultSet count = this.observer.createStatement()
			.executeQuery("SELECT COUNT(*) FROM INFORMATION_SCHEMA.SESSIONS"
					+ " WHERE LOWER(EXECUTING_STATEMENT) LIKE '%sample_sleep(%' AND SESSION_ID <> SESSION_ID()")) {
			count.next();
			return count.getInt(1);
		}
	}

	private static void unwrap(Future<?> future) throws Throwable {
		try {
			future.get(10, TimeUnit.SECONDS);
		}
		catch (java.util.concurrent.ExecutionException ex) {
			throw ex.getCause();
		}
	}

}
