package io.github.errgroup.spring.autoconfigure.executor;

import org.springframework.boot.autoconfigure.condition.ConditionOutcome;
import org.springframework.boot.autoconfigure.condition.SpringBootCondition;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.thread.Threading;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.core.env.Environment;
import org.springframework.core.type.AnnotatedTypeMetadata;

/**
 * Decides whether group tasks run on virtual threads: {@code errgroup.executor.virtual-threads} when
 * set (on Java 17, {@code true} then fails start-up in {@code ErrGroupProperties} with a message saying
 * why), else {@code spring.threads.virtual.enabled} on Java 21 or later, as Boot decides for its own
 * executor. The two subclasses match the two answers, so exactly one executor is declared.
 */
abstract class ThreadingCondition extends SpringBootCondition {

	private static final String PROPERTY = "errgroup.executor.virtual-threads";

	private final boolean virtual;

	ThreadingCondition(boolean virtual) {
		this.virtual = virtual;
	}

	@Override
	public ConditionOutcome getMatchOutcome(ConditionContext context, AnnotatedTypeMetadata metadata) {
		Environment environment = context.getEnvironment();
		Boolean own = Binder.get(environment).bind(PROPERTY, Boolean.class).orElse(null);
		boolean useVirtual = (own != null) ? own : Threading.VIRTUAL.isActive(environment);
		String reason = (own != null) ? PROPERTY + " is " + own
				: PROPERTY + " is not set and Threading.VIRTUAL is " + (useVirtual ? "" : "not ") + "active";
		return new ConditionOutcome(useVirtual == this.virtual,
				(useVirtual ? "virtual threads: " : "platform threads: ") + reason);
	}

	/** Matches when group tasks run on virtual threads. */
	static final class OnVirtualThreads extends ThreadingCondition {

		OnVirtualThreads() {
			super(true);
		}

	}

	/** Matches when group tasks run on platform threads, in a pool. */
	static final class OnPlatformThreads extends ThreadingCondition {

		OnPlatformThreads() {
			super(false);
		}

	}

}
