package io.github.errgroup.spring;

import java.util.List;
import java.util.function.Supplier;

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
 * <p>A hook for integrations, registered by the auto-configuration; applications do not use it.
 */
public final class ErrGroupFactories implements SmartInitializingSingleton {

	private final Supplier<List<ErrGroupFactory>> factories;

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
	 * Returns the open groups of every factory.
	 * @return a snapshot of the open groups
	 */
	public List<GroupInfo> openGroups() {
		return factories().stream().flatMap((factory) -> factory.openGroups().stream()).toList();
	}

}
