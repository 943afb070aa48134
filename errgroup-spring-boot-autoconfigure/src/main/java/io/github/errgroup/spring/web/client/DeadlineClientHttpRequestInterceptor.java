package io.github.errgroup.spring.web.client;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

import io.github.errgroup.GroupContext;
import io.github.errgroup.spring.web.DeadlineHeaders;
import org.jspecify.annotations.Nullable;

import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpRequest;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.client.ClientHttpRequestExecution;
import org.springframework.http.client.ClientHttpRequestInterceptor;
import org.springframework.http.client.ClientHttpResponse;

/**
 * Makes a blocking HTTP call ({@code RestClient}, {@code RestTemplate}) made where a
 * {@link GroupContext} is current (in a task, or on a request's thread) honour the group (S25): the
 * request carries the time left before the context's deadline in the outbound deadline headers
 * ({@link DeadlineHeaders}, S35; a header the request already has is left as it is), and when the context is cancelled the call is aborted on the wire and ends with a
 * {@link CallAbortedException}, which the core counts as cancelled.
 *
 * <p>Each call is a {@link Call}, whose whole life is one {@code int} changed by compare-and-set:
 * <pre>
 *   SENDING ──▶ RECEIVED ──▶ READING ──▶ DONE
 *      │            │           │         ▲
 *      └────────────┴───────────┴──▶ ABORTED
 *
 *   SENDING  → RECEIVED   execute() returned a response                  calling thread
 *   RECEIVED → READING    getBody() or close() took the body stream      calling thread
 *   SENDING, RECEIVED,
 *   READING  → ABORTED    the context was cancelled (its onCancel)       cancelling thread
 *   any      → DONE       close(); or intercept() giving up: execute()   calling thread
 *                         threw, or the call was aborted before its
 *                         response was handed out
 * </pre>
 * {@code DONE} is final: a cancel then does nothing. The calling thread is the one that reads and
 * closes the response (or one it handed the response to). Whichever thread wins a compare-and-set
 * decides, so a cancel and the call's own progress never both act on one state.
 *
 * <p>Aborting means, in order of preference:
 * <ul>
 * <li>the transport's own abort, when it registered one ({@code Call.onAbort}:
 * {@link HttpComponentsAbortCustomizer}, HttpClient's {@code Cancellable}, which also ends the wait
 * for headers that an interrupt cannot; {@link ReactorNettyAbortCustomizer}, closing the channel);
 * <li>else, in {@code SENDING}, nothing more: the interrupt the group gives its tasks makes the JDK
 * {@code HttpClient} and Reactor Netty give the exchange up;
 * <li>else, in {@code READING}, closing the response's body stream, which closes its connection and
 * wakes a thread blocked reading it (not every body stream heeds the interrupt);
 * <li>else, in {@code RECEIVED}, nothing yet: there is no stream to close, and the calling thread,
 * which alone may take it, closes it at its next step ({@code getBody()}, {@code read()},
 * {@code close()}) on finding {@code ABORTED}.
 * </ul>
 * Never {@code ClientHttpResponse.close()}: Spring's responses drain the body first, to reuse the
 * connection, which is exactly the wait to avoid.
 *
 * <p>Every interleaving of a cancel with the call's life, and what the caller sees:
 * <ul>
 * <li>before the request is sent: it is not sent; {@code intercept} throws at once;
 * <li>during {@code execute()}: the exchange gives up (interrupt or transport abort) and its
 * exception is reported as the abort; if it returns a response anyway, the {@code SENDING → RECEIVED}
 * move fails, the connection is dropped and {@code intercept} throws;
 * <li>between the headers and the body: {@code getBody()} finds {@code ABORTED}, drops the
 * connection and throws; a {@code close()} without {@code getBody()} drops it before the delegate's
 * close, which then drains nothing;
 * <li>during a read: the stream (or the transport) is closed under the reader, whose failure or early
 * end of stream is reported as the abort. The group interrupts its tasks before it runs their
 * contexts' {@code onCancel} callbacks, and the JDK's body stream gives up on the interrupt: a read
 * that fails or ends while the context is cancelled is the abort too, whether or not the abort has
 * run yet;
 * <li>during {@code close()}: the call is still {@code READING} while the delegate drains, so the
 * cancel closes the stream under the drain;
 * <li>after {@code close()}: {@code DONE}; the cancel does nothing, and the registration is gone;
 * <li>a second cancel: finds {@code ABORTED} and does nothing.
 * </ul>
 * A transport's abort registers on the calling thread, or on Reactor Netty's event loop while the
 * calling thread waits for the headers, and a cancel may come at the same moment: the registering
 * thread writes the abort then reads the state, the cancelling thread writes the state then reads the
 * abort, so at least one of them runs it (both, rarely: transport aborts are idempotent).
 */
public final class DeadlineClientHttpRequestInterceptor implements ClientHttpRequestInterceptor {

	private static final ThreadLocal<@Nullable Call> CURRENT = new ThreadLocal<>();

	private final DeadlineHeaders deadlineHeaders;

