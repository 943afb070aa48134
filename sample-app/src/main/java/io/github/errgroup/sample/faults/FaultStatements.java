package io.github.errgroup.sample.faults;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.util.regex.Pattern;

import javax.sql.DataSource;

import io.github.errgroup.sample.database.DemoStatementStats;

import org.springframework.jdbc.datasource.DelegatingDataSource;

/**
 * The fault switches on the database, as the headers are on HTTP: while a request with
 * {@code ?slow=inventory} or {@code ?fail=inventory} is handled, a statement that reads the
 * {@code inventory} table is prepared as a variant that calls the database's {@code sample_sleep} or
 * {@code sample_fail} on its row, so that the wait or the failure happens inside the database. The
 * application's SQL ({@code InventoryRepository}) stays as written; only this wrapper of the pool knows.
 * How each slow statement ended goes to {@link DemoStatementStats}.
 */
final class FaultStatements extends DelegatingDataSource {

	private static final String SERVICE = "inventory";

	private static final Pattern READS_INVENTORY = Pattern.compile("(?is).*\\bfrom\\s+inventory\\b.*");

	private final Duration slow;

	private final DemoStatementStats stats;

	FaultStatements(DataSource pool, Duration slow, DemoStatementStats stats) {
		super(pool);
		this.slow = slow;
		this.stats = stats;
	}

	@Override
	public Connection getConnection() throws SQLException {
		return switching(super.getConnection());
	}

	@Override
	public Connection getConnection(String username, String password) throws SQLException {
		return switching(super.getConnection(username, password));
	}

	private Connection switching(Connection connection) {
		return proxy(Connection.class, (method, args) -> {
			if (method.getName().equals("prepareStatement") && args[0] instanceof String sql
					&& READS_INVENTORY.matcher(sql).matches()) {
				if (FaultSwitches.switched("fail").contains(SERVICE)) {
					args[0] = "SELECT q.*, sample_fail('" + SERVICE + "') AS failed FROM (" + sql + ") q";
				}
				else if (FaultSwitches.switched("slow").contains(SERVICE)) {
					args[0] = "SELECT q.*, sample_sleep(" + this.slow.toMillis() + ") AS slept FROM (" + sql + ") q";
					return counting((PreparedStatement) invoke(method, connection, args));
				}
			}
			return invoke(method, connection, args);
		});
	}

	private PreparedStatement counting(PreparedStatement statement) {
		return proxy(PreparedStatement.class, (method, args) -> {
			if (!method.getName().startsWith("execute")) {
				return invoke(method, statement, args);
			}
			this.stats.started();
			try {
				Object result = invoke(method, statement, args);
				this.stats.completed();
				return result;
			}
			catch (SQLException ex) {
				this.stats.ended(ex);
				throw ex;
			}
		});
	}

	private static <T> T proxy(Class<T> type, Call call) {
		return type.cast(Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] { type },
				(proxy, method, args) -> call.handle(method, args)));
	}

	private static Object invoke(Method method, Object target, Object[] args) throws Throwable {
		try {
			return method.invoke(target, args);
		}
		catch (InvocationTargetException ex) {
			throw ex.getTargetException();
		}
	}

	@FunctionalInterface
	private interface Call {

		Object handle(Method method, Object[] args) throws Throwable;

	}

}
