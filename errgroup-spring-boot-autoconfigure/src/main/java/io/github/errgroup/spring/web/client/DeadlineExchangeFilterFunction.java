package io.github.errgroup.spring.web.client;

import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

import io.github.errgroup.GroupContext;
import io.github.errgroup.spring.web.DeadlineHeaders;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.web.reactive.function.client.ClientRequest;
import org.springframework.web.reactive.function.client.ClientResponse;
import org.springframework.web.reactive.function.client.ExchangeFilterFunction;
import org.springframework.web.reactive.function.client.ExchangeFunction;

/**
 * Makes a {@code WebClient} call honour the group it is made in (S25): the context current on the
 * subscribing thread (a task, which is where {@code block()} subscribes), or else the request's
 * context found in the Reactor {@code Context} (WebFlux). The request carries the time left before
 * the context's deadline in the outbound deadline headers ({@link DeadlineHeaders}, S35; a header the
 * request already has is left as it is), and when the context is cancelled the
 * exchange, or the reading of its body, is cancelled, which closes the connection, and fails with a
 * {@link CallAbortedException}, as a {@code RestClient} call does, which the core counts as
 * cancelled.
 */
public final class DeadlineExchangeFilterFunction implements ExchangeFilterFunction {

	private final DeadlineHeaders deadlineHeaders;

	/**
	 * Creates the filter of the calls made inside tasks.
	 * @param deadlineHeaders the headers to send the time left in (S25, S35)
	 */
	public DeadlineExchangeFilterFunction(DeadlineHeaders deadlineHeaders) {
		this.deadlineHeaders = deadlineHeaders;
	}

	@Override
	public Mono<ClientResponse> filter(ClientRequest request, ExchangeFunction next) {
		return Mono.deferContextual((reactorContext) -> {
			GroupContext context = GroupContext.current()
				.orElseGet(() -> reactorContext.<GroupContext>getOrEmpty(GroupContext.class).orElse(null));
			if (context == null) {
				return next.exchange(request);
			}
			ClientRequest sent = withDeadline(request, context);
			return Mono.firstWithSignal(next.exchange(sent), cancelled(context, request))
				.map((response) -> response.mutate().body((body) -> abortable(body, context, request)).build());
		});
	}

	private ClientRequest withDeadline(ClientRequest request, GroupContext context) {
		Map<String, String> deadline = this.deadlineHeaders.write(context);
		if (deadline.isEmpty()) {
			return request;
		}
		return ClientRequest.from(request).headers((headers) -> deadline.forEach((name, value) -> {
			if (!headers.containsHeader(name)) {
				headers.set(name, value);
			}
		})).build();
	}

	/** Fails when the context is cancelled; never emits otherwise. Unsubscribing removes the callback. */
	private static <T> Mono<T> cancelled(GroupContext context, ClientRequest request) {
		return Mono.create((sink) -> {
			GroupContext.Registration registration = context.onCancel(() -> sink.error(aborted(context, request)));
			sink.onDispose(registration::close);
		});
	}

	/**
	 * The body, cut off when the context is cancelled: its subscription is cancelled (the connection
	 * closes) and it fails rather than end as if it were complete.
	 */
	private static Flux<DataBuffer> abortable(Flux<DataBuffer> body, GroupContext context, ClientRequest request) {
		return Flux.defer(() -> {
			AtomicBoolean cut = new AtomicBoolean();
			Mono<Void> cancellation = Mono.create((sink) -> {
				GroupContext.Registration registration = context.onCancel(() -> {
					cut.set(true);
					sink.success();
				});
				sink.onDispose(registration::close);
			});
			return body.takeUntilOther(cancellation)
				.concatWith(Mono.defer(() -> cut.get() ? Mono.error(aborted(context, request)) : Mono.empty()));
		});
	}

	private static CallAbortedException aborted(GroupContext context, ClientRequest request) {
		return new CallAbortedException(request.method(), request.url(), context, null);
	}

}