	/**
	 * Creates the interceptor of the calls made inside tasks.
	 * @param deadlineHeaders the headers to send the time left in (S25, S35)
	 */
	public DeadlineClientHttpRequestInterceptor(DeadlineHeaders deadlineHeaders) {
		this.deadlineHeaders = deadlineHeaders;
	}

	@Override
	public ClientHttpResponse intercept(HttpRequest request, byte[] body, ClientHttpRequestExecution execution)
			throws IOException {
		GroupContext context = GroupContext.current().orElse(null);
		if (context == null) {
			return execution.execute(request, body);
		}
		Call call = new Call(context, request);
		if (context.isCancelled()) {
			throw call.aborted(null); // do not even send it
		}
		HttpHeaders headers = request.getHeaders();
		this.deadlineHeaders.write(context).forEach((name, value) -> {
			if (!headers.containsHeader(name)) {
				headers.set(name, value);
			}
		});
		call.registration = context.onCancel(call::abort); // runs abort() at once if cancelled meanwhile
		if (call.isAborted()) {
			call.done();
			throw call.aborted(null);
		}
		Call outer = CURRENT.get();
		CURRENT.set(call);
		ClientHttpResponse response;
		try {
			response = execution.execute(request, body);
		}
		catch (IOException ex) {
			boolean aborted = call.done() == Call.ABORTED || context.isCancelled(); // interrupted by it
			throw aborted ? call.aborted(ex) : ex;
		}
		catch (RuntimeException | Error ex) {
			call.done();
			throw ex;
		}
		finally {
			CURRENT.set(outer);
		}
		return call.received(response);
	}

