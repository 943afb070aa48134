package io.github.errgroup.spring.web.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.github.errgroup.ErrGroup;
import io.github.errgroup.ErrGroupException;
import io.github.errgroup.ErrGroupFactory;
import io.github.errgroup.Task;
import io.github.errgroup.VoidTask;
import io.github.errgroup.spring.web.DeadlineHeaders;
import io.github.errgroup.spring.web.client.DeadlineClientHttpRequestInterceptor.Call;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.client.ClientHttpRequestExecution;
import org.springframework.http.client.ClientHttpResponse;
import org.springframework.mock.http.client.MockClientHttpRequest;

/**
 * S25: a cancel racing a {@code RestClient} call at each point of its life, made deterministic with a
 * fake transport whose body blocks until it is closed, ignoring interrupts, or gives up on the interrupt; a
 * fake response whose {@code close()} drains the body, as Spring's do. Each call is aborted, not
 * drained, ends with the same {@link CallAbortedException}, and its task ends {@code CANCELLED}.
 * The wire itself is {@code S25_AcrossTheWireTests}'.
 */
@Timeout(10)
class S25_CallAbortRacesTests {

	private static final URI B = URI.create("http://user:pw@b.example:8080/b/stream?token=secret#part");

	private static final String ABORTED = "GET http://b.example:8080/b/stream was aborted: 'a' was cancelled";

	private final ExecutorService pool = Executors.newCachedThreadPool();

	private final ErrGroup group = ErrGroupFactory.create(this.pool).newGroup("a");

	private final IllegalStateException cause = new IllegalStateException("a sibling failed");

	private final DeadlineClientHttpRequestInterceptor interceptor = new DeadlineClientHttpRequestInterceptor(
			DeadlineHeaders.defaults());

	private final CompletableFuture<Exception> thrown = new CompletableFuture<>();

	@AfterEach
	void stop() {
		this.pool.shutdownNow();
	}

	@Test
	void S25_cancelledBeforeTheCall_requestNotSent() throws Exception {
		AtomicInteger sent = new AtomicInteger();
		Task<Void> task = go(() -> {
			this.group.cancel(this.cause);
			intercept((request, body) -> {
				sent.incrementAndGet();
				return new Response(new Body(Body.FAILS_WHEN_CLOSED));
			});
		});
		assertCancelled(task);
		assertThat(sent).as("requests sent").hasValue(0);
	}

	@Test
	void S25_cancelledWhileSending_responseReturnedAnywayIsDroppedNotDrained() throws Exception {
		CompletableFuture<Void> sending = new CompletableFuture<>();
		CompletableFuture<Void> answer = new CompletableFuture<>();
		Response response = new Response(new Body(Body.FAILS_WHEN_CLOSED));
		Task<Void> task = go(() -> intercept((request, body) -> {
			sending.complete(null);
			answer.join(); // as an exchange that ignores the interrupt
			return response;
		}));
		sending.get(5, TimeUnit.SECONDS);
		this.group.cancel(this.cause);
		assertThat(response.body.closes).as("closes before the response exists").hasValue(0);
		answer.complete(null);
		assertCancelled(task);
		assertThat(response.bodyClosedWhenReleased).as("body closed before the response was released").isTrue();
	}

	@Test
	void S25_cancelledBetweenHeadersAndBody_getBodyDropsTheConnection() throws Exception {
		CompletableFuture<Void> headers = new CompletableFuture<>();
		CompletableFuture<Void> cancelled = new CompletableFuture<>();
		Response response = new Response(new Body(Body.FAILS_WHEN_CLOSED));
		Task<Void> task = go(() -> {
			try (ClientHttpResponse received = intercept((request, body) -> response)) {
				headers.complete(null);
				cancelled.join();
				received.getBody();
			}
		});
		headers.get(5, TimeUnit.SECONDS);
		this.group.cancel(this.cause);
		assertThat(response.body.closes).as("a cancel with no stream to close yet closes nothing").hasValue(0);
		cancelled.complete(null);
		assertCancelled(task);
		assertThat(response.bodyClosedWhenReleased).as("body closed before the response was released").isTrue();
	}

