package io.github.errgroup.spring.web.reactive;

import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.function.Function;
import java.util.function.Supplier;

import io.github.errgroup.CancellationScope;
import io.github.errgroup.ErrGroup;
import io.github.errgroup.ErrGroupFactory;
import io.github.errgroup.GroupContext;
import io.github.errgroup.GroupSpec;
import io.github.errgroup.spring.web.RequestScopes;
import reactor.core.publisher.Mono;

import org.springframework.web.server.ServerWebExchange;

/**
 * Opens groups for reactive handlers as children of the WebFlux request (S24), and turns their
 * outcome into a {@link Mono} without blocking, through {@link ErrGroup#awaitAsync()}.
 *
 * <pre>{@code
 * @GetMapping("/dashboard/{id}")
 * Mono<Dashboard> dashboard(@PathVariable String id) {
 *     return groups.mono("dashboard", g -> {
 *         Task<Profile> profile = g.go(() -> profiles.fetch(id));   // tasks may block: they run on
 *         Task<List<Order>> orders = g.go(() -> orders.fetch(id));  // the group's executor
 *         return () -> new Dashboard(profile.resultNow(), orders.resultNow());
 *     });
 * }
 * }</pre>
 *
 * <p>A reactive handler runs on a non-blocking thread, where {@link ErrGroup#await()} throws at once
 * (the factory's blocking guard, when Reactor is present): use {@link #mono(String, Function)} or
 * {@link #await(ErrGroup)}. {@link GroupContext#current()} is empty on those threads, so a group
 * opened with the factory directly is not the request's child: open it here.
 */
public final class ReactiveErrGroups {

	private final ErrGroupFactory factory;

	/**
	 * Creates the helper.
	 * @param factory the factory that opens the groups
	 */
	public ReactiveErrGroups(ErrGroupFactory factory) {
		this.factory = factory;
	}

	/**
	 * Returns the context of the exchange's request scope.
	 * @param exchange the exchange
	 * @return the request's context, or empty if the request has no scope
	 */
	public static Optional<GroupContext> requestContext(ServerWebExchange exchange) {
		Object scope = exchange.getAttribute(RequestScopes.SCOPE_ATTRIBUTE);
		return (scope instanceof CancellationScope requestScope) ? Optional.of(requestScope.context())
				: Optional.empty();
	}

	/**
	 * Starts specifying a group that is a child of the exchange's request: cancelled when the request
	 * ends, times out or its client disconnects.
	 * @param exchange the exchange
	 * @param name the group name
	 * @return the spec, with the group profiles applied and the request as parent
	 */
	public GroupSpec group(ServerWebExchange exchange, String name) {
		GroupSpec spec = this.factory.group(name);
		requestContext(exchange).ifPresent(spec::parent);
		return spec;
	}

	/**
	 * Opens a group that is a child of the exchange's request.
	 * @param exchange the exchange
	 * @param name the group name
	 * @return the open group; hand its outcome to the handler's result with {@link #await(ErrGroup)}
	 */
	public ErrGroup newGroup(ServerWebExchange exchange, String name) {
		return group(exchange, name).open();
	}

	/**
	 * Returns a {@code Mono} that opens a group when subscribed, as a child of the request found in
	 * the subscriber's Reactor {@code Context}; lets {@code tasks} start the group's tasks; and, once
	 * every task has finished, without blocking any thread, emits what the returned supplier gives
	 * (read the tasks' results there), or the {@link io.github.errgroup.ErrGroupException} that
	 * {@code await()} would throw. Cancelling the subscription (the client went away) cancels the group.
	 * @param <T> the result type
	 * @param name the group name
	 * @param tasks starts the tasks and returns how to build the result once they have all succeeded;
	 * it runs on the subscribing thread, so it must not block
	 * @return the result
	 */
	public <T> Mono<T> mono(String name, Function<ErrGroup, Supplier<? extends T>> tasks) {
		return Mono.deferContextual((context) -> {
			GroupSpec spec = this.factory.group(name);
			context.<GroupContext>getOrEmpty(GroupContext.class).ifPresent(spec::parent);
			ErrGroup group = spec.open();
			Supplier<? extends T> result;
			try {
				result = tasks.apply(group);
			}
			catch (RuntimeException | Error ex) {
				group.cancel(ex);
				return await(group).then(Mono.error(ex));
			}
			return await(group).then(Mono.<T>fromSupplier(result))
				.doOnCancel(() -> group.cancel(new CancellationException(
						"the subscriber of group '" + group.name() + "' cancelled its subscription")));
		});
	}

	/**
	 * Returns a {@code Mono} that completes when every task of the group has finished, without
	 * blocking: {@link ErrGroup#awaitAsync()} as a {@code Mono}. Once subscribed, the future owns the
	 * group, as {@code awaitAsync()} says.
	 * @param group the group
	 * @return completes empty on success, or with the {@link io.github.errgroup.ErrGroupException}
	 * that {@code await()} would throw
	 */
	public static Mono<Void> await(ErrGroup group) {
		// Cancelling the Mono cancels only the future (not the group, whose parent or doOnCancel sees to
		// that), so that the group's later outcome is not an error dropped on the floor.
		return Mono.fromFuture(group::awaitAsync);
	}

}
