package io.github.errgroup.spring.jdbc;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

/**
 * The cancel of one execution of one statement: the {@code onCancel} callback registered for the
 * time the statement runs (S30).
 *
 * <p>States, under {@code lock} ({@code ended} false: live):
 * <pre>
 *   live  --run(), the canceller's thread: queue attempt() on the cancel thread----------------&gt; live
 *   live  --attempt(), the cancel thread: Statement.cancel(), cancelSent, queue a later attempt-&gt; live
 *   live  --end(), the executing thread, after any cancel() in flight--------------------------&gt; ENDED
 *   ENDED --attempt(): nothing, and no further attempt------------------------------------------&gt; ENDED
 * </pre>
 *
 * <p>Why it is built so:
 * <ul>
 * <li><b>Handed off.</b> Callbacks run on the thread that cancels the group: a sibling's thread, the
 * one timer thread shared by every group's deadline, a web server's thread. PostgreSQL's
 * {@code cancel()} opens a new connection to the server and waits for it; on the timer thread that
 * would delay every other group's deadline. So the callback only queues the cancel on a small pool of
 * its own.</li>
 * <li><b>Never after the end.</b> {@code cancel()} runs under the lock and only while not
 * {@code ENDED}; {@link #end()} takes the lock, so it waits for a cancel in flight and no cancel meant
 * for this execution can reach the statement's next one, nor a connection back in the pool.</li>
 * <li><b>Repeated until the end.</b> A cancel that lands just before the driver started the query
 * (the group cancelled between our check and {@code execute}) is a no-op for drivers that cancel only
 * a running query (pgjdbc, H2). So until the execution ends the cancel is sent again, backing off from
 * 50 ms to 1 s; a query that the first cancel stopped ends before the second.</li>
 * <li><b>PostgreSQL, again.</b> pgjdbc's {@code Statement.cancel()} acts once per execution: a cancel
 * request that overtook the query on the wire (sent after pgjdbc marked the statement running, read by
 * the server before the query) is ignored by the still idle server, and every later {@code cancel()}
 * of that execution does nothing; measured, 1 in 1,000 cancelled statements then ran to its end. So a
 * repeated cancel goes through the connection's own {@code cancelQuery()} (pgjdbc's
 * {@code BaseConnection}, found by name: pgjdbc is not needed to compile), which sends a new request
 * whatever the statement's state. Like every cancel request, one that arrives after the query ended is
 * ignored by the idle server.</li>
 * <li>{@code cancel()} on a statement closed meanwhile throws; that is ignored, the statement is gone.</li>
 * </ul>
 */
final class StatementCancel implements Runnable {

	private static final Log logger = LogFactory.getLog(StatementCancel.class);

	private static final long FIRST_RETRY_NANOS = Duration.ofMillis(50).toNanos();

	private static final long MAX_RETRY_NANOS = Duration.ofSeconds(1).toNanos();

	private final Statement statement;

	private final ReentrantLock lock = new ReentrantLock();

	/** Guarded by {@code lock}. */
	private boolean ended;

	/** Guarded by {@code lock}. */
	private boolean cancelSent;

	StatementCancel(Statement statement) {
		this.statement = statement;
	}

	/** The {@code onCancel} callback: hands the cancel off to the cancel thread. */
	@Override
	public void run() {
		schedule(0);
	}

	private void schedule(long delayNanos) {
		try {
			CancelThread.executor.schedule(() -> attempt(delayNanos), delayNanos, TimeUnit.NANOSECONDS);
		}
		catch (RejectedExecutionException ex) {
			attempt(delayNanos); // never happens with a pool that is never shut down, but never lose a cancel
		}
	}

	private void attempt(long lastDelayNanos) {
		this.lock.lock();
		try {
			if (this.ended) {
				return;
			}
			this.cancelSent = true;
			if (lastDelayNanos == 0) {
				this.statement.cancel();
			}
			else {
				cancelAgain();
			}
		}
		catch (SQLFeatureNotSupportedException ex) {
			logger.debug("The driver cannot cancel a statement: it runs to its end", ex);
			return;
		}
		catch (SQLException | RuntimeException ex) {
			// Closed meanwhile: the execution is ending on its own.
			logger.debug("Statement.cancel() failed", ex);
		}
		finally {
			this.lock.unlock();
		}
		schedule((lastDelayNanos == 0) ? FIRST_RETRY_NANOS : Math.min(2 * lastDelayNanos, MAX_RETRY_NANOS));
	}

	private void cancelAgain() throws SQLException {
		Method cancelQuery = PostgresCancel.cancelQuery;
		Connection connection = this.statement.getConnection();
		if (cancelQuery == null || !connection.isWrapperFor(cancelQuery.getDeclaringClass())) {
			this.statement.cancel();
			return;
		}
		try {
			cancelQuery.invoke(connection.unwrap(cancelQuery.getDeclaringClass()));
		}
		catch (InvocationTargetException ex) {
			throw (ex.getCause() instanceof SQLException sql) ? sql : new SQLException(ex.getCause());
		}
		catch (IllegalAccessException ex) {
			this.statement.cancel();
		}
	}

	/**
	 * Ends this execution, on the thread that ran it; waits for a {@code cancel()} in flight.
	 * @return whether a cancel was sent to the statement during this execution
	 */
	boolean end() {
		this.lock.lock();
		try {
			this.ended = true;
			return this.cancelSent;
		}
		finally {
			this.lock.unlock();
		}
	}

	/** pgjdbc's {@code BaseConnection.cancelQuery()}, when pgjdbc is there. */
	private static final class PostgresCancel {

		static final @Nullable Method cancelQuery = find();

		private static @Nullable Method find() {
			try {
				return Class.forName("org.postgresql.core.BaseConnection", false, StatementCancel.class.getClassLoader())
					.getMethod("cancelQuery");
			}
			catch (ReflectiveOperationException | LinkageError ex) {
				return null;
			}
		}

	}

	/** The cancel threads: started when first needed, daemon, gone after 30 s without work. */
	private static final class CancelThread {

		static final ScheduledExecutorService executor = create();

		private static ScheduledExecutorService create() {
			ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(2, (runnable) -> {
				Thread thread = Executors.defaultThreadFactory().newThread(runnable);
				thread.setName("errgroup-jdbc-cancel-" + thread.getId());
				thread.setDaemon(true);
				return thread;
			});
			executor.setKeepAliveTime(30, TimeUnit.SECONDS);
			executor.allowCoreThreadTimeOut(true);
			executor.setRemoveOnCancelPolicy(true);
			return executor;
		}

	}

}
