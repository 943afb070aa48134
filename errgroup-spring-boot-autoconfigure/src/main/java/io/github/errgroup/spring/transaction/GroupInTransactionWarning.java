package io.github.errgroup.spring.transaction;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import io.github.errgroup.GroupInfo;
import io.github.errgroup.GroupListener;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * Logs a WARN, once per group name, when a group is opened on a thread with an actual transaction
 * active: its tasks do not join that transaction (S29), which a reader of
 * {@code @Transactional void save() { group.go(...); ... }} may well expect. The message names the
 * group and the transaction and points at the README's "Transactions and JPA".
 *
 * <p>Once per name, because the cause is in the code, not in the request: the hundredth request through
 * the same method says nothing new. Names are remembered up to {@value #MAX_NAMES}, so that an
 * application that builds group names from data cannot grow the set without bound; beyond that, no
 * more warnings. Silence it with the logger's level
 * ({@code logging.level.io.github.errgroup.spring.transaction.GroupInTransactionWarning=error}).
 */
public final class GroupInTransactionWarning implements GroupListener {

	private static final Log logger = LogFactory.getLog(GroupInTransactionWarning.class);

	static final int MAX_NAMES = 1000;

	private final Set<String> warned = ConcurrentHashMap.newKeySet();

	/**
	 * Creates the listener, with no group name warned about yet.
	 */
	public GroupInTransactionWarning() {
	}

	/**
	 * Warns when the group is opened inside an actual transaction, the first time for its name.
	 * @param group the group, on the thread that opens it
	 */
	@Override
	public void groupOpened(GroupInfo group) {
		if (!logger.isWarnEnabled() || !TransactionSynchronizationManager.isActualTransactionActive()) {
			return;
		}
		String name = group.name();
		if (this.warned.size() >= MAX_NAMES || !this.warned.add(name)) {
			return;
		}
		String transaction = TransactionSynchronizationManager.getCurrentTransactionName();
		logger.warn("Group '" + name + "' was opened inside transaction "
				+ ((transaction != null) ? "'" + transaction + "'" : "(unnamed)")
				+ ". Its tasks do not join it: on whichever thread, a task runs without the caller's"
				+ " transaction and persistence context, so its writes are not rolled back with the caller's."
				+ " Run each writing task in a transaction of its own (a TransactionTemplate inside the task)"
				+ " and hand results, not lazy entities, between tasks; see 'Transactions and JPA' in the"
				+ " errgroup-spring-boot-starter README. Logged once per group name.");
	}

}
