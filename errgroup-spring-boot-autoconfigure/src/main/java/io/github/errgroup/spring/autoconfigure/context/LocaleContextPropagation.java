package io.github.errgroup.spring.autoconfigure.context;

import java.util.function.UnaryOperator;

import org.jspecify.annotations.Nullable;

import org.springframework.context.i18n.LocaleContext;
import org.springframework.context.i18n.LocaleContextHolder;

/**
 * Carries the submitter's {@link LocaleContext} into a task, and restores the running thread's own
 * afterwards.
 */
final class LocaleContextPropagation implements UnaryOperator<Runnable> {

	@Override
	public Runnable apply(Runnable task) {
		LocaleContext captured = LocaleContextHolder.getLocaleContext();
		return () -> {
			LocaleContext previous = LocaleContextHolder.getLocaleContext();
			set(captured);
			try {
				task.run();
			}
			finally {
				set(previous);
			}
		};
	}

	private static void set(@Nullable LocaleContext context) {
		if (context != null) {
			LocaleContextHolder.setLocaleContext(context);
		}
		else {
			LocaleContextHolder.resetLocaleContext();
		}
	}

}
