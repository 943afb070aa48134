package io.github.errgroup.spring.web.reactive;

import java.util.concurrent.TimeoutException;

import io.github.errgroup.CancellationScope;
import io.github.errgroup.ErrGroupException;
import io.github.errgroup.spring.web.RequestScopes;
import reactor.core.publisher.Mono;

import org.springframework.core.Ordered;
import org.springframework.http.HttpStatus;
import org.springframework.web.server.ResponseStatusException;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebExceptionHandler;

/**
 * Turns an {@link ErrGroupException} whose cause is the request's own deadline into a
 * {@code 503 Service Unavailable} {@link ResponseStatusException} for Spring Boot's error handling,
 * when the application's {@code @ExceptionHandler}s did not handle it first; the same default as the
 * servlet side, for the same reason (the deadline is this server's own limit on the request).
 */
public final class RequestDeadlineWebExceptionHandler implements WebExceptionHandler, Ordered {

	@Override
	public int getOrder() {
		return -2; // before Spring Boot's ErrorWebExceptionHandler (-1), which renders what this passes on
	}

	@Override
	public Mono<Void> handle(ServerWebExchange exchange, Throwable ex) {
		Object attribute = exchange.getAttribute(RequestScopes.SCOPE_ATTRIBUTE);
		if (ex instanceof ErrGroupException failure && attribute instanceof CancellationScope scope) {
			TimeoutException deadline = RequestScopes.deadlineBehind(failure, scope);
			if (deadline != null) {
				return Mono.error(new ResponseStatusException(HttpStatus.SERVICE_UNAVAILABLE, deadline.getMessage(), ex));
			}
		}
		return Mono.error(ex);
	}

}
