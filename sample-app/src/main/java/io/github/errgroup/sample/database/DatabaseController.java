package io.github.errgroup.sample.database;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.Map;

import javax.sql.DataSource;

import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.HikariPoolMXBean;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * The database side of the demo, as {@code /downstream/stats} is the HTTP side: how the slow statements
 * ended, how many are still sleeping in the database by the database's own account (H2's
 * {@code INFORMATION_SCHEMA.SESSIONS}, PostgreSQL's {@code pg_stat_activity}), and Hikari's pool.
 * After a cancel: {@code cancelled} went up, {@code sleeping} and {@code pool.active} are back to 0.
 */
@RestController
public class DatabaseController {

	private static final String H2_SLEEPING = """
			SELECT COUNT(*) FROM INFORMATION_SCHEMA.SESSIONS
			WHERE LOWER(EXECUTING_STATEMENT) LIKE '%sample_sleep(%' AND SESSION_ID <> SESSION_ID()""";

	private static final String POSTGRES_SLEEPING = """
			SELECT COUNT(*) FROM pg_stat_activity
			WHERE state = 'active' AND query LIKE '%sample_sleep(%' AND pid <> pg_backend_pid()""";

	private final DataSource dataSource;

	private final JdbcClient jdbc;

	private final DemoStatementStats statements;

	public DatabaseController(DataSource dataSource, JdbcClient jdbc, DemoStatementStats statements) {
		this.dataSource = dataSource;
		this.jdbc = jdbc;
		this.statements = statements;
	}

	@GetMapping("/db/stats")
	public Map<String, Object> stats() throws SQLException {
		String database;
		try (Connection connection = this.dataSource.getConnection()) {
			database = connection.getMetaData().getDatabaseProductName();
		}
		Map<String, Object> stats = new LinkedHashMap<>();
		stats.put("database", database);
		stats.put("slowStatements", this.statements.snapshot());
		stats.put("sleeping", this.jdbc.sql("H2".equals(database) ? H2_SLEEPING : POSTGRES_SLEEPING)
			.query(Long.class)
			.single());
		// Read after the queries above, whose connection is back in the pool by now.
		stats.put("pool", pool());
		return stats;
	}

	private Map<String, Integer> pool() throws SQLException {
		// The DataSource bean may be wrapped (the starter's statement-cancel hook, the demo's switches).
		if (!this.dataSource.isWrapperFor(HikariDataSource.class)) {
			return Map.of();
		}
		HikariPoolMXBean pool = this.dataSource.unwrap(HikariDataSource.class).getHikariPoolMXBean();
		if (pool == null) {
			return Map.of(); // not started
		}
		return Map.of("active", pool.getActiveConnections(), "idle", pool.getIdleConnections(), "total",
				pool.getTotalConnections(), "waiting", pool.getThreadsAwaitingConnection());
	}

}
