package io.github.errgroup.spring.jdbc;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLTimeoutException;
import java.sql.SQLTransientException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import io.github.errgroup.GroupContext;

/**
 * One execution of a statement by a task of a group, run in a shield by the caller (S30, S31):
 * refused if the group is already cancelled; with the time left as its database timeout when the
 * group has a deadline; cancelled through {@link StatementCancel} while it runs; and its driver's
 * cancellation error turned into one the core counts as the group's cancellation.
 */
final class StatementExecution {

	/** The SQLState of "query canceled" (PostgreSQL, H2): a cancel request or a statement timeout. */
	static final String QUERY_CANCELED = "57014";

	/**
	 * How long a timeout that fired at the deadline waits for the group's timer to cancel the group:
	 * the timer is due already, this only bounds a timer thread starved of CPU.
	 */
	private static final Duration TIMER_GRACE = Duration.ofSeconds(5);

	private final GroupContext group;

	private final Statement statement;

	private final Method method;

	private final Object[] args;

	StatementExecution(GroupContext group, Statement statement, Method method, Object[] args) {
		this.group = group;
		this.statement = statement;
		this.method = method;
		this.args = args;
	}

	/** The question whether the connection is PostgreSQL's, asked only when there is a deadline. */
	interface PostgresCheck {

		boolean isPostgres() throws SQLException;

	}

	Object run(Connection connection, PostgresCheck postgres) throws Throwable {
		if (this.group.isCancelled()) {
			throw cancelled(null);
		}
		Instant deadline = this.group.deadline().orElse(null);
		DeadlineTimeout timeout = null;
		if (deadline != null) {
			long millisLeft = millisLeft();
			if (millisLeft <= 0) {
				throw deadlinePassed(null);
			}
			timeout = DeadlineTimeout.apply(postgres.isPostgres(), connection, this.statement, millisLeft);
		}
		Object result;
		try {
			result = execute();
		}
		catch (Throwable ex) {
			if (timeout != null) {
				try {
					timeout.restore(true);
				}
				catch (SQLException restoreFailed) {
					ex.addSuppressed(restoreFailed); // the statement's own error says what happened
				}
			}
			throw ex;
		}
		if (timeout != null) {
			timeout.restore(false);
		}
		return result;
	}

	private Object execute() throws Throwable {
		StatementCancel cancel = new StatementCancel(this.statement);
		Throwable error;
		boolean cancelSent;
		try (GroupContext.Registration registration = this.group.onCancel(cancel)) {
			if (this.group.isCancelled()) {
				// Cancelled since run() looked (during the timeout's round trip, say): the callback has
				// run, but its cancel may come before the driver has started; better not to start.
				cancel.end();
				throw cancelled(null);
			}
			boolean ended = false;
			try {
				Object result = this.method.invoke(this.statement, this.args);
				cancel.end();
				ended = true;
				return result;
			}
			catch (InvocationTargetException ex) {
				cancelSent = cancel.end();
				ended = true;
				error = ex.getCause();
			}
			finally {
				if (!ended) {
					cancel.end(); // whatever the reflection itself threw: no cancel may outlive the call
				}
			}
		}
		if (!(error instanceof SQLException sql) || !isQueryCanceled(sql)) {
			throw error;
		}
		if (cancelSent || this.group.isCancelled()) {
			throw cancelled(sql);
		}
		Instant deadline = this.group.deadline().orElse(null);
		if (deadline != null && millisLeft() <= 0) {
			// The server's statement_timeout (or the driver's query timeout) fired at our deadline, a
			// moment before the group's timer: that is the deadline, not a failure of the task.
			throw deadlinePassed(sql);
		}
		throw sql; // the application's own, shorter timeout: a failure like any other
	}

	private static boolean isQueryCanceled(SQLException ex) {
		return QUERY_CANCELED.equals(ex.getSQLState()) || ex instanceof SQLTimeoutException;
	}

	private long millisLeft() {
		long nanos = this.group.timeLeft().orElse(Duration.ZERO).toNanos(); // on the deadline's own clock
		return (nanos <= 0) ? 0 : TimeUnit.NANOSECONDS.toMillis(nanos + 999_999); // rounded up: never 0
	}

	/**
	 * The deadline has passed: waits for the group's timer to cancel the group, then as cancelled. An
	 * interrupt from outside the group (the shield holds back only the group's own) ends the wait and is
	 * kept for the caller; the driver's error is still what the statement throws.
	 */
	private SQLException deadlinePassed(SQLException driverError) {
		CountDownLatch cancelled = new CountDownLatch(1);
		try (GroupContext.Registration registration = this.group.onCancel(cancelled::countDown)) {
			cancelled.await(TIMER_GRACE.toMillis(), TimeUnit.MILLISECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
		if (!this.group.isCancelled()) {
			return (driverError != null) ? driverError
					: new SQLTimeoutException("the deadline of group '" + this.group.groupName() + "' has passed",
							QUERY_CANCELED);
		}
		return cancelled(driverError);
	}

	/**
	 * The exception for a statement the group's cancellation stopped or refused: SQLState 57014 as the
	 * driver's, so that Spring's translators map it as they would the driver's (a
	 * {@link SQLTimeoutException} for the deadline, else a {@link SQLTransientException}); its cause a
	 * {@link CancellationException} caused by the group's cause, which is what makes the core count it
	 * as the group's cancellation, even behind Spring's or Hibernate's wrapping; the driver's own error
	 * suppressed, kept for the record but not in the cause chain, which tells why the statement ended.
	 */
	private SQLException cancelled(SQLException driverError) {
		Throwable cause = this.group.cause();
		String message = "statement cancelled: group '" + this.group.groupName() + "' was cancelled"
				+ ((cause != null) ? " (" + cause + ")" : "");
		CancellationException cancellation = new CancellationException(message);
		cancellation.initCause(cause);
		int vendorCode = (driverError != null) ? driverError.getErrorCode() : 0;
		SQLException ex = (cause instanceof TimeoutException)
				? new SQLTimeoutException(message, QUERY_CANCELED, vendorCode, cancellation)
				: new SQLTransientException(message, QUERY_CANCELED, vendorCode, cancellation);
		if (driverError != null) {
			ex.addSuppressed(driverError);
		}
		return ex;
	}

}
