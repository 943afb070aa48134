package io.github.errgroup.spring.web.servlet;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

import io.github.errgroup.spring.ErrGroupFactories;
import jakarta.servlet.RequestDispatcher;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import org.springframework.core.Ordered;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.web.servlet.HandlerExceptionResolver;
import org.springframework.web.servlet.ModelAndView;

/**
 * Answers {@code 503 Service Unavailable} for a request whose groups
 * the application's shutdown cancelled (S36), when the application's own error handling did not
 * handle the failure first, and writes the whole answer before the request leaves the
 * {@code DispatcherServlet}.
 *
 * <p><b>Why inside the servlet.</b> Spring Boot's graceful shutdown on Tomcat waits while a servlet is
 * allocated to a request (or an async request is in progress), polling every 50 ms, and then the
 * server's stop closes every connection. The groups are cancelled before that wait begins (S23), so
 * the requests blocked in them fail during it. An exception that no resolver handles leaves the
 * servlet and is rendered by the container's error page forward to {@code /error} afterwards, where
 * the request is no longer counted: in a fresh JVM that forward first loads the error path's classes,
 * graceful shutdown reads a count of 0 and completes, and the client gets its connection closed
 * instead of an answer. This resolver renders the error page itself, still inside the servlet, so the
 * answer is on the wire while graceful shutdown still waits for the request.
 *
 * <p><b>What it answers.</b> 503, which clients and load balancers read as "this instance cannot serve
 * it, try another". No {@code Retry-After}: it would tell the client when to come back to a server that
 * is going away. No {@code Connection: close} of its own: Tomcat adds it once graceful shutdown has
 * paused the connector, and keeps the body in chunks, while one set here would make Tomcat end the body
 * with the connection, which closes only after the servlet, so the client could not see the answer
 * whole before then. The
 * body is what Spring Boot's error handling renders for a 503: the error page at
 * {@code spring.web.error.path} is forwarded to, inside this servlet, with the request attributes the
 * container's error dispatch sets (as Spring Boot's {@code ErrorPageFilter} does for a war); an
 * application without an error controller gets a short plain-text body, written and closed here.
 *
 * <p>Runs last, after every {@code @ExceptionHandler}, so that the application's own handling wins.
 */
public final class ApplicationShutdownExceptionResolver implements HandlerExceptionResolver, Ordered {

	private static final Log logger = LogFactory.getLog(ApplicationShutdownExceptionResolver.class);

	private final ErrGroupFactories factories;

	private final @Nullable String errorPath;

	/**
	 * Creates the resolver.
	 * @param factories tells the shutdown's cancellation from other failures
	 * @param errorPath the path of the application's error controller ({@code spring.web.error.path}), or
	 * {@code null} when there is none, to answer with a plain-text body
	 */
	public ApplicationShutdownExceptionResolver(ErrGroupFactories factories, @Nullable String errorPath) {
		this.factories = factories;
		this.errorPath = errorPath;
	}

	@Override
	public int getOrder() {
		return Ordered.LOWEST_PRECEDENCE;
	}

	@Override
	public @Nullable ModelAndView resolveException(HttpServletRequest request, HttpServletResponse response,
			@Nullable Object handler, Exception ex) {
		if (response.isCommitted() || !this.factories.isCancelledByShutdown(ex)) {
			return null;
		}
		try {
			answer(request, response, ex);
		}
		catch (ServletException | IOException | RuntimeException failure) {
			logger.debug("Could not answer a request that the application's shutdown cancelled", failure);
			return response.isCommitted() ? new ModelAndView() : null;
		}
		return new ModelAndView();
	}

	private void answer(HttpServletRequest request, HttpServletResponse response, Exception ex)
			throws ServletException, IOException {
		response.resetBuffer();
		response.setStatus(HttpStatus.SERVICE_UNAVAILABLE.value());
		if (this.errorPath != null) {
			request.setAttribute(RequestDispatcher.ERROR_STATUS_CODE, HttpStatus.SERVICE_UNAVAILABLE.value());
			request.setAttribute(RequestDispatcher.ERROR_MESSAGE, ErrGroupFactories.SHUTDOWN_REASON);
			request.setAttribute(RequestDispatcher.ERROR_EXCEPTION, ex);
			request.setAttribute(RequestDispatcher.ERROR_EXCEPTION_TYPE, ex.getClass());
			request.setAttribute(RequestDispatcher.ERROR_REQUEST_URI, request.getRequestURI());
			// The error view writes and flushes the answer here, inside the servlet; Tomcat then suspends
			// the response, and ends it (the last chunk) as soon as the servlet returns.
			request.getRequestDispatcher(this.errorPath).forward(request, response);
		}
		else {
			response.setContentType(MediaType.TEXT_PLAIN_VALUE);
			response.setCharacterEncoding(StandardCharsets.UTF_8.name());
			response.getWriter().write(ErrGroupFactories.SHUTDOWN_REASON + "\n");
			close(response);
		}
	}

	/** Closing the response writes all of it, the last chunk included, to the connection. */
	private static void close(HttpServletResponse response) throws IOException {
		try {
			response.getOutputStream().close();
		}
		catch (IllegalStateException writerInUse) {
			response.getWriter().close();
		}
	}

}
