package io.github.errgroup.spring.autoconfigure.context;

import java.util.function.UnaryOperator;

import org.jspecify.annotations.Nullable;

import org.springframework.web.context.request.RequestAttributes;
import org.springframework.web.context.request.RequestContextHolder;

/**
 * Carries the submitter's {@link RequestAttributes} (the current web request) into a task, and restores
 * the running thread's own afterwards. Groups opened in a request end with it (S24), so a task does
 * not outlive the request whose attributes it reads.
 */
final class RequestAttributesPropagation implements UnaryOperator<Runnable> {

	@Override
	public Runnable apply(Runnable task) {
		RequestAttributes captured = RequestContextHolder.getRequestAttributes();
		return () -> {
			RequestAttributes previous = RequestContextHolder.getRequestAttributes();
			set(captured);
			try {
				task.run();
			}
			finally {
				set(previous);
			}
		};
	}

	private static void set(@Nullable RequestAttributes attributes) {
		if (attributes != null) {
			RequestContextHolder.setRequestAttributes(attributes);
		}
		else {
			RequestContextHolder.resetRequestAttributes();
		}
	}

}
