package io.github.errgroup.spring.autoconfigure;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import io.github.errgroup.ErrGroup;
import io.github.errgroup.ErrGroupException;
import io.github.errgroup.ErrGroupFactory;
import io.github.errgroup.GroupContext;
import io.github.errgroup.Task;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.webmvc.test.autoconfigure.WebMvcTest;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.content;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

/**
 * S37: a {@code @WebMvcTest} of a controller that injects the {@code ErrGroupFactory} starts with no
 * configuration of the test's own: the slice gets the factory, its executor and the request scope, as
 * the whole application does (through {@code META-INF/spring/...AutoConfigureWebMvc.imports}).
 */
@WebMvcTest(S37_WebMvcSliceTests.QuoteController.class)
class S37_WebMvcSliceTests {

	@Autowired
	private MockMvc mvc;

	@Test
	void S37_theSliceHasTheFactory_itsExecutor_andTheRequestScope() throws Exception {
		this.mvc.perform(get("/quote"))
			.andExpect(status().isOk())
			.andExpect(content().string("price and stock, one on errgroup-: true, under GET /quote"));
	}

	@Test
	void S37_S38_aFailingTaskAnswersWithItsName() throws Exception {
		this.mvc.perform(get("/quote").param("fail", "stock"))
			.andExpect(status().isBadGateway())
			.andExpect(content().string(
					"task 'stock' (#1) of group 'quote' failed: java.lang.IllegalStateException: stock is down"));
	}

	@Configuration(proxyBeanMethods = false)
	@Import(QuoteController.class)
	static class App {

	}

	/**
	 * What a user's controller looks like, for the S37 slice tests (MVC): it injects the factory and fans
	 * out two named tasks that meet (each waits until the other has started), so one of them ran on the
	 * errgroup executor; it answers with the request scope its groups are children of.
	 */
	@RestController
	static class QuoteController {

		private final ErrGroupFactory groups;

		QuoteController(ErrGroupFactory groups) {
			this.groups = groups;
		}

		@GetMapping("/quote")
		String quote(@RequestParam(defaultValue = "") String fail) throws Exception {
			Set<String> threads = ConcurrentHashMap.newKeySet();
			CountDownLatch priceStarted = new CountDownLatch(1);
			CountDownLatch stockStarted = new CountDownLatch(1);
			try (ErrGroup group = this.groups.newGroup("quote")) {
				Task<String> price = group.go("price", () -> meet(threads, priceStarted, stockStarted, "price", fail));
				Task<String> stock = group.go("stock", () -> meet(threads, stockStarted, priceStarted, "stock", fail));
				group.await();
				String scope = GroupContext.current().map(GroupContext::groupName).orElse("no request scope");
				return price.resultNow() + " and " + stock.resultNow() + ", one on errgroup-: "
						+ threads.stream().anyMatch((name) -> name.startsWith("errgroup-")) + ", under " + scope;
			}
		}

		private static String meet(Set<String> threads, CountDownLatch mine, CountDownLatch other, String name, String fail)
				throws InterruptedException {
			threads.add(Thread.currentThread().getName());
			mine.countDown();
			if (name.equals(fail)) {
				throw new IllegalStateException(name + " is down");
			}
			if (!other.await(10, TimeUnit.SECONDS)) {
				throw new IllegalStateException("the other task never started: are both on one thread?");
			}
			return name;
		}

		@ExceptionHandler
		ResponseEntity<String> failed(ErrGroupException ex) {
			return ResponseEntity.status(HttpStatus.BAD_GATEWAY).body(ex.getMessage());
		}

	}

}
