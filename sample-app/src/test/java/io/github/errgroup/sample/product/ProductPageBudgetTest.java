package io.github.errgroup.sample.product;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.BDDMockito.given;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import io.github.errgroup.ErrGroupException;
import io.github.errgroup.ErrGroupFactory;
import io.github.errgroup.GroupInfo;
import io.github.errgroup.sample.product.DownstreamClient.Part;
import io.github.errgroup.sample.product.ProductController.ProductPage;
import io.github.errgroup.spring.ErrGroupFactoryBuilderCustomizer;
import io.github.errgroup.test.ErrGroupLeakCheck;
import io.github.errgroup.test.VirtualClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.http.HttpStatus;
import org.springframework.test.context.bean.override.mockito.MockitoBean;

/**
 * The product page's 800 ms budget ({@code errgroup.groups.product.timeout} in application.yml), with
 * the errgroup-test kit: the groups' deadlines on a {@link VirtualClock} the test advances, so the test
 * waits for no 800 ms and the deadline fires exactly at 800 ms, and the {@link ErrGroupLeakCheck},
 * which fails the test if a group is left open.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.NONE, properties = "sample.warm-up=false")
@ExtendWith(ErrGroupLeakCheck.class)
class ProductPageBudgetTest {

	@TestConfiguration(proxyBeanMethods = false)
	static class VirtualTime {

		@Bean
		VirtualClock virtualClock() {
			return new VirtualClock();
		}

		@Bean
		ErrGroupFactoryBuilderCustomizer virtualDeadlines(VirtualClock clock) {
			return builder -> builder.deadlineClock(clock);
		}

	}

	@MockitoBean
	DownstreamClient downstream;

	@Autowired
	ProductController products;

	@Autowired
	VirtualClock clock;

	@Autowired
	ErrGroupFactory groups; // a field: the leak check watches its groups

	private final ExecutorService caller = Executors.newSingleThreadExecutor();

	@AfterEach
	void shutdown() {
		this.caller.shutdownNow();
	}

	@Test
	void aServiceThatNeverAnswers_thePageAnswers504AtItsBudget_notBefore() throws Exception {
		given(this.downstream.fetch(anyString(), anyString()))
			.willAnswer(call -> new Part(call.getArgument(0), call.getArgument(1), ""));
		given(this.downstream.fetch(anyString(), anyString(), anyString()))
			.willAnswer(call -> new Part(call.getArgument(0), call.getArgument(1), call.getArgument(2)));
		CountDownLatch detailsCalled = new CountDownLatch(1);
		given(this.downstream.fetch(eq("details"), anyString())).willAnswer(call -> {
			detailsCalled.countDown();
			new CountDownLatch(1).await(); // never answers; the group's cancellation interrupts it
			return null;
		});

		CompletableFuture<ProductPage> page = CompletableFuture.supplyAsync(() -> this.products.product("42"), this.caller);
		assertThat(detailsCalled.await(20, TimeUnit.SECONDS)).isTrue();

		this.clock.advance(Duration.ofMillis(799));
		assertThat(productGroup().context().isCancelled()).as("799 ms into the page: still waiting").isFalse();

		this.clock.advance(Duration.ofMillis(1));
		Throwable thrown = catchThrowable(() -> page.get(20, TimeUnit.SECONDS));

		assertThat(thrown).isInstanceOf(ExecutionException.class).cause().isInstanceOf(ErrGroupException.class);
		ErrGroupException failure = (ErrGroupException) thrown.getCause();
		assertThat(failure.firstCause()).isInstanceOf(TimeoutException.class).hasMessageContaining("PT0.8S");
		assertThat(new FanOutErrors().failedFanOut(failure).getBody().getStatus()).isEqualTo(HttpStatus.GATEWAY_TIMEOUT.value());
	}

	private GroupInfo productGroup() {
		return this.groups.openGroups().stream().filter(g -> g.name().equals("product")).findFirst().orElseThrow();
	}

}
