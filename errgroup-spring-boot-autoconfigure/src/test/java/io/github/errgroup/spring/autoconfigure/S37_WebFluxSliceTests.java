package io.github.errgroup.spring.autoconfigure;

import io.github.errgroup.ErrGroup;
import io.github.errgroup.ErrGroupFactory;
import io.github.errgroup.GroupContext;
import io.github.errgroup.Task;
import io.github.errgroup.spring.web.reactive.ReactiveErrGroups;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.webflux.test.autoconfigure.WebFluxTest;
import org.springframework.context.ApplicationContext;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.test.web.reactive.server.WebTestClient;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.server.ServerWebExchange;

/**
 * S37: a {@code @WebFluxTest} of a controller that injects the {@code ErrGroupFactory} starts with no configuration of the test's own: the slice gets the
 * factory, its executor and the request scope, as the whole application does (through
 * {@code META-INF/spring/...AutoConfigureWebFlux.imports}).
 */
@WebFluxTest(S37_WebFluxSliceTests.QuoteController.class)
class S37_WebFluxSliceTests {

	@Autowired
	private ApplicationContext context;

	@Test
	void S37_theSliceHasTheFactory_itsExecutor_andTheRequestScope() {
		WebTestClient.bindToApplicationContext(this.context)
			.build()
			.get()
			.uri("/quote")
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody(String.class)
			.isEqualTo("price on errgroup-: true, under GET /quote");
	}

	@Configuration(proxyBeanMethods = false)
	@Import(QuoteController.class)
	static class App {

	}

	@RestController
	static class QuoteController {

		private final ErrGroupFactory groups;

		QuoteController(ErrGroupFactory groups) {
			this.groups = groups;
		}

		/** The request's scope, which the slice's web filter opened; the group is its child (S24). */
		@GetMapping("/quote")
		Mono<String> quote(ServerWebExchange exchange) {
			GroupContext request = ReactiveErrGroups.requestContext(exchange).orElseThrow();
			ErrGroup group = this.groups.group("quote").parent(request).open();
			Task<String> price = group.go("price", () -> Thread.currentThread().getName());
			return ReactiveErrGroups.await(group)
				.then(Mono.fromSupplier(() -> "price on errgroup-: " + price.resultNow().startsWith("errgroup-")
						+ ", under " + request.groupName()));
		}

	}

}
