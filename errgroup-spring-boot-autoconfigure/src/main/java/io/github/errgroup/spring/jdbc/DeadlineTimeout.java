package io.github.errgroup.spring.jdbc;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

/**
 * The time left before a group's deadline, given to one execution of a statement as its timeout on
 * the database (S31), and taken back afterwards: the connection and the statement go on as they were.
 *
 * <p>Never lengthens a timeout the application set: a statement's own query timeout, or a session's
 * {@code statement_timeout}, that is already shorter is left as it is.
 */
abstract sealed class DeadlineTimeout {

	private static final Log logger = LogFactory.getLog(DeadlineTimeout.class);

	/**
	 * Applies the time left to the statement about to run.
	 * @param postgres whether the connection is PostgreSQL's
	 * @param connection the driver's connection (not ours: these statements are not to be cancelled)
	 * @param statement the driver's statement
	 * @param millisLeft the time left, at least 1
	 * @return what {@link #restore(boolean)} undoes
	 */
	static DeadlineTimeout apply(boolean postgres, Connection connection, Statement statement, long millisLeft)
			throws SQLException {
		return postgres ? Postgres.apply(connection, millisLeft) : QueryTimeout.apply(statement, millisLeft);
	}

	/**
	 * Puts back what {@link #apply} changed, after the statement ended.
	 * @param statementFailed whether the statement threw: in a transaction, PostgreSQL then refuses every
	 * statement until the transaction or savepoint is rolled back, which also undoes the change
	 */
	abstract void restore(boolean statementFailed) throws SQLException;

	/**
	 * PostgreSQL: {@code statement_timeout} in milliseconds, enforced by the server even if no cancel
	 * ever arrives. One round trip reads the current value and sets the shorter one; one more puts the
	 * old value back, unless nothing changed. In autocommit the setting is the session's; inside a
	 * transaction it is {@code SET LOCAL}, which the transaction's end resets in any case.
	 */
	static final class Postgres extends DeadlineTimeout {

		// pg_settings.setting is the value in milliseconds ("0": none); a shorter one is kept. Returns the
		// old value, ours as current_setting() shows it, and whether the old one was kept.
		private static final String SET = "select s.setting, set_config('statement_timeout', case when s.keep"
				+ " then s.setting else ?::text end, ?), s.keep from (select setting, setting::bigint between 1"
				+ " and ?::bigint as keep from pg_settings where name = 'statement_timeout') s";

		// Puts the old value back only if the statement did not set one of its own ("set statement_timeout").
		private static final String RESTORE = "select set_config('statement_timeout', case when"
				+ " current_setting('statement_timeout') = ? then ?::text else current_setting('statement_timeout')"
				+ " end, ?)";

		private final Connection connection;

		private final String previous;

		private final String ours;

		private final boolean local;

		private Postgres(Connection connection, String previous, String ours, boolean local) {
			this.connection = connection;
			this.previous = previous;
			this.ours = ours;
			this.local = local;
		}

		static DeadlineTimeout apply(Connection connection, long millisLeft) throws SQLException {
			boolean local = !connection.getAutoCommit();
			try (PreparedStatement set = connection.prepareStatement(SET)) {
				set.setString(1, Long.toString(millisLeft));
				set.setBoolean(2, local);
				set.setLong(3, millisLeft);
				try (ResultSet rows = set.executeQuery()) {
					rows.next();
					String previous = rows.getString(1);
					String ours = rows.getString(2);
					boolean kept = rows.getBoolean(3);
					return kept ? Unchanged.INSTANCE : new Postgres(connection, previous, ours, local);
				}
			}
		}

		@Override
		void restore(boolean statementFailed) throws SQLException {
			try (PreparedStatement restore = this.connection.prepareStatement(RESTORE)) {
				restore.setString(1, this.ours);
				restore.setString(2, this.previous);
				restore.setBoolean(3, this.local);
				restore.execute();
			}
			catch (SQLException ex) {
				if (!(this.local && statementFailed)) {
					throw ex;
				}
				// 25P02: the failed statement aborted the transaction; its rollback resets SET LOCAL.
				logger.trace("statement_timeout is reset by the rollback of the aborted transaction", ex);
			}
		}

	}

	/**
	 * Any other driver: {@link Statement#setQueryTimeout(int)}, whole seconds rounded up (0 would mean
	 * no timeout), put back after the execution since the statement may run again.
	 */
	static final class QueryTimeout extends DeadlineTimeout {

		private final Statement statement;

		private final int previous;

		private QueryTimeout(Statement statement, int previous) {
			this.statement = statement;
			this.previous = previous;
		}

		static DeadlineTimeout apply(Statement statement, long millisLeft) throws SQLException {
			int seconds = (int) Math.min(Integer.MAX_VALUE, (millisLeft + 999) / 1000);
			int previous = statement.getQueryTimeout();
			if (previous != 0 && previous <= seconds) {
				return Unchanged.INSTANCE;
			}
			statement.setQueryTimeout(seconds);
			return new QueryTimeout(statement, previous);
		}

		@Override
		void restore(boolean statementFailed) throws SQLException {
			if (!this.statement.isClosed()) {
				this.statement.setQueryTimeout(this.previous);
			}
		}

	}

	/** The application's own timeout was shorter: nothing to undo. */
	static final class Unchanged extends DeadlineTimeout {

		static final Unchanged INSTANCE = new Unchanged();

		@Override
		void restore(boolean statementFailed) {
		}

	}

}
