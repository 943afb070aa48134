package io.github.errgroup.spring.web.client;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import io.github.errgroup.GroupContext;
import io.github.errgroup.spring.web.RequestScopes;
import org.jspecify.annotations.Nullable;

import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpRequest;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.client.ClientHttpRequestExecution;
import org.springframework.http.client.ClientHttpRequestInterceptor;
import org.springframework.http.client.ClientHttpResponse;
import org.springframework.util.StringUtils;

/**
 * Makes a blocking HTTP call ({@code RestClient}, {@code RestTemplate}) made where a
 * {@link GroupContext} is current (in a task, or on a request's thread) honour the group (S25): the
 * request carries the whole milliseconds left before the context's deadline in the deadline header,
 * and when the context is cancelled the call is aborted on the wire.
 *
 * <p>Aborting has two phases. Until the response headers arrive, the task's thread is interrupted by
 * the group, and the request factories auto-configured by Spring Boot give up the exchange on an
 * interrupt (the JDK {@code HttpClient} and Reactor Netty cancel it and close the connection). Once
 * the response is returned, an interrupt no longer helps: the JDK {@code HttpClient}'s body stream,
 * for one, ignores it and reads on until the body ends. So from then on, cancellation closes the
 * response's body stream, which closes its connection and wakes a thread blocked reading it. Either way the
 * call ends with an {@link java.io.InterruptedIOException}, which the core counts as cancelled.
 */
public final class DeadlineClientHttpRequestInterceptor implements ClientHttpRequestInterceptor {

	private static final ThreadLocal<@Nullable Call> CURRENT = new ThreadLocal<>();

	private final @Nullable String headerName;

	/**
	 * Creates the interceptor of the calls made inside tasks.
	 * @param headerName the deadline header to send the time left in (S25), or {@code null} or empty to
	 * send none
	 */
	public DeadlineClientHttpRequestInterceptor(@Nullable String headerName) {
		this.headerName = StringUtils.hasText(headerName) ? headerName : null;
	}

	@Override
	public ClientHttpResponse intercept(HttpRequest request, byte[] body, ClientHttpRequestExecution execution)
			throws IOException {
		GroupContext context = GroupContext.current().orElse(null);
		if (context == null) {
			return execution.execute(request, body);
		}
		String name = request.getMethod() + " " + request.getURI();
		if (context.isCancelled()) {
			throw CallAborted.exception(name, context, null); // do not even send it
		}
		HttpHeaders headers = request.getHeaders();
		if (this.headerName != null && !headers.containsHeader(this.headerName)) {
			OptionalLong left = RequestScopes.millisLeft(context);
			if (left.isPresent()) {
				headers.set(this.headerName, Long.toString(left.getAsLong()));
			}
		}
		Call call = new Call(context, name);
		// For the whole call, headers and body: on a context cancelled meanwhile, abort() runs at once.
		GroupContext.Registration registration = context.onCancel(call::abort);
		Call outer = CURRENT.get();
		CURRENT.set(call);
		ClientHttpResponse response;
		try {
			response = execution.execute(request, body);
		}
		catch (IOException ex) {
			registration.close();
			if (context.isCancelled()) {
				throw CallAborted.exception(name, context, ex);
			}
			throw ex;
		}
		catch (RuntimeException | Error ex) {
			registration.close();
			throw ex;
		}
		finally {
			CURRENT.set(outer);
		}
		return new AbortableResponse(response, call, registration);
	}

	/**
	 * Returns the call this thread is making through the interceptor, for a transport that can abort
	 * it better than by closing its body stream (Apache HttpClient 5, whose stream drains on close).
	 */
	static @Nullable Call currentCall() {
		return CURRENT.get();
	}

	/**
	 * Closes a body stream that its caller alone reads. Spring's body stream for Reactor Netty refuses
	 * a close that comes before it is subscribed to the connection, which happens on the event loop
	 * just after {@code getBody()}: it then only marks itself closed, with an
	 * {@link IllegalStateException}, and would go on receiving, the connection held, unread. On a
	 * closed stream, a read cancels the subscription once it exists: so read until it does, for a
	 * second at most.
	 */
	static void closeForSure(InputStream stream) {
		try {
			stream.close();
			return;
		}
		catch (IllegalStateException ex) {
			// not subscribed yet: below
		}
		catch (IOException | RuntimeException ex) {
			return; // best effort: the connection is being abandoned anyway
		}
		byte[] one = new byte[1];
		long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
		while (System.nanoTime() - deadline < 0) {
			try {
				stream.read(one, 0, 1);
				return;
			}
			catch (IllegalStateException ex) {
				LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
			}
			catch (IOException | RuntimeException ex) {
				return;
			}
		}
	}

	private static void closeQuietly(@Nullable InputStream stream) {
		if (stream != null) {
			try {
				stream.close();
			}
			catch (IOException | RuntimeException ex) {
				// best effort: the connection is being abandoned anyway
			}
		}
	}

	/**
	 * One call, from before its request is sent until its response is closed: what cancellation
	 * aborts.
	 */
	static final class Call {

		final GroupContext context;

		final String name;

		volatile boolean aborted;

		/** The response's own body stream, once asked for: what abort() closes by default. */
		volatile @Nullable InputStream rawBody;

		/** How the transport aborts the exchange, when it knows better than closing the stream. */
		private volatile @Nullable Runnable transportAbort;

