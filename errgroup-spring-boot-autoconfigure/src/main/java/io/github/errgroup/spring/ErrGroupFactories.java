package io.github.errgroup.spring;

import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.function.Supplier;

import io.github.errgroup.ErrGroupException;
import io.github.errgroup.ErrGroupFactory;
import io.github.errgroup.GroupInfo;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.util.function.SingletonSupplier;

/**
 * The {@link ErrGroupFactory} beans of an application context, the application's own included, looked
 * up once: when every singleton exists, or at the first use before that. What the shutdown (S23), the
 * {@code errgroup.*} gauges (S26) and the {@code errgroups} endpoint (S28) act on, so that all three see
 * the same factories and none looks them up again later: a lookup while or after the context closes
 * would create a factory, and its executor, anew.
 *
 * <p>It also tells a group failure that the shutdown caused from any other (S36), so that the web
 * layer can answer the requests in flight with "the server is going away" rather than an error.
 *
 * <p>A hook for integrations, registered by the auto-configuration; applications do not use it.
 */
public final class ErrGroupFactories implements SmartInitializingSingleton {

	/**
	 * What every open group's cause says when the application shuts down: its
	 * {@link CancellationException}'s message starts with this and a colon.
	 */
	public static final String SHUTDOWN_REASON = "The application is shutting down";

	/** How many wrappers {@link #isCancelledByShutdown} looks through for the group's failure. */
	private static final int MAX_WRAPPERS = 16;

	private final Supplier<List<ErrGroupFactory>> factories;

	private volatile boolean shutDown;

	/**
	 * Creates the registry; nothing is looked up yet.
	 * @param factories the context's {@code ErrGroupFactory} beans, in {@code @Order}
	 */
	public ErrGroupFactories(ObjectProvider<ErrGroupFactory> factories) {
		this.factories = SingletonSupplier.of(() -> factories.orderedStream().toList());
	}

	@Override
	public void afterSingletonsInstantiated() {
		this.factories.get();
	}

	/**
	 * Returns the factories.
	 * @return every {@code ErrGroupFactory} bean, in {@code @Order}
	 */
	public List<ErrGroupFactory> factories() {
		return this.factories.get();
	}

	/**
	 * Shuts every factory ({@link ErrGroupFactory#close(String)}) with {@link #SHUTDOWN_REASON}: open
	 * groups are cancelled with a cause that says so and new groups are refused (S23). Idempotent.
	 */
	public void shutDown() {
		this.shutDown = true; // before the cancellations, which wake the requests that will ask
		factories().forEach((factory) -> factory.close(SHUTDOWN_REASON));
	}

	/**
	 * Returns whether {@code failure} is a group's failure caused by {@link #shutDown()} itself: an
	 * {@link ErrGroupException} (or one that the application wrapped, up to 16 causes deep) whose
	 * {@linkplain ErrGroupException#firstCause() first cause} is the {@link CancellationException} that
	 * the shutdown cancelled the group (or a nested group) with. A task's own failure, a deadline or the
	 * end of the request is not, even while the application shuts down.
	 * @param failure what a request failed with
	 * @return whether the shutdown made it fail
	 */
	public boolean isCancelledByShutdown(Throwable failure) {
		if (!this.shutDown) {
			return false;
		}
		Throwable current = failure;
		for (int depth = 0; current != null && depth < MAX_WRAPPERS; depth++, current = current.getCause()) {
			if (current instanceof ErrGroupException group) {
				return group.firstCause() instanceof CancellationException cancelled && cancelled.getMessage() != null
						&& cancelled.getMessage().startsWith(SHUTDOWN_REASON + ": ");
			}
		}
		return false;
	}

	/**
	 * Returns the open groups of every factory.
	 * @return a snapshot of the open groups
	 */
	public List<GroupInfo> openGroups() {
		return factories().stream().flatMap((factory) -> factory.openGroups().stream()).toList();
	}

}
