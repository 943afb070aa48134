package io.github.errgroup.spring.autoconfigure.transaction;

import io.github.errgroup.spring.ErrGroupFactoryBuilderCustomizer;
import io.github.errgroup.spring.autoconfigure.ErrGroupAutoConfiguration;
import io.github.errgroup.spring.autoconfigure.context.ErrGroupContextPropagationAutoConfiguration;
import io.github.errgroup.spring.transaction.GroupInTransactionWarning;
import io.github.errgroup.spring.transaction.TransactionStateHidingDecorator;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.context.annotation.Bean;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * {@link EnableAutoConfiguration Auto-configuration} that gives a group task the same transaction state
 * whichever thread runs it (S29): none. The {@link TransactionStateHidingDecorator} hides the running
 * thread's {@link TransactionSynchronizationManager} state around each task, which matters when the
 * awaiting thread runs a task itself (S15), and the {@link GroupInTransactionWarning} reports, once
 * per group name, a group opened inside a transaction, whose tasks do not join it.
 *
 * <p>The decorator must be the outermost one, so that it also hides the thread's state from the
 * context propagation and from a {@code TaskDecorator} bean that might open a transaction around the
 * task, and so that it clears what they leave behind. The factory applies the {@code TaskDecorator}
 * beans first and the {@link ErrGroupFactoryBuilderCustomizer} beans last, in order, each decorator
 * wrapping those before it; this customizer has the lowest precedence and is registered after the
 * context propagation's, itself registered after the application's, so it comes last of all.
 *
 * <p>Active whenever spring-tx is present; there is no property of its own, because S29 is a
 * correctness rule, not a feature: {@code errgroup.enabled=false} turns it off with everything else.
 */
@AutoConfiguration(before = ErrGroupAutoConfiguration.class, after = ErrGroupContextPropagationAutoConfiguration.class)
@ConditionalOnClass(TransactionSynchronizationManager.class)
@ConditionalOnBooleanProperty(name = "errgroup.enabled", matchIfMissing = true)
public final class ErrGroupTransactionAutoConfiguration {

	ErrGroupTransactionAutoConfiguration() {
	}

	@Bean
	@Order(Ordered.LOWEST_PRECEDENCE)
	ErrGroupFactoryBuilderCustomizer errGroupTransactionState() {
		TransactionStateHidingDecorator decorator = new TransactionStateHidingDecorator();
		GroupInTransactionWarning warning = new GroupInTransactionWarning();
		return (builder) -> builder.taskDecorator(decorator).listener(warning);
	}

}
