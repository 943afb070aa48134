package io.github.errgroup.spring.web.servlet;

import java.io.IOException;
import java.util.concurrent.TimeoutException;

import io.github.errgroup.CancellationScope;
import io.github.errgroup.GroupContext;
import io.github.errgroup.spring.web.RequestEndedException;
import io.github.errgroup.spring.web.RequestEndedException.Reason;
import io.github.errgroup.spring.web.RequestScopes;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.jspecify.annotations.Nullable;

import org.springframework.core.Ordered;
import org.springframework.web.filter.OncePerRequestFilter;
import org.springframework.web.util.DisconnectedClientHelper;

/**
 * Gives each servlet request its own {@link CancellationScope} (S24), named
 * {@code "<METHOD> <path>"}, with the request's deadline ({@link RequestScopes}).
 *
 * <p>The scope is bound to the thread that handles the request, and to the threads of its async
 * dispatches, so that {@link GroupContext#current()} there is the request's context and every group
 * opened there, or in the tasks under it (S14), is the request's child. It is cancelled once, when
 * the request ends, with a cause that says why:
 * <ul>
 * <li>a synchronous handler returned: {@link RequestEndedException} {@code COMPLETED}, as soon as the
 * filter chain returns;</li>
 * <li>it threw: {@code FAILED}, with the exception as the cause's cause;</li>
 * <li>an async request ({@code DeferredResult}, {@code Callable}, {@code CompletableFuture}):
 * {@code COMPLETED} when the async dispatch that writes the answer returns, or when an
 * {@link AsyncListener} hears {@code onComplete}, whichever comes first; a {@link TimeoutException}
 * when the container's async timeout passed; {@code STREAM_RESET} for an I/O error the container
 * reports on an HTTP/2 request (Tomcat 11 and Jetty 12 do when the client resets the stream or closes
 * the connection), {@code CLIENT_DISCONNECTED} for an error the container reports when the client went
 * away, {@code FAILED} for any other error;</li>
 * <li>the deadline passed: the scope's own {@link TimeoutException}.</li>
 * </ul>
 * Containers may report the end of an async request more than once; only the first cause counts.
 */
public final class ErrGroupRequestFilter extends OncePerRequestFilter implements Ordered {

	/**
	 * The filter's default order: early, right after Spring's observation filter, so that whatever
	 * runs after it, security included, sees the request's scope.
	 */
	public static final int DEFAULT_ORDER = Ordered.HIGHEST_PRECEDENCE + 2;

	private final RequestScopes scopes;

	private int order = DEFAULT_ORDER;

	/**
	 * Creates the filter.
	 * @param scopes opens each request's scope with its deadline
	 */
	public ErrGroupRequestFilter(RequestScopes scopes) {
		this.scopes = scopes;
	}

	@Override
	public int getOrder() {
		return this.order;
	}

	/**
	 * Sets the order of the filter.
	 * @param order the order, {@link #DEFAULT_ORDER} unless set
	 */
	public void setOrder(int order) {
		this.order = order;
	}

	/**
	 * Async dispatches are filtered too: they bind the scope of the request they continue.
	 * @return {@code false}
	 */
	@Override
	protected boolean shouldNotFilterAsyncDispatch() {
		return false;
	}

	@Override
	protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
			throws ServletException, IOException {
		boolean asyncDispatch = isAsyncDispatch(request);
		CancellationScope scope = asyncDispatch ? scopeOf(request) : open(request);
		if (scope == null) {
			chain.doFilter(request, response); // an async dispatch of a request this filter did not see
			return;
		}
		Throwable failure = null;
		CancellationScope.Binding binding = scope.bind();
		try {
			chain.doFilter(request, response);
		}
		catch (IOException | ServletException | RuntimeException | Error ex) {
			failure = ex;
			throw ex;
		}
		finally {
			binding.close();
			if (request.isAsyncStarted()) {
				if (request.getDispatcherType() == DispatcherType.REQUEST) {
					request.getAsyncContext().addListener(new RequestEndListener(scope, isHttp2(request)));
				} // an async dispatch that starts async again: the listener re-registered in onStartAsync
			}
			else {
				scope.cancel(ended(scope, (failure != null) ? Reason.FAILED : Reason.COMPLETED, failure));
			}
		}
	}

	private CancellationScope open(HttpServletRequest request) {
		CancellationScope scope = this.scopes.open(request.getMethod(), request.getRequestURI(), request::getHeader);
		request.setAttribute(RequestScopes.SCOPE_ATTRIBUTE, scope);
		return scope;
	}

	/** The protocol as the servlet API names it ({@code HTTP/2.0}), whether over TLS or h2c. */
	private static boolean isHttp2(HttpServletRequest request) {
		return request.getProtocol().startsWith("HTTP/2");
	}

	static @Nullable CancellationScope scopeOf(HttpServletRequest request) {
		return (request.getAttribute(RequestScopes.SCOPE_ATTRIBUTE) instanceof CancellationScope scope) ? scope
				: null;
	}

	static RequestEndedException ended(CancellationScope scope, Reason reason, @Nullable Throwable failure) {
		return new RequestEndedException(scope.context().groupName(), reason, failure);
	}

	/**
	 * Cancels the scope when an async request ends. Idempotent, as the scope's {@code cancel} is.
	 */
	private static final class RequestEndListener implements AsyncListener {

		private final CancellationScope scope;

		private final boolean http2;

		RequestEndListener(CancellationScope scope, boolean http2) {
			this.scope = scope;
			this.http2 = http2;
		}

		@Override
		public void onComplete(AsyncEvent event) {
			this.scope.cancel(ended(this.scope, Reason.COMPLETED, null));
		}

		@Override
		public void onTimeout(AsyncEvent event) {
			this.scope.cancel(new TimeoutException("async request '" + this.scope.context().groupName()
					+ "' timed out (the container's async request timeout)"));
		}

		/**
		 * On HTTP/2, an I/O error is the stream's end: Tomcat 11 reports a client's {@code RST_STREAM}
		 * (and a closed connection, which resets every stream) as a plain {@code IOException}, Jetty 12
		 * as an {@code EofException} (docs/web-cancellation.md).
		 */
		@Override
		public void onError(AsyncEvent event) {
			Throwable error = event.getThrowable();
			Reason reason;
			if (this.http2 && error instanceof IOException) {
				reason = Reason.STREAM_RESET;
			}
			else if (error != null && DisconnectedClientHelper.isClientDisconnectedException(error)) {
				reason = Reason.CLIENT_DISCONNECTED;
			}
			else {
				reason = Reason.FAILED;
			}
			this.scope.cancel(ended(this.scope, reason, error));
		}

		@Override
		public void onStartAsync(AsyncEvent event) {
			event.getAsyncContext().addListener(this); // async started again: listeners must re-register
		}

	}

}
