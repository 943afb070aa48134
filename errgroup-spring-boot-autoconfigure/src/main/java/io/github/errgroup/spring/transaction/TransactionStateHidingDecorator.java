package io.github.errgroup.spring.transaction;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * A task decorator that runs every group task with none of the
 * {@link TransactionSynchronizationManager} state of the thread that runs it (S29): no bound resources
 * (a JDBC {@code ConnectionHolder}, a JPA {@code EntityManagerHolder}, a Hibernate session), no
 * synchronizations, no current transaction name, read-only flag, isolation level or actual-transaction
 * flag. That state is put back exactly as it was when the task ends, however it ends.
 *
 * <p>Why: a thread blocked in {@code await()} runs its group's pending tasks itself (S15). Without this
 * decorator such a task would find the caller's transaction bound to its thread and join it (its
 * inserts rolled back with the caller's), or the caller's open-in-view {@code EntityManager} (its lazy
 * proxies loading), while the same task on a pool thread auto-commits on a connection of its own and
 * throws {@code LazyInitializationException}. Which thread runs a task depends on load, so the
 * difference would show only in production. With the decorator, a task behaves as on a pool thread
 * wherever it runs: what it needs of the caller, it gets from the decorators that propagate context
 * (S22), and a transaction is not among them, as a goroutine does not inherit a {@code *sql.Tx}.
 *
 * <p>What it does on the thread that runs the task, around everything else the factory wraps the task
 * in (it must be the outermost decorator, so that a decorator that opens a transaction around the task
 * is inside it):
 * <ol>
 * <li>Reads the six pieces of state. On a pool thread they are all empty and nothing more happens: no
 * copy, no allocation, six {@code ThreadLocal} reads.
 * <li>Otherwise copies them, unbinds every resource and clears the rest, so the task starts on a
 * thread that looks like a pool thread.
 * <li>After the task, whether it returned or threw: whatever the task left bound (a transaction it
 * began and never ended, a resource it bound by hand) is cleared and logged at WARN, since it would
 * otherwise reach the awaiting caller, or the next task of a pool thread; then the copied state is
 * bound again, the synchronizations in the order {@link TransactionSynchronizationManager#getSynchronizations()}
 * reports them.
 * </ol>
 *
 * <p>It hides the bindings; it does not suspend the transaction, so the synchronizations'
 * {@link TransactionSynchronization#suspend() suspend()} and {@link TransactionSynchronization#resume()
 * resume()} callbacks are not called. Those callbacks are the transaction manager's, for a
 * transaction that really is set aside ({@code REQUIRES_NEW}): JDBC's unbinds its resource and
 * releases a connection that holds no transaction, JPA's flushes or detaches, an application's own may
 * log or count. Here the caller's transaction is not set aside; it is merely out of sight while its
 * thread, blocked in {@code await()}, lends itself to a task, exactly as it would be if a pool thread
 * ran the task. Calling them would release or flush on the caller's behalf things the caller never
 * asked for, and would make restoring exact impossible (a released connection comes back as another
 * one). A JTA transaction's association with the thread belongs to the JTA transaction manager, not to
 * Spring's synchronization state, and is not hidden.
 */
public final class TransactionStateHidingDecorator implements UnaryOperator<Runnable> {

	private static final Log logger = LogFactory.getLog(TransactionStateHidingDecorator.class);

	/**
	 * Creates the decorator; it holds no state, so one serves every factory.
	 */
	public TransactionStateHidingDecorator() {
	}

	/**
	 * Wraps a task so that it runs with none of its thread's transaction state, which is restored
	 * afterwards.
	 * @param task the task, as wrapped by the factory's other decorators
	 * @return the task with the running thread's transaction state hidden around it
	 */
	@Override
	public Runnable apply(Runnable task) {
		return () -> runHidden(task);
	}

	private static void runHidden(Runnable task) {
		@Nullable Bindings hidden = Bindings.hide();
		try {
			task.run();
		}
		finally {
			clearLeftovers();
			if (hidden != null) {
				hidden.restore();
			}
		}
	}

	private static void clearLeftovers() {
		if (Bindings.isEmpty()) {
			return;
		}
		Bindings left = Bindings.hide();
		if (left != null && logger.isWarnEnabled()) {
			logger.warn("A group task left transaction state bound to thread " + Thread.currentThread().getName()
					+ " (" + left + "); it was cleared so that it reaches neither the awaiting caller nor the"
					+ " next task of the thread. A transaction a task begins must end in that task.");
		}
	}

	/** One thread's transaction state, taken off the thread by {@link #hide()}. */
	private record Bindings(Map<Object, Object> resources, @Nullable List<TransactionSynchronization> synchronizations,
			@Nullable String name, boolean readOnly, @Nullable Integer isolation, boolean actualTransactionActive) {

		/** The fast path: nothing bound, nothing set (a pool thread). */
		static boolean isEmpty() {
			return TransactionSynchronizationManager.getResourceMap().isEmpty()
					&& !TransactionSynchronizationManager.isSynchronizationActive()
					&& !TransactionSynchronizationManager.isActualTransactionActive()
					&& TransactionSynchronizationManager.getCurrentTransactionName() == null
					&& !TransactionSynchronizationManager.isCurrentTransactionReadOnly()
					&& TransactionSynchronizationManager.getCurrentTransactionIsolationLevel() == null;
		}

		/** Copies this thread's state and clears it; {@code null}, touching nothing, when there is none. */
		static @Nullable Bindings hide() {
			if (isEmpty()) {
				return null;
			}
			Bindings bindings = new Bindings(new LinkedHashMap<>(TransactionSynchronizationManager.getResourceMap()),
					TransactionSynchronizationManager.isSynchronizationActive()
							? new ArrayList<>(TransactionSynchronizationManager.getSynchronizations()) : null,
					TransactionSynchronizationManager.getCurrentTransactionName(),
					TransactionSynchronizationManager.isCurrentTransactionReadOnly(),
					TransactionSynchronizationManager.getCurrentTransactionIsolationLevel(),
					TransactionSynchronizationManager.isActualTransactionActive());
			// IfPossible: a void holder (one whose transaction ended) is in the map but cannot be unbound.
			bindings.resources.keySet().forEach(TransactionSynchronizationManager::unbindResourceIfPossible);
			TransactionSynchronizationManager.clear(); // synchronizations, name, read-only, isolation, active
			return bindings;
		}

		/** Binds the copied state again, on a thread that has none. */
		void restore() {
			this.resources.forEach(TransactionSynchronizationManager::bindResource);
			if (this.synchronizations != null) {
				TransactionSynchronizationManager.initSynchronization();
				this.synchronizations.forEach(TransactionSynchronizationManager::registerSynchronization);
			}
			TransactionSynchronizationManager.setCurrentTransactionName(this.name);
			TransactionSynchronizationManager.setCurrentTransactionReadOnly(this.readOnly);
			TransactionSynchronizationManager.setCurrentTransactionIsolationLevel(this.isolation);
			TransactionSynchronizationManager.setActualTransactionActive(this.actualTransactionActive);
		}

		@Override
		public String toString() {
			List<String> held = new ArrayList<>();
			this.resources.values().forEach((value) -> held.add(value.getClass().getSimpleName()));
			return "resources " + held + ", synchronizations "
					+ ((this.synchronizations != null) ? this.synchronizations.size() : "inactive") + ", transaction "
					+ ((this.name != null) ? "'" + this.name + "'" : "unnamed")
					+ (this.actualTransactionActive ? " active" : " not active");
		}

	}

}
