package io.github.errgroup.spring.web.reactive;

import io.github.errgroup.CancellationScope;
import io.github.errgroup.GroupContext;
import io.github.errgroup.spring.web.RequestEndedException;
import io.github.errgroup.spring.web.RequestEndedException.Reason;
import io.github.errgroup.spring.web.RequestScopes;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;

import org.springframework.core.Ordered;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;

/**
 * Gives each WebFlux exchange its own {@link CancellationScope} (S24), named
 * {@code "<METHOD> <path>"}, with the request's deadline ({@link RequestScopes}).
 *
 * <p>The scope is kept in the exchange's attributes under {@link RequestScopes#SCOPE_ATTRIBUTE} and
 * its context in the Reactor {@code Context} under the key {@code GroupContext.class}, which is how
 * {@link ReactiveErrGroups} and the {@code WebClient} filter find it: a reactive handler runs on
 * whichever thread signals it, so no thread is bound. The scope is cancelled once, when the exchange
 * ends: {@link RequestEndedException} {@code COMPLETED} when the handling completes, {@code FAILED}
 * when it errors, {@code CLIENT_DISCONNECTED} when it is cancelled (Reactor Netty cancels the
 * exchange as soon as the connection closes), or the scope's own {@code TimeoutException} when the
 * deadline passes first.
 */
public final class ErrGroupRequestWebFilter implements WebFilter, Ordered {

	/**
	 * The filter's default order: early, so that the rest of the chain runs inside the scope.
	 */
	public static final int DEFAULT_ORDER = Ordered.HIGHEST_PRECEDENCE + 2;

	private final RequestScopes scopes;

	/**
	 * Creates the filter.
	 * @param scopes opens each request's scope with its deadline
	 */
	public ErrGroupRequestWebFilter(RequestScopes scopes) {
		this.scopes = scopes;
	}

	@Override
	public int getOrder() {
		return DEFAULT_ORDER;
	}

	@Override
	public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
		ServerHttpRequest request = exchange.getRequest();
		CancellationScope scope = this.scopes.open(request.getMethod().name(), request.getPath().value(),
				request.getHeaders()::getFirst);
		exchange.getAttributes().put(RequestScopes.SCOPE_ATTRIBUTE, scope);
		return chain.filter(exchange)
			.doOnError((ex) -> scope.cancel(ended(scope, Reason.FAILED, ex)))
			// Before the cancel travels up to the handler, so that its groups learn the real reason.
			.doOnCancel(() -> scope.cancel(ended(scope, Reason.CLIENT_DISCONNECTED, null)))
			.doFinally((signal) -> scope.cancel(ended(scope, Reason.COMPLETED, null)))
			.contextWrite((context) -> context.put(GroupContext.class, scope.context()));
	}

	private static RequestEndedException ended(CancellationScope scope, Reason reason, @Nullable Throwable failure) {
		return new RequestEndedException(scope.context().groupName(), reason, failure);
	}

}
