package io.github.errgroup.spring.web.servlet;

import java.io.IOException;
import java.util.concurrent.TimeoutException;

import io.github.errgroup.CancellationScope;
import io.github.errgroup.ErrGroupException;
import io.github.errgroup.spring.web.RequestScopes;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.jspecify.annotations.Nullable;

import org.springframework.core.Ordered;
import org.springframework.http.HttpStatus;
import org.springframework.web.servlet.HandlerExceptionResolver;
import org.springframework.web.servlet.ModelAndView;

/**
 * Answers {@code 503 Service Unavailable} for an {@link ErrGroupException} whose cause is the
 * request's own deadline passing ({@code errgroup.web.request-timeout} or the inbound deadline
 * header), when the application's own error handling did not handle it first.
 *
 * <p>503, not 504, because the deadline is this server's own limit on the request, as with Go's
 * {@code http.TimeoutHandler} and Spring MVC's {@code AsyncRequestTimeoutException}; 504 is a
 * gateway's word for an upstream that did not answer, which an application's
 * {@code @ExceptionHandler} may well prefer. Runs last, after every {@code @ExceptionHandler}.
 */
public final class RequestDeadlineExceptionResolver implements HandlerExceptionResolver, Ordered {

	@Override
	public int getOrder() {
		return Ordered.LOWEST_PRECEDENCE;
	}

	@Override
	public @Nullable ModelAndView resolveException(HttpServletRequest request, HttpServletResponse response,
			@Nullable Object handler, Exception ex) {
		CancellationScope scope = ErrGroupRequestFilter.scopeOf(request);
		if (scope == null || !(ex instanceof ErrGroupException failure) || response.isCommitted()) {
			return null;
		}
		TimeoutException deadline = RequestScopes.deadlineBehind(failure, scope);
		if (deadline == null) {
			return null;
		}
		try {
			response.sendError(HttpStatus.SERVICE_UNAVAILABLE.value(), deadline.getMessage());
		}
		catch (IOException io) {
			return null;
		}
		return new ModelAndView();
	}

}