	@Test
	void S25_cancelledWhileReading_aFailingReadIsTheAbort() throws Exception {
		cancelledWhileReading(new Body(Body.FAILS_WHEN_CLOSED));
		assertThat(this.thrown.get().getSuppressed()).singleElement()
			.satisfies((read) -> assertThat(read).hasMessage("closed"));
	}

	@Test
	void S25_cancelledWhileReading_anEarlyEndIsTheAbort() throws Exception {
		cancelledWhileReading(new Body(Body.ENDS_WHEN_CLOSED));
	}

	/**
	 * The group interrupts its tasks before it runs their contexts' callbacks, so a body stream that
	 * gives up on the interrupt (the JDK's does) fails before the call is aborted: that failure is the
	 * abort too. A callback registered after the call's runs first and holds the canceller until the
	 * read has failed, which makes the order certain.
	 */
	@Test
	void S25_cancelledWhileReading_aReadFailedByTheInterruptBeforeTheAbortIsTheAbort() throws Exception {
		Body body = new Body(Body.FAILS_ON_INTERRUPT);
		Task<Void> task = go(() -> {
			try (ClientHttpResponse received = intercept((request, sent) -> new Response(body))) {
				received.getBody().read();
			}
		});
		body.reading.get(5, TimeUnit.SECONDS);
		this.group.context().onCancel(() -> this.thrown.orTimeout(5, TimeUnit.SECONDS).join());
		this.group.cancel(this.cause);
		assertCancelled(task);
		assertThat(this.thrown.get().getSuppressed()).singleElement()
			.satisfies((read) -> assertThat(read).hasCauseInstanceOf(InterruptedException.class));
	}

	private void cancelledWhileReading(Body body) throws Exception {
		Task<Void> task = go(() -> {
			try (ClientHttpResponse received = intercept((request, sent) -> new Response(body))) {
				received.getBody().read();
			}
		});
		body.reading.get(5, TimeUnit.SECONDS);
		this.group.cancel(this.cause);
		assertCancelled(task);
	}

	/** The call stays abortable while close() drains: otherwise this drain of an endless body never ends. */
	@Test
	void S25_cancelledWhileClosing_cutsTheDrainShort() throws Exception {
		Body body = new Body(Body.FAILS_WHEN_CLOSED);
		Task<Void> task = go(() -> {
			ClientHttpResponse received = intercept((request, sent) -> new Response(body));
			received.getBody();
			received.close();
		});
		body.reading.get(5, TimeUnit.SECONDS); // the drain is under way
		this.group.cancel(this.cause);
		assertThatExceptionOfType(ErrGroupException.class).isThrownBy(this.group::await).havingCause()
			.isSameAs(this.cause);
		assertThat(task.state()).as("close() returned").isEqualTo(Task.State.SUCCESS);
		assertThat(body.closes).as("closed by the abort, then by the drain's end").hasValueGreaterThanOrEqualTo(1);
	}

	@Test
	void S25_cancelledAfterClose_doesNothing() throws Exception {
		AtomicInteger transportAborts = new AtomicInteger();
		Body body = new Body(Body.WHOLE);
		CompletableFuture<Void> closed = new CompletableFuture<>();
		Task<Void> task = go(() -> {
			ClientHttpResponse received = intercept((request, sent) -> {
				DeadlineClientHttpRequestInterceptor.currentCall().onAbort(transportAborts::incrementAndGet);
				return new Response(body);
			});
			received.getBody().readAllBytes();
			received.close();
			closed.complete(null);
		});
		closed.get(5, TimeUnit.SECONDS);
		this.group.cancel(this.cause);
		assertThatExceptionOfType(ErrGroupException.class).isThrownBy(this.group::await);
		assertThat(task.state()).isEqualTo(Task.State.SUCCESS);
		assertThat(transportAborts).as("transport aborts").hasValue(0);
		assertThat(body.closes).as("closed once, by the response's close()").hasValue(1);
	}

	@Test
	void S25_transportAbortRegisteredAfterTheCancel_runsAtOnce() throws Exception {
		AtomicInteger transportAborts = new AtomicInteger();
		Task<Void> task = go(() -> intercept((request, body) -> {
			this.group.cancel(this.cause); // before the transport registers its abort
			DeadlineClientHttpRequestInterceptor.currentCall().onAbort(transportAborts::incrementAndGet);
			throw new IOException("connection aborted");
		}));
		assertCancelled(task);
		assertThat(transportAborts).as("transport aborts").hasValue(1);
		assertThat(this.thrown.get().getSuppressed()).singleElement()
			.satisfies((transport) -> assertThat(transport).hasMessage("connection aborted"));
	}

