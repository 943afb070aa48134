package io.github.errgroup.spring.autoconfigure;

import java.util.concurrent.CancellationException;

import io.github.errgroup.ErrGroupFactory;
import org.jspecify.annotations.Nullable;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.context.ApplicationContext;
import org.springframework.context.ApplicationContextAware;
import org.springframework.context.ApplicationListener;
import org.springframework.context.SmartLifecycle;
import org.springframework.context.event.ContextClosedEvent;

/**
 * Shuts the {@link ErrGroupFactory} beans when the application context closes (S23): every open group
 * is cancelled with a {@link CancellationException} saying that the application is shutting down,
 * and new groups are refused.
 *
 * <p><b>Why this phase.</b> Lifecycles stop from the highest phase down. In Spring Boot 4 the web
 * server's graceful shutdown runs in {@code SmartLifecycle.DEFAULT_PHASE - 1024}
 * ({@code WebServerApplicationContext.GRACEFUL_SHUTDOWN_PHASE}) and the server itself stops in
 * {@code DEFAULT_PHASE - 2048}; executors such as the {@code errGroupTaskExecutor} pause in
 * {@code ExecutorConfigurationSupport.DEFAULT_PHASE} ({@code Integer.MAX_VALUE / 2}), and pausing waits
 * for their running tasks. This lifecycle stops in between, at {@code DEFAULT_PHASE - 1536}:
 * <ul>
 * <li>after graceful shutdown, so requests still in flight finish their groups normally;</li>
 * <li>before the server stops, so a request that outlived graceful shutdown is released by its
 * group's cancellation rather than cut off;</li>
 * <li>well before the executor pauses: a task blocked in a group would otherwise hold the pause for the
 * whole {@code spring.lifecycle.timeout-per-shutdown-phase} (30 s by default) and the factory would only
 * be closed when the bean is destroyed, after that wait.</li>
 * </ul>
 *
 * <p>Only a context close shuts the factories; a plain {@code stop()} of the context (for example
 * for a checkpoint) leaves them usable, since a closed factory cannot be reopened. A context stopped
 * first and closed later shuts them when it closes.
 */
final class ErrGroupShutdownLifecycle implements SmartLifecycle, ApplicationListener<ContextClosedEvent>,
		ApplicationContextAware {

	/** See the class comment. */
	static final int PHASE = SmartLifecycle.DEFAULT_PHASE - 1536;

	private final ObjectProvider<ErrGroupFactory> factories;

	private @Nullable ApplicationContext applicationContext;

	private volatile boolean running;

	private volatile boolean closing;

	ErrGroupShutdownLifecycle(ObjectProvider<ErrGroupFactory> factories) {
		this.factories = factories;
	}

	@Override
	public void setApplicationContext(ApplicationContext applicationContext) {
		this.applicationContext = applicationContext;
	}

	@Override
	public void onApplicationEvent(ContextClosedEvent event) {
		// Published before the lifecycles stop; a child context's close reaches us too, and is not ours.
		if (event.getApplicationContext() == this.applicationContext) {
			this.closing = true;
			if (!this.running) {
				shutDownAll(); // stopped before (context.stop()): stop() will not be called again
			}
		}
	}

	@Override
	public void start() {
		this.running = true;
	}

	@Override
	public void stop() {
		this.running = false;
		if (this.closing) {
			shutDownAll();
		}
	}

	private void shutDownAll() {
		this.factories.orderedStream().forEach(ErrGroupShutdownLifecycle::shutDown);
	}

	private static void shutDown(ErrGroupFactory factory) {
		factory.close("The application is shutting down");
	}

	@Override
	public boolean isRunning() {
		return this.running;
	}

	@Override
	public int getPhase() {
		return PHASE;
	}

}