	/**
	 * Returns the call this thread is making through the interceptor, for a transport that aborts it
	 * better than by closing its body stream.
	 */
	static @Nullable Call currentCall() {
		return CURRENT.get();
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

	/** One call, from before its request is sent until its response is closed: what a cancel aborts. */
	static final class Call {

		static final int SENDING = 0;

		static final int RECEIVED = 1;

		static final int READING = 2;

		static final int ABORTED = 3;

		static final int DONE = 4;

		private static final VarHandle STATE;

		static {
			try {
				STATE = MethodHandles.lookup().findVarHandle(Call.class, "state", int.class);
			}
			catch (ReflectiveOperationException ex) {
				throw new ExceptionInInitializerError(ex);
			}
		}

		private final GroupContext context;

		private final HttpRequest request;

		volatile int state = SENDING;

		/** The transport's own abort, if it registered one: written once, before or while SENDING. */
		private volatile @Nullable Runnable transportAbort;

		/**
		 * The delegate's body stream. Written by the calling thread before its {@code RECEIVED → READING}
		 * move, which publishes it to the cancelling thread, which reads it only after seeing
		 * {@code READING}: no need for it to be volatile.
		 */
		private @Nullable InputStream rawBody;

		/** Written on the calling thread before the request is sent; closed with the call. */
		GroupContext.@Nullable Registration registration;

		Call(GroupContext context, HttpRequest request) {
			this.context = context;
			this.request = request;
		}

		CallAbortedException aborted(@Nullable Throwable thrown) {
			return new CallAbortedException(this.request.getMethod(), this.request.getURI(), this.context, thrown);
		}

		boolean isAborted() {
			return this.state == ABORTED;
		}

		/**
		 * Whether a failure on the calling thread is the cancellation's doing: the call was aborted, or
		 * its context is cancelled and the interrupt (which comes before the abort) got there first.
		 */
		boolean isCancelled() {
			return this.state == ABORTED || this.context.isCancelled();
		}

		/** The context's {@code onCancel} callback: on the cancelling thread. */
		void abort() {
			for (;;) {
				int s = this.state;
				if (s == ABORTED || s == DONE) {
					return; // a second cancel, or the call is over
				}
				if (STATE.compareAndSet(this, s, ABORTED)) {
					Runnable transport = this.transportAbort;
					if (transport != null) {
						transport.run();
					}
					else if (s == READING) {
						closeQuietly(this.rawBody);
					}
					return;
				}
			}
		}

		/**
		 * Registers how the transport aborts this call, and runs it at once if the call was aborted
		 * already (abort() may have read transportAbort before it was set).
		 * @param abort what aborts the exchange; may run twice
		 */
		void onAbort(Runnable abort) {
			this.transportAbort = abort;
			if (this.state == ABORTED) {
				abort.run();
			}
		}

		/** {@code SENDING → RECEIVED}, or, cancelled while sending, drops the response and throws. */
		ClientHttpResponse received(ClientHttpResponse response) throws CallAbortedException {
			if (STATE.compareAndSet(this, SENDING, RECEIVED)) {
				return new AbortableResponse(response, this);
			}
			try {
				dropConnection(response);
				response.close();
			}
			finally {
				done();
			}
			throw aborted(null);
		}

		/**
		 * {@code RECEIVED → READING}, publishing the body stream for a cancel to close.
		 * @return whether the call is still live, not aborted meanwhile
		 */
		boolean reading(InputStream raw) {
			this.rawBody = raw;
			return STATE.compareAndSet(this, RECEIVED, READING) || this.state != ABORTED;
		}

		/**
		 * On the calling thread of an aborted call: makes sure its connection is closed rather than
		 * drained. The transport's abort has done it, if there is one. Otherwise the body stream is
		 * closed here; abort() closed it already if the call was READING, but Spring's body stream for
		 * a Reactor Netty factory built without {@link ReactorNettyAbortCustomizer} refuses a close that
		 * comes before it is subscribed to its connection, so closing it again at each step retries.
		 */
		void dropConnection(ClientHttpResponse response) {
			if (this.transportAbort != null) {
				return;
			}
			InputStream raw = this.rawBody;
			if (raw == null) {
				try {
					raw = response.getBody();
					this.rawBody = raw;
				}
				catch (IOException | RuntimeException ex) {
					return; // no body: nothing to drain either
				}
			}
			closeQuietly(raw);
		}

		/**
		 * Ends the call: any state → {@code DONE}, and the cancel callback removed.
		 * @return the state it left
		 */
		int done() {
			int left = (int) STATE.getAndSet(this, DONE);
			GroupContext.Registration registration = this.registration;
			if (registration != null) {
				registration.close();
			}
			return left;
		}

	}

	/**
	 * The response of an abortable call, read and closed by one thread at a time (the calling one, or
	 * one it handed the response to). A response nobody closes stays abortable until its group ends.
	 */
	static final class AbortableResponse implements ClientHttpResponse {

		private final ClientHttpResponse delegate;

		private final Call call;

		private @Nullable InputStream body;

		AbortableResponse(ClientHttpResponse delegate, Call call) {
			this.delegate = delegate;
			this.call = call;
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
			if (call.isAborted()) {
				call.dropConnection(this.delegate);
				throw call.aborted(null);
			}
			InputStream stream = this.body;
			if (stream == null) {
				InputStream raw;
				try {
					raw = this.delegate.getBody();
				}
				catch (IOException ex) {
					throw call.isCancelled() ? call.aborted(ex) : ex;
				}
				if (!call.reading(raw)) { // cancelled after the check above, with no stream to close
					call.dropConnection(this.delegate);
					throw call.aborted(null);
				}
				stream = new AbortAwareInputStream(raw);
				this.body = stream;
			}
			return stream;
		}

		/**
		 * Closes the response. Spring's responses drain what is left of the body first, to reuse the
		 * connection, and the body of a slow or endless answer may take as long as the answer: so the
		 * call is READING (a cancel closes the body under the drain) until the drain is over, and an
		 * aborted call's connection is dropped before the delegate is asked to release it, which then
		 * drains nothing.
		 */
		@Override
		public void close() {
			Call call = this.call;
			try {
				if (call.state == Call.RECEIVED) {
					try {
						call.reading(this.delegate.getBody());
					}
					catch (IOException | RuntimeException ex) {
						// no body to drain: the delegate's close() releases the rest
					}
				}
				if (call.isAborted()) {
					call.dropConnection(this.delegate);
				}
				this.delegate.close();
			}
			catch (RuntimeException ex) {
				// Reactor Netty's reports its connection closed under the drain unchecked: not news when
				// the call was aborted, and it must not hide the abort the caller is throwing
				if (!call.isAborted()) {
					throw ex;
				}
			}
			finally {
				call.done();
			}
		}

		/**
		 * Reports a read that failed, or ended early, because the call was aborted as the abort it is.
		 * Reactor Netty's body stream reports its I/O failures unchecked, hence the RuntimeException.
		 */
		private final class AbortAwareInputStream extends FilterInputStream {

			AbortAwareInputStream(InputStream in) {
				super(in);
			}

			@Override
			public int read() throws IOException {
				return checked((int) guarded(this.in::read));
			}

			@Override
			public int read(byte[] b, int off, int len) throws IOException {
				return checked((int) guarded(() -> this.in.read(b, off, len)));
			}

			@Override
			public long skip(long n) throws IOException {
				return guarded(() -> this.in.skip(n));
			}

			@Override
			public int available() throws IOException {
				return (int) guarded(this.in::available);
			}

			/** An aborted call reads nothing more, not even what its transport had buffered. */
			private long guarded(Read read) throws IOException {
				Call call = AbortableResponse.this.call;
				if (call.isAborted()) {
					call.dropConnection(AbortableResponse.this.delegate);
					throw call.aborted(null);
				}
				try {
					return read.read();
				}
				catch (IOException | RuntimeException ex) {
					if (call.isCancelled()) {
						throw call.aborted(ex);
					}
					throw ex;
				}
			}

			/** An aborted body must not look like a short one that ended normally. */
			private int checked(int result) throws CallAbortedException {
				Call call = AbortableResponse.this.call;
				if (result < 0 && call.isCancelled()) {
					throw call.aborted(null);
				}
				return result;
			}

		}

		/** One operation on the delegate's body stream. */
		@FunctionalInterface
		private interface Read {

			long read() throws IOException;

		}

	}

}
