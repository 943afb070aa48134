package io.github.errgroup.spring.web.client;

import io.github.errgroup.spring.web.client.DeadlineClientHttpRequestInterceptor.Call;
import io.netty.channel.Channel;
import reactor.core.publisher.Mono;
import reactor.netty.Connection;
import reactor.netty.channel.ChannelOperations;

import org.springframework.boot.http.client.ReactorClientHttpRequestFactoryBuilder;
import org.springframework.boot.http.client.autoconfigure.ClientHttpRequestFactoryBuilderCustomizer;

/**
 * Makes a {@code RestClient} call on Reactor Netty give up its connection when the group is cancelled
 * after the response headers arrived (S25), by closing the channel. Closing Spring's body stream
 * instead is refused while the stream is not yet subscribed to the connection (that happens on the
 * event loop, just after {@code getBody()}): it then only marks itself closed and the connection
 * goes on receiving, held, until something reads the stream again. Closing the channel has no such
 * window: a stream subscribed before or after it ends at once.
 *
 * <p>Reactor Netty applies the function given to {@code mapConnect} as the request is assembled, on
 * the calling thread, where {@link DeadlineClientHttpRequestInterceptor}'s call is current; the
 * connection is emitted on the event loop once the response headers are in. Once the whole body has
 * arrived, Reactor Netty gives the channel back to its pool, for another exchange to use, even
 * before the response is closed: so the abort runs on the channel's event loop, where that happens
 * too, and closes the channel only while this exchange still owns it.
 */
public final class ReactorNettyAbortCustomizer
		implements ClientHttpRequestFactoryBuilderCustomizer<ReactorClientHttpRequestFactoryBuilder> {

	@Override
	public ReactorClientHttpRequestFactoryBuilder customize(ReactorClientHttpRequestFactoryBuilder builder) {
		return builder.withHttpClientCustomizer((httpClient) -> httpClient.mapConnect(ReactorNettyAbortCustomizer::abortable));
	}

	private static Mono<? extends Connection> abortable(Mono<? extends Connection> connect) {
		Call call = DeadlineClientHttpRequestInterceptor.currentCall();
		if (call == null) {
			return connect; // not a call through the interceptor
		}
		return connect.doOnNext((connection) -> call.onAbort(() -> close(connection)));
	}

	private static void close(Connection exchange) {
		Channel channel = exchange.channel();
		channel.eventLoop().execute(() -> {
			if (ChannelOperations.get(channel) == exchange) {
				channel.close();
			}
		});
	}

}
