package io.github.errgroup.spring.autoconfigure.context;

import java.util.Map;
import java.util.function.UnaryOperator;

import org.jspecify.annotations.Nullable;
import org.slf4j.MDC;

/**
 * Carries the submitter's SLF4J {@link MDC} into a task, and restores the running thread's own
 * afterwards: cleared on a pool thread, the waiter's own values when the awaiting thread ran the task.
 */
final class MdcPropagation implements UnaryOperator<Runnable> {

	@Override
	public Runnable apply(Runnable task) {
		Map<String, String> captured = MDC.getCopyOfContextMap();
		return () -> {
			Map<String, String> previous = MDC.getCopyOfContextMap();
			set(captured);
			try {
				task.run();
			}
			finally {
				set(previous);
			}
		};
	}

	private static void set(@Nullable Map<String, String> values) {
		if (values == null || values.isEmpty()) {
			MDC.clear();
		}
		else {
			MDC.setContextMap(values);
		}
	}

}
