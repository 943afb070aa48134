package io.github.errgroup.spring;

import io.github.errgroup.ErrGroupFactory;

/**
 * Customizes the {@link ErrGroupFactory.Builder} of the auto-configured {@link ErrGroupFactory}, after
 * the executor, the {@code GroupListener} beans, the {@code TaskDecorator} beans and the
 * {@code GroupCustomizer} beans have been applied. Beans of this type are called in
 * {@link org.springframework.core.annotation.Order @Order}. A task decorator added here wraps those
 * added before it; this is how context propagation is installed around every {@code TaskDecorator}
 * bean, which therefore already sees the submitter's context when the task runs, and, around all of
 * them, the hiding of the running thread's transaction state (S29).
 */
@FunctionalInterface
public interface ErrGroupFactoryBuilderCustomizer {

	/**
	 * Customizes the builder.
	 * @param builder the builder, with its executor already set
	 */
	void customize(ErrGroupFactory.Builder builder);

}
