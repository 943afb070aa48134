package io.github.errgroup.spring.web.client;

import java.io.IOException;

import io.github.errgroup.GroupContext;
import org.apache.hc.client5.http.classic.ExecChain;
import org.apache.hc.client5.http.classic.ExecChainHandler;
import org.apache.hc.core5.concurrent.Cancellable;
import org.apache.hc.core5.http.ClassicHttpRequest;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.HttpException;

import org.springframework.boot.http.client.HttpComponentsClientHttpRequestFactoryBuilder;
import org.springframework.boot.http.client.autoconfigure.ClientHttpRequestFactoryBuilderCustomizer;

/**
 * Makes Apache HttpClient 5 give up a call when the group is cancelled
 * (S25). Its classic client blocks in socket reads, which an interrupt does not wake, and its body
 * stream reads to the end when closed, so neither the interrupt the group gives its tasks nor closing
 * the stream aborts a call: cancellation aborts the request through HttpClient's own
 * {@link Cancellable}, which closes the connection, from the moment the request is sent until
 * {@link DeadlineClientHttpRequestInterceptor}'s response is closed. A call made without that
 * interceptor is aborted this way while it waits for its response.
 */
public final class HttpComponentsAbortCustomizer
		implements ClientHttpRequestFactoryBuilderCustomizer<HttpComponentsClientHttpRequestFactoryBuilder> {

	@Override
	public HttpComponentsClientHttpRequestFactoryBuilder customize(HttpComponentsClientHttpRequestFactoryBuilder builder) {
		return builder.withHttpClientCustomizer(
				(httpClient) -> httpClient.addExecInterceptorFirst("errgroup-abort-on-cancel", new AbortOnCancel()));
	}

	/** Runs first in HttpClient's chain, on the calling thread, so the task's context is current. */
	private static final class AbortOnCancel implements ExecChainHandler {

		@Override
		public ClassicHttpResponse execute(ClassicHttpRequest request, ExecChain.Scope scope, ExecChain chain)
				throws IOException, HttpException {
			DeadlineClientHttpRequestInterceptor.Call call = DeadlineClientHttpRequestInterceptor.currentCall();
			if (call != null) { // a RestClient call: aborted this way until its response is closed
				call.onAbort(() -> abort(scope));
				return chain.proceed(request, scope);
			}
			GroupContext context = GroupContext.current().orElse(null);
			if (context == null) {
				return chain.proceed(request, scope);
			}
			// Not through the interceptor: at least while waiting for the response.
			try (GroupContext.Registration registration = context.onCancel(() -> abort(scope))) {
				return chain.proceed(request, scope);
			}
		}

		private static void abort(ExecChain.Scope scope) {
			if (scope.originalRequest instanceof Cancellable cancellable) {
				cancellable.cancel();
			}
			else {
				scope.execRuntime.discardEndpoint();
			}
		}

	}

}
