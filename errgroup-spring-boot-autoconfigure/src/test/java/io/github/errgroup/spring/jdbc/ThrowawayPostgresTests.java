package io.github.errgroup.spring.jdbc;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The real server the database tests (S30, S31) talk to: it starts, answers over loopback, and shows
 * this connection in {@code pg_stat_activity}, which is where those tests look for their statements.
 */
class ThrowawayPostgresTests {

	@Test
	void aThrowawayServerAnswersAndShowsItsSessions() throws Exception {
		ThrowawayPostgres server = ThrowawayPostgres.get();
		try (Connection connection = DriverManager.getConnection(server.jdbcUrl(), server.username(), "");
				Statement statement = connection.createStatement();
				ResultSet rows = statement.executeQuery(
						"select count(*) from pg_stat_activity where pid = pg_backend_pid() and state = 'active'")) {
			assertThat(rows.next()).isTrue();
			assertThat(rows.getInt(1)).as("this very query, seen as active by the server").isEqualTo(1);
		}
	}

}
