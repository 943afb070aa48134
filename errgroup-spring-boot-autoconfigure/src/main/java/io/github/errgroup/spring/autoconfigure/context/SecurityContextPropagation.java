package io.github.errgroup.spring.autoconfigure.context;

import java.util.function.UnaryOperator;

import org.springframework.security.concurrent.DelegatingSecurityContextRunnable;
import org.springframework.security.core.context.SecurityContext;

/**
 * Carries the submitter's Spring Security {@link SecurityContext} into a task with Spring Security's
 * own {@link DelegatingSecurityContextRunnable}, created at {@code go()} so that it captures the
 * submitter's context; it restores (or clears) the running thread's own afterwards.
 */
final class SecurityContextPropagation implements UnaryOperator<Runnable> {

	@Override
	public Runnable apply(Runnable task) {
		return new DelegatingSecurityContextRunnable(task);
	}

}
