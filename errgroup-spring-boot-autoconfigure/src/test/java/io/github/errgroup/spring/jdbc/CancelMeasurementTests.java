package io.github.errgroup.spring.jdbc;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.github.errgroup.ErrGroup;
import io.github.errgroup.ErrGroupException;
import io.github.errgroup.ErrGroupFactory;
import io.github.errgroup.Task;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledForJreRange;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.condition.JRE;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.boot.logging.LogLevel;
import org.springframework.boot.logging.LoggingSystem;
import org.springframework.jdbc.core.JdbcTemplate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * Measures S30 on a real PostgreSQL, for the README and the closing note, not a timed check:
 * how long from a group's cancel until its statement is gone from {@code pg_stat_activity} (p50, p99
 * over 200 cancels; the figure includes the polling, one query on another connection each turn), and
 * whether 1,000 cancelled statements in a row leave the pool as it was (active 0, the same server
 * processes behind the same connections: none evicted as broken) and nothing of ours on the server.
 * Off unless {@code -Derrgroup.measure=true}; the numbers go to DEBUG on
 * {@code errgroup.measurements.CancelMeasurementTests}.
 */
@EnabledIfSystemProperty(named = "errgroup.measure", matches = "true")
class CancelMeasurementTests {

	private static final Logger measured = LoggerFactory.getLogger("errgroup.measurements.CancelMeasurementTests");

	private static final int POOL = 4;

	@Test
	void S30_cancelToGoneFromTheServer_platformThreads() throws Exception {
		measure("platform", Executors.newFixedThreadPool(POOL));
	}

	@Test
	@EnabledForJreRange(min = JRE.JAVA_21)
	void S30_cancelToGoneFromTheServer_virtualThreads() throws Exception {
		measure("virtual", (ExecutorService) Executors.class.getMethod("newVirtualThreadPerTaskExecutor").invoke(null));
	}

	private void measure(String threads, ExecutorService executor) throws Exception {
		// What this test is for: its numbers, which the tests' quiet logging would keep out of sight.
		LoggingSystem.get(getClass().getClassLoader()).setLogLevel("errgroup.measurements", LogLevel.DEBUG);
		ThrowawayPostgres server = ThrowawayPostgres.get();
		String applicationName = "errgroup-measure-" + threads;
		HikariConfig config = new HikariConfig();
		config.setJdbcUrl(server.jdbcUrl());
		config.setUsername(server.username());
		config.setMaximumPoolSize(POOL);
		config.setMinimumIdle(POOL);
		config.addDataSourceProperty("ApplicationName", applicationName);
		try (HikariDataSource pool = new HikariDataSource(config);
				Connection observer = DriverManager.getConnection(server.jdbcUrl(), server.username(), "");
				ErrGroupFactory factory = ErrGroupFactory.create(executor)) {
			JdbcTemplate jdbc = new JdbcTemplate(new CancellingDataSource(pool));
			while (pool.getHikariPoolMXBean() == null || pool.getHikariPoolMXBean().getTotalConnections() < POOL) {
				jdbc.queryForObject("select 1", Integer.class);
				Thread.onSpinWait();
			}
			Set<Integer> backends = backends(observer, applicationName);
			long[] nanos = new long[1000];
			Map<Task.State, Integer> outcomes = new EnumMap<>(Task.State.class);
			Throwable otherOutcome = null;
			for (int i = 0; i < nanos.length; i++) {
				Task<?> sleeper;
				try (ErrGroup group = factory.newGroup("measure")) {
					sleeper = group.go(() -> jdbc.queryForObject("select pg_sleep(10)", String.class));
					while (active(observer, applicationName) == 0) {
						Thread.onSpinWait();
					}
					long cancelled = System.nanoTime();
					group.cancel();
					while (active(observer, applicationName) != 0) {
						Thread.onSpinWait();
					}
					nanos[i] = System.nanoTime() - cancelled;
					assertThatExceptionOfType(ErrGroupException.class).isThrownBy(group::await);
				}
				outcomes.merge(sleeper.state(), 1, Integer::sum);
				if (sleeper.state() == Task.State.FAILED && otherOutcome == null) {
					otherOutcome = sleeper.exceptionNow();
				}
			}
			long[] first200 = Arrays.copyOf(nanos, 200);
			Arrays.sort(first200);
			Arrays.sort(nanos);
			int active = pool.getHikariPoolMXBean().getActiveConnections();
			int total = pool.getHikariPoolMXBean().getTotalConnections();
			Set<Integer> after = backends(observer, applicationName);
			int ours = active(observer, applicationName);
			measured.debug("{} threads, JDK {}: cancel -> gone from pg_stat_activity over 200: p50 {} ms, p99 {} ms; "
					+ "over 1000: p50 {} ms, p99 {} ms, max {} ms; 1000 cancelled in a row: tasks {}, "
					+ "pool active {}, total {} (was {}), server processes {} (same as before: {}), ours still active {}",
					threads, Runtime.version(), ms(first200[100]), ms(first200[197]), ms(nanos[500]), ms(nanos[989]),
					ms(nanos[999]), outcomes, active, total, POOL, after.size(), after.equals(backends), ours);
			if (otherOutcome != null) {
				measured.debug("the first task that did not end CANCELLED", otherOutcome);
			}
			assertThat(outcomes).containsExactly(Map.entry(Task.State.CANCELLED, 1000));
			assertThat(active).isZero();
			assertThat(total).isEqualTo(POOL);
			assertThat(after).isEqualTo(backends);
			assertThat(ours).isZero();
		}
		finally {
			executor.shutdownNow();
		}
	}

	private static String ms(long nanos) {
		return String.format("%.2f", nanos / 1e6);
	}

	private static int active(Connection observer, String applicationName) throws SQLException {
		try (PreparedStatement statement = observer.prepareStatement(
				"select count(*) from pg_stat_activity where application_name = ? and state = 'active'")) {
			statement.setString(1, applicationName);
			try (ResultSet rows = statement.executeQuery()) {
				rows.next();
				return rows.getInt(1);
			}
		}
	}

	private static Set<Integer> backends(Connection observer, String applicationName) throws SQLException {
		try (PreparedStatement statement = observer
			.prepareStatement("select pid from pg_stat_activity where application_name = ?")) {
			statement.setString(1, applicationName);
			Set<Integer> pids = new TreeSet<>();
			try (ResultSet rows = statement.executeQuery()) {
				while (rows.next()) {
					pids.add(rows.getInt(1));
				}
			}
			return pids;
		}
	}

}