	@Test
	void S25_twoCancels_abortTheTransportOnce() {
		AtomicInteger transportAborts = new AtomicInteger();
		Call call = new Call(this.group.context(), new MockClientHttpRequest(HttpMethod.GET, B));
		call.onAbort(transportAborts::incrementAndGet);
		call.abort();
		call.abort();
		assertThat(transportAborts).hasValue(1);
		this.group.close();
	}

	private ClientHttpResponse intercept(ClientHttpRequestExecution execution) throws IOException {
		return this.interceptor.intercept(new MockClientHttpRequest(HttpMethod.GET, B), new byte[0], execution);
	}

	/** Runs the work as a task of the group, keeping what it throws. */
	private Task<Void> go(VoidTask work) {
		return this.group.go(() -> {
			try {
				work.run();
			}
			catch (Exception ex) {
				this.thrown.complete(ex);
				throw ex;
			}
		});
	}

	/** The call ended with the abort, naming it without secrets, and its task counted as cancelled. */
	private void assertCancelled(Task<Void> task) throws Exception {
		assertThatExceptionOfType(ErrGroupException.class).isThrownBy(this.group::await).havingCause()
			.isSameAs(this.cause);
		assertThat(task.state()).isEqualTo(Task.State.CANCELLED);
		assertThat(this.thrown.getNow(null)).isInstanceOf(CallAbortedException.class)
			.hasMessage(ABORTED)
			.cause()
			.isSameAs(this.cause);
	}

	/**
	 * A body that has arrived whole and ends at once, or that never sends anything: a read then blocks,
	 * ignoring interrupts, until the body is closed, and fails (the JDK's) or ends (Reactor Netty's);
	 * or a read that gives up on an interrupt, as the JDK's body stream does.
	 */
	static final class Body extends InputStream {

		static final int WHOLE = 0;

		static final int FAILS_WHEN_CLOSED = 1;

		static final int ENDS_WHEN_CLOSED = 2;

		static final int FAILS_ON_INTERRUPT = 3;

		final CompletableFuture<Void> reading = new CompletableFuture<>();

		final AtomicInteger closes = new AtomicInteger();

		private final CompletableFuture<Void> closed = new CompletableFuture<>();

		private final int kind;

		Body(int kind) {
			this.kind = kind;
		}

		@Override
		public int read() throws IOException {
			if (this.kind == WHOLE) {
				return -1;
			}
			this.reading.complete(null);
			if (this.kind == FAILS_ON_INTERRUPT) {
				try {
					this.closed.get();
				}
				catch (InterruptedException ex) {
					Thread.currentThread().interrupt();
					throw new IOException(ex);
				}
				catch (ExecutionException ex) {
					throw new IllegalStateException(ex);
				}
				throw new IOException("closed");
			}
			this.closed.join();
			if (this.kind == ENDS_WHEN_CLOSED) {
				return -1;
			}
			throw new IOException("closed");
		}

		@Override
		public void close() {
			this.closes.incrementAndGet();
			this.closed.complete(null);
		}

	}

	/** A response whose close() drains the body first, as Spring's do, to reuse the connection. */
	static final class Response implements ClientHttpResponse {

		final Body body;

		volatile boolean bodyClosedWhenReleased;

		Response(Body body) {
			this.body = body;
		}

		@Override
		public HttpStatusCode getStatusCode() {
			return HttpStatus.OK;
		}

		@Override
		public String getStatusText() {
			return "OK";
		}

		@Override
		public HttpHeaders getHeaders() {
			return new HttpHeaders();
		}

		@Override
		public InputStream getBody() {
			return this.body;
		}

		@Override
		public void close() {
			this.bodyClosedWhenReleased = this.body.closes.get() > 0;
			try {
				while (this.body.read() >= 0) {
					// drain
				}
			}
			catch (IOException ex) {
				// closed
			}
			this.body.close();
		}

	}

}
