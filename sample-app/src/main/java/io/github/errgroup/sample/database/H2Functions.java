package io.github.errgroup.sample.database;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.concurrent.TimeUnit;

import org.h2.command.Command;
import org.h2.engine.SessionLocal;
import org.h2.jdbc.JdbcConnection;
import org.h2.message.DbException;

/**
 * The demo's functions in the embedded H2 database, declared in {@code schema-h2.sql}; PostgreSQL has
 * its own ({@code schema-postgresql.sql}).
 */
public final class H2Functions {

	private static final long CHECK_EVERY_MILLIS = 10;

	/**
	 * H2's own check of {@code Statement.cancel()}, which marks the running command: protected in H2,
	 * where a Java function cannot reach it otherwise. (A query timeout marks the session instead.)
	 */
	private static final Method COMMAND_CHECK_CANCELED;

	static {
		try {
			COMMAND_CHECK_CANCELED = Command.class.getDeclaredMethod("checkCanceled");
			COMMAND_CHECK_CANCELED.setAccessible(true);
		}
		catch (ReflectiveOperationException ex) {
			throw new IllegalStateException("this H2 has no Command.checkCanceled()", ex);
		}
	}

	private H2Functions() {
	}

	/**
	 * {@code sample_sleep(millis)}: sleeps inside the database, as PostgreSQL's {@code pg_sleep} does.
	 * H2 stops a statement on {@code Statement.cancel()} (or its query timeout) only at its own check
	 * points, which a Java function does not reach while it runs; this one checks every 10 ms and then
	 * ends with H2's cancellation error, SQLState 57014, as pg_sleep does. An interrupt of the thread
	 * that runs the statement (embedded H2 runs it on the caller's thread) also ends it, with SQLState
	 * HY008, so that the stats tell an interrupt from a cancel on the database.
	 * @param connection the calling session's connection, passed by H2
	 * @param millis how long to sleep
	 * @return {@code millis}
	 * @throws SQLException if the statement was cancelled or its thread interrupted
	 */
	public static int sleep(Connection connection, int millis) throws SQLException {
		SessionLocal session = (SessionLocal) connection.unwrap(JdbcConnection.class).getSession();
		long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
		for (long left = millis; left > 0; left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())) {
			checkCanceled(session); // throws H2's 57014
			try {
				Thread.sleep(Math.min(left, CHECK_EVERY_MILLIS));
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				throw new SQLException("sample_sleep interrupted", "HY008", ex);
			}
		}
		return millis;
	}

	private static void checkCanceled(SessionLocal session) {
		session.checkCanceled(); // the query timeout
		Command command = session.getCurrentCommand(); // the statement calling this function
		if (command != null) {
			try {
				COMMAND_CHECK_CANCELED.invoke(command); // Statement.cancel()
			}
			catch (InvocationTargetException ex) {
				throw (ex.getTargetException() instanceof DbException db) ? db
						: new IllegalStateException(ex.getTargetException());
			}
			catch (IllegalAccessException ex) {
				throw new IllegalStateException(ex);
			}
		}
	}

	/**
	 * {@code sample_fail(service)}: fails at once.
	 * @param service what to name in the message
	 * @return never
	 * @throws SQLException always
	 */
	public static int fail(String service) throws SQLException {
		throw new SQLException(service + " failed on purpose", "58000");
	}

}