		Call(GroupContext context, String name) {
			this.context = context;
			this.name = name;
		}

		/**
		 * Aborts the call. Not {@code ClientHttpResponse.close()}: Spring's responses drain the body
		 * first, to reuse the connection, which is exactly the wait to avoid. Closing the body stream
		 * closes the connection and wakes a thread blocked reading it. Before the response exists,
		 * the interrupt the group gives its tasks makes the exchange give up, unless the transport
		 * registered its own abort.
		 */
		void abort() {
			this.aborted = true;
			Runnable transport = this.transportAbort;
			if (transport != null) {
				transport.run();
			}
			else {
				closeQuietly(this.rawBody);
			}
		}

		/**
		 * Aborts the call from the thread that reads its body, where nobody else reads it: as
		 * {@link #abort()}, but a body stream that refused to close is closed for sure.
		 */
		void abortOnReadingThread() {
			this.aborted = true;
			Runnable transport = this.transportAbort;
			if (transport != null) {
				transport.run();
			}
			else if (this.rawBody != null) {
				closeForSure(this.rawBody);
			}
		}

		/**
		 * Registers how the transport aborts this call; called on the calling thread, inside the
		 * execution. Runs it at once if the call was aborted already.
		 * @param abort what aborts the exchange
		 */
		void onAbort(Runnable abort) {
			this.transportAbort = abort;
			if (this.aborted) { // abort() may have run before transportAbort was set, and missed it
				abort.run();
			}
		}

	}

	/**
	 * The response of an abortable call. The registration lives as long as the response is open: a
	 * response nobody closes is aborted at the latest when its group ends.
	 */
	static final class AbortableResponse implements ClientHttpResponse {

		private final ClientHttpResponse delegate;

		private final Call call;

		private final GroupContext.Registration registration;

		private @Nullable InputStream body;

		AbortableResponse(ClientHttpResponse delegate, Call call, GroupContext.Registration registration) {
			this.delegate = delegate;
			this.call = call;
			this.registration = registration;
		}

		private IOException translate(IOException ex) {
			return this.call.aborted ? CallAborted.exception(this.call.name, this.call.context, ex) : ex;
		}

		@Override
		public HttpStatusCode getStatusCode() throws IOException {
			return this.delegate.getStatusCode();
		}

		@Override
		public String getStatusText() throws IOException {
			return this.delegate.getStatusText();
		}

		@Override
		public HttpHeaders getHeaders() {
			return this.delegate.getHeaders();
		}

		@Override
		public InputStream getBody() throws IOException {
			Call call = this.call;
			InputStream stream = this.body;
			if (stream == null) {
				InputStream raw;
				try {
					raw = rawBody();
				}
				catch (IOException ex) {
					throw translate(ex);
				}
				if (call.aborted) {
					// Aborted before the body was asked for, when abort() had nothing to close (or it
					// ran before rawBody was set, and missed it): close it now, so that the connection
					// is dropped rather than left for close() to drain.
					call.abortOnReadingThread();
					throw CallAborted.exception(call.name, call.context, null);
				}
				stream = new AbortAwareInputStream(raw);
				this.body = stream;
			}
			else if (call.aborted) {
				throw CallAborted.exception(call.name, call.context, null);
			}
			return stream;
		}

		/** The delegate's own body stream, asked for once and published for abort() to close. */
		private InputStream rawBody() throws IOException {
			InputStream raw = this.call.rawBody;
			if (raw == null) {
				raw = this.delegate.getBody();
				this.call.rawBody = raw;
			}
			return raw;
		}

		/**
		 * Closes the response. Spring's responses drain what is left of the body first, to reuse the
		 * connection, and the body of a slow or endless answer may take as long as the answer: so the
		 * call stays abortable until the drain is over (abort() closes the body under it), and an
		 * aborted call's body is closed before the delegate is asked to release it, which then drains
		 * nothing.
		 */
		@Override
		public void close() {
			try {
				try {
					rawBody(); // for abort() to find: a cancel during the drain then cuts it short
				}
				catch (IOException | RuntimeException ex) {
					// no body to drain: the delegate's close() releases the rest
				}
				if (this.call.aborted) {
					this.call.abortOnReadingThread();
				}
				this.delegate.close();
			}
			finally {
				this.registration.close();
			}
		}

		/** Reports a read that failed because the response was aborted as the abort it is. */
		private final class AbortAwareInputStream extends FilterInputStream {

			AbortAwareInputStream(InputStream in) {
				super(in);
			}

			@Override
			public int read() throws IOException {
				try {
					return checked(super.read());
				}
				catch (IOException ex) {
					throw translate(ex);
				}
			}

			@Override
			public int read(byte[] b, int off, int len) throws IOException {
				try {
					return checked(this.in.read(b, off, len));
				}
				catch (IOException ex) {
					throw translate(ex);
				}
			}

			@Override
			public long skip(long n) throws IOException {
				try {
					return this.in.skip(n);
				}
				catch (IOException ex) {
					throw translate(ex);
				}
			}

			@Override
			public int available() throws IOException {
				try {
					return this.in.available();
				}
				catch (IOException ex) {
					throw translate(ex);
				}
			}

			/** An aborted body must not look like a short one that ended normally. */
			private int checked(int result) throws IOException {
				Call call = AbortableResponse.this.call;
				if (result < 0 && call.aborted) {
					throw CallAborted.exception(call.name, call.context, null);
				}
				return result;
			}

		}

	}

}
