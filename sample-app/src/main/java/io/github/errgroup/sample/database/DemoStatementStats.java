package io.github.errgroup.sample.database;

import java.sql.SQLException;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import org.springframework.stereotype.Component;

/**
 * How the demo's slow statements ({@code ?slow=inventory}) ended, as the driver reported it: completed,
 * cancelled on the database (SQLState 57014, from PostgreSQL's cancel request or H2's
 * {@code Statement.cancel()} and query timeout), interrupted (H2's sleep saw its thread interrupted,
 * SQLState HY008) or failed otherwise.
 */
@Component
public class DemoStatementStats {

	/** SQLState of a statement cancelled on the database, PostgreSQL's and H2's alike. */
	public static final String CANCELLED = "57014";

	private static final String INTERRUPTED = "HY008";

	private final AtomicLong started = new AtomicLong();

	private final AtomicLong completed = new AtomicLong();

	private final AtomicLong cancelled = new AtomicLong();

	private final AtomicLong interrupted = new AtomicLong();

	private final AtomicLong failed = new AtomicLong();

	/** A slow statement starts executing. */
	public void started() {
		this.started.incrementAndGet();
	}

	/** A slow statement ran to its end. */
	public void completed() {
		this.completed.incrementAndGet();
	}

	/**
	 * A slow statement ended with an error.
	 * @param ex what the driver threw
	 */
	public void ended(SQLException ex) {
		String state = sqlState(ex);
		AtomicLong counter = CANCELLED.equals(state) ? this.cancelled
				: INTERRUPTED.equals(state) ? this.interrupted : this.failed;
		counter.incrementAndGet();
	}

	/** The first SQLState in the chain: drivers and wrappers nest the database's error. */
	private static String sqlState(SQLException ex) {
		for (Throwable t = ex; t != null; t = t.getCause()) {
			if (t instanceof SQLException sql && sql.getSQLState() != null) {
				return sql.getSQLState();
			}
		}
		return null;
	}

	Map<String, Long> snapshot() {
		return Map.of("started", this.started.get(), "completed", this.completed.get(), "cancelled",
				this.cancelled.get(), "interrupted", this.interrupted.get(), "failed", this.failed.get());
	}

}
