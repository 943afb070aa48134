package io.github.errgroup.spring.autoconfigure;

import java.util.concurrent.CancellationException;

import io.github.errgroup.ErrGroupFactory;
import io.github.errgroup.spring.ErrGroupFactories;
import org.jspecify.annotations.Nullable;

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
 * <p><b>Why these phases.</b> Lifecycles stop from the highest phase down. In Spring Boot 4 the web
 * server's graceful shutdown runs in {@code SmartLifecycle.DEFAULT_PHASE - 1024}
 * ({@code WebServerApplicationContext.GRACEFUL_SHUTDOWN_PHASE}) and the server itself stops in
 * {@code DEFAULT_PHASE - 2048}; executors such as the {@code errGroupTaskExecutor} pause in
 * {@code ExecutorConfigurationSupport.DEFAULT_PHASE} ({@code Integer.MAX_VALUE / 2}), and pausing waits
 * for their running tasks.
 * <ul>
 * <li>By default the factories shut when the context publishes its {@link ContextClosedEvent}, before
 * any lifecycle stops — the stop at {@code DEFAULT_PHASE - 512} only covers a context stopped before it
 * closed. Before graceful shutdown begins to wait for the requests in flight, and before a lifecycle in
 * the highest phase, such as Spring gRPC's server ({@code Integer.MAX_VALUE}), which waits out its
 * own grace period for calls blocked in groups and then cuts them, failing their callers' groups with a
 * status instead of the shutdown's cause: a request blocked in a group would otherwise hold the
 * whole shutdown for {@code spring.lifecycle.timeout-per-shutdown-phase} (30 s by default), which S23
 * forbids. Requests in flight then end promptly with the shutdown as their groups' cause, as a Go
 * server's requests do when its base context is cancelled on SIGTERM.</li>
 * <li>With {@code errgroup.shutdown.after-graceful-shutdown=true} it stops at
 * {@code DEFAULT_PHASE - 1536}: after graceful shutdown, so that requests in flight may finish their
 * groups normally; before the server stops, so that a request that outlived the grace period is
 * released by its groups' cancellation rather than cut off.</li>
 * <li>Either way well before the executor pauses: a task blocked in a group would otherwise hold the
 * pause for the whole phase timeout, and the factory would only be closed when the bean is destroyed,
 * after that wait.</li>
 * </ul>
 *
 * <p><b>The requests in flight still get their answer (S36).</b> Cancelling before graceful shutdown
 * means that the requests blocked in groups fail while it waits, and Tomcat's graceful shutdown only
 * waits while a request is inside a servlet: the starter's {@code ApplicationShutdownExceptionResolver}
 * (WebFlux: {@code ApplicationShutdownWebExceptionHandler}) answers such a failure with 503, rendered
 * inside the {@code DispatcherServlet}, rather than leaving it to the container's {@code /error}
 * forward after the servlet, which the server's stop could cut off. {@link ErrGroupFactories} tells
 * these failures from others.
 *
 * <p>Only a context close shuts the factories; a plain {@code stop()} of the context (for example
 * for a checkpoint) leaves them usable, since a closed factory cannot be reopened. A context stopped
 * first and closed later shuts them when it closes.
 */
final class ErrGroupShutdownLifecycle implements SmartLifecycle, ApplicationListener<ContextClosedEvent>,
		ApplicationContextAware {

	/** The default phase: before graceful shutdown (see the class comment). */
	static final int PHASE = SmartLifecycle.DEFAULT_PHASE - 512;

	/** The phase with {@code errgroup.shutdown.after-graceful-shutdown=true}. */
	static final int PHASE_AFTER_GRACEFUL_SHUTDOWN = SmartLifecycle.DEFAULT_PHASE - 1536;

	private final int phase;

	private final ErrGroupFactories factories;

	private @Nullable ApplicationContext applicationContext;

	private volatile boolean running;

	private volatile boolean closing;

	ErrGroupShutdownLifecycle(ErrGroupFactories factories, boolean afterGracefulShutdown) {
		this.factories = factories;
		this.phase = afterGracefulShutdown ? PHASE_AFTER_GRACEFUL_SHUTDOWN : PHASE;
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
			if (!this.running || this.phase == PHASE) {
				// stopped before (context.stop()): stop() will not be called again; or the default, before
				// every lifecycle, the highest phase included (see the class comment)
				shutDownAll();
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
		this.factories.shutDown();
	}

	@Override
	public boolean isRunning() {
		return this.running;
	}

	@Override
	public int getPhase() {
		return this.phase;
	}

}
