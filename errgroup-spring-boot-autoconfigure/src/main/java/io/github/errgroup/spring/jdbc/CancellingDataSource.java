package io.github.errgroup.spring.jdbc;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.CallableStatement;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;

import javax.sql.DataSource;

import io.github.errgroup.GroupContext;

import org.springframework.jdbc.datasource.DelegatingDataSource;

/**
 * A {@link DataSource} whose statements obey the group of the task that runs them (S30, S31, S32).
 *
 * <p>A statement executed by a task of a group:
 * <ul>
 * <li>is cancelled on the database with {@link Statement#cancel()} when the group is cancelled, for any
 * cause (a sibling's failure, the deadline, the request's end, shutdown): PostgreSQL gets a cancel
 * request, H2 stops the query. The driver's error then reaches the task as an {@link SQLException}
 * with SQLState {@code 57014}, whose cause is a {@link java.util.concurrent.CancellationException}
 * caused by the group's cause, the driver's error suppressed: the task ends {@code CANCELLED}, also
 * behind Spring's or Hibernate's translation of it. A statement started in a group already cancelled
 * does not reach the database (Go's {@code QueryContext} with a done context);</li>
 * <li>gets the time left before the group's deadline as its timeout on the database: PostgreSQL's
 * {@code statement_timeout} in milliseconds (enforced by the server even if no cancel arrives), else
 * {@link Statement#setQueryTimeout(int)} in whole seconds rounded up; a shorter timeout of the
 * application is kept, and the settings are put back after the statement;</li>
 * <li>and every call on the connection and its statements runs in a {@link GroupContext#shield()}: the
 * interrupt of a cancelled task is held back until the call returns, so a driver that closes its
 * socket on an interrupt (pgjdbc on virtual threads) keeps the connection, which goes back to the pool
 * valid.</li>
 * </ul>
 * Statements outside group tasks ({@link GroupContext#ofCurrentTask()} empty, for example a web request
 * thread outside tasks) are left exactly as they are.
 *
 * <p>{@code unwrap} and {@code isWrapperFor} reach the target, so the pool's own API (Hikari's metrics
 * and MXBean) stays reachable, and Spring Boot's {@code DataSourceUnwrapper} sees through it. Result
 * sets are the driver's own: rows fetched after the statement returned are not shielded.
 */
public class CancellingDataSource extends DelegatingDataSource {

	/**
	 * Wraps a data source.
	 * @param target the data source that makes the connections
	 */
	public CancellingDataSource(DataSource target) {
		super(target);
	}

	/**
	 * Wraps the given data source unless it already is one of ours, or wraps one.
	 * @param dataSource the data source
	 * @return a data source whose statements obey the group of the task that runs them
	 */
	public static DataSource wrap(DataSource dataSource) {
		try {
			if (dataSource.isWrapperFor(CancellingDataSource.class)) {
				return dataSource;
			}
		}
		catch (SQLException | RuntimeException ex) {
			// A data source that cannot tell is not one of ours.
		}
		return new CancellingDataSource(dataSource);
	}

	@Override
	public Connection getConnection() throws SQLException {
		return connection(obtainTargetDataSource().getConnection());
	}

	@Override
	public Connection getConnection(String username, String password) throws SQLException {
		return connection(obtainTargetDataSource().getConnection(username, password));
	}

	private static Connection connection(Connection target) {
		return (Connection) Proxy.newProxyInstance(CancellingDataSource.class.getClassLoader(),
				new Class<?>[] { Connection.class }, new ConnectionHandler(target));
	}

	/** Calls the target, shielded when a task runs it, and rethrows what the target threw. */
	static Object call(Object target, Method method, Object[] args) throws Throwable {
		try (GroupContext.Shield shield = GroupContext.shield()) {
			return method.invoke(target, args);
		}
		catch (InvocationTargetException ex) {
			throw ex.getCause();
		}
	}

	/** Answers what every JDBC wrapper must, or returns {@code null}. */
	static Object wrapperMethod(Object proxy, Object target, Method method, Object[] args) throws SQLException {
		switch (method.getName()) {
			case "equals":
				return proxy == args[0];
			case "hashCode":
				return System.identityHashCode(proxy);
			case "toString":
				return "CancellingDataSource proxy of " + target;
			case "unwrap":
				Class<?> iface = (Class<?>) args[0];
				return iface.isInstance(proxy) ? proxy : ((java.sql.Wrapper) target).unwrap(iface);
			case "isWrapperFor":
				Class<?> type = (Class<?>) args[0];
				return type.isInstance(proxy) || ((java.sql.Wrapper) target).isWrapperFor(type);
			default:
				return null;
		}
	}

	private static final class ConnectionHandler implements InvocationHandler {

		private final Connection target;

		/** Whether the target is PostgreSQL's; asked once, on the first statement run with a deadline. */
		private Boolean postgres;

		ConnectionHandler(Connection target) {
			this.target = target;
		}

		@Override
		public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
			Object answer = wrapperMethod(proxy, this.target, method, args);
			if (answer != null) {
				return answer;
			}
			Object result = call(this.target, method, args);
			if (result instanceof Statement statement) {
				return statement(statement, (Connection) proxy);
			}
			return result;
		}

		private Object statement(Statement target, Connection proxy) {
			Class<?> type = (target instanceof CallableStatement) ? CallableStatement.class
					: (target instanceof PreparedStatement) ? PreparedStatement.class : Statement.class;
			return Proxy.newProxyInstance(CancellingDataSource.class.getClassLoader(), new Class<?>[] { type },
					new StatementHandler(target, this, proxy));
		}

		boolean isPostgres() throws SQLException {
			if (this.postgres == null) {
				this.postgres = "PostgreSQL".equals(this.target.getMetaData().getDatabaseProductName());
			}
			return this.postgres;
		}

		Connection target() {
			return this.target;
		}

	}

	private static final class StatementHandler implements InvocationHandler {

		private final Statement target;

		private final ConnectionHandler connection;

		private final Connection connectionProxy;

		StatementHandler(Statement target, ConnectionHandler connection, Connection connectionProxy) {
			this.target = target;
			this.connection = connection;
			this.connectionProxy = connectionProxy;
		}

		@Override
		public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
			Object answer = wrapperMethod(proxy, this.target, method, args);
			if (answer != null) {
				return answer;
			}
			if (method.getName().equals("getConnection")) {
				return this.connectionProxy;
			}
			if (method.getName().startsWith("execute")) {
				GroupContext task = GroupContext.ofCurrentTask().orElse(null);
				if (task != null) {
					try (GroupContext.Shield shield = GroupContext.shield()) {
						return new StatementExecution(task, this.target, method, args).run(this.connection.target(),
								this.connection::isPostgres);
					}
				}
			}
			return call(this.target, method, args);
		}

	}

}
