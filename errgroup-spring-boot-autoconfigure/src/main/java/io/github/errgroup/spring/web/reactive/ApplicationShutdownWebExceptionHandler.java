package io.github.errgroup.spring.web.reactive;

import io.github.errgroup.spring.ErrGroupFactories;
import reactor.core.publisher.Mono;

import org.springframework.core.Ordered;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.web.server.ResponseStatusException;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebExceptionHandler;

/**
 * Turns the failure of a request whose groups the application's shutdown cancelled (S36) into a
 * {@code 503 Service Unavailable} {@link ResponseStatusException} for Spring Boot's error handling,
 * with {@code Connection: close}, when the application's {@code @ExceptionHandler}s did not handle it
 * first: the same answer as the servlet side, for the same reasons. Reactor Netty's graceful shutdown
 * waits for each exchange to complete, so the answer only needs to be the right one.
 */
public final class ApplicationShutdownWebExceptionHandler implements WebExceptionHandler, Ordered {

	private final ErrGroupFactories factories;

	/**
	 * Creates the handler.
	 * @param factories tells the shutdown's cancellation from other failures
	 */
	public ApplicationShutdownWebExceptionHandler(ErrGroupFactories factories) {
		this.factories = factories;
	}

	@Override
	public int getOrder() {
		return -2; // before Spring Boot's ErrorWebExceptionHandler (-1), which renders what this passes on
	}

	@Override
	public Mono<Void> handle(ServerWebExchange exchange, Throwable ex) {
		if (!exchange.getResponse().isCommitted() && this.factories.isCancelledByShutdown(ex)) {
			exchange.getResponse().getHeaders().set(HttpHeaders.CONNECTION, "close");
			return Mono.error(
					new ResponseStatusException(HttpStatus.SERVICE_UNAVAILABLE, ErrGroupFactories.SHUTDOWN_REASON, ex));
		}
		return Mono.error(ex);
	}

}
