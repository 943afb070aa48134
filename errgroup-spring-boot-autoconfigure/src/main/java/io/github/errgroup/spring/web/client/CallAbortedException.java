package io.github.errgroup.spring.web.client;

import java.io.InterruptedIOException;
import java.net.URI;

import io.github.errgroup.GroupContext;
import org.jspecify.annotations.Nullable;

import org.springframework.http.HttpMethod;
import org.springframework.web.util.UriComponentsBuilder;

/**
 * The exception an outgoing call ends with when it was aborted because the group it was made in (or
 * the request scope) was cancelled (S25), whichever client made it: {@code RestClient},
 * {@code RestTemplate} or {@code WebClient}. Its message names the call, method and URI without query,
 * user info or fragment (they may carry secrets); its cause is the context's cause, and what the
 * client library threw when its connection was closed under it, if anything, is suppressed.
 *
 * <p>It is an {@link InterruptedIOException}: an I/O operation cut short, which is what the blocking
 * contracts it crosses can carry ({@code ClientHttpRequestInterceptor.intercept} and
 * {@code InputStream.read} throw {@code IOException}), so {@code RestClient} and {@code RestTemplate}
 * wrap it as they wrap any I/O failure, and what the core counts as a consequence of the cancellation
 * (S2): a task that ends with it, or with an exception caused by it, ends {@code CANCELLED}, not
 * {@code FAILED}. Clients may wrap it ({@code RestClientException}, {@code WebClientResponseException},
 * Reactor's {@code block()} for a checked exception): look for it in the cause chain.
 */
public final class CallAbortedException extends InterruptedIOException {

	private static final long serialVersionUID = 1L;

	CallAbortedException(HttpMethod method, URI uri, GroupContext context, @Nullable Throwable thrown) {
		super(method.name() + " " + withoutQuery(uri) + " was aborted: '" + context.groupName()
				+ "' was cancelled");
		initCause(context.cause());
		if (thrown != null) {
			addSuppressed(thrown);
		}
	}

	private static String withoutQuery(URI uri) {
		return UriComponentsBuilder.fromUri(uri).userInfo(null).replaceQuery(null).fragment(null).toUriString();
	}

}
