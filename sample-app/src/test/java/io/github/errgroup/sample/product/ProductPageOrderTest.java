package io.github.errgroup.sample.product;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.BDDMockito.given;
import static org.mockito.Mockito.inOrder;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.verify;

import io.github.errgroup.ErrGroupException;
import io.github.errgroup.ErrGroupFactory;
import io.github.errgroup.sample.inventory.InventoryRepository;
import io.github.errgroup.sample.inventory.InventoryRepository.Stock;
import io.github.errgroup.sample.product.DownstreamClient.Part;
import io.github.errgroup.sample.product.RatingsClient.Rating;
import io.github.errgroup.test.ErrGroupLeakCheck;
import io.github.errgroup.test.ManualExecutor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.mockito.InOrder;

import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.ProblemDetail;

/**
 * The product page with the errgroup-test kit's {@link ManualExecutor}: no pool thread runs anything,
 * so the page's tasks run one at a time on the thread that awaits them, newest first (S15), and a
 * failure replays the same way on every run. Without Spring: the controller and its mocked services.
 */
@ExtendWith(ErrGroupLeakCheck.class)
class ProductPageOrderTest {

	private final ManualExecutor executor = new ManualExecutor();

	private final ErrGroupFactory groups = ErrGroupFactory.create(this.executor);

	private final DownstreamClient downstream = mock(DownstreamClient.class);

	private final InventoryRepository inventory = mock(InventoryRepository.class);

	private final RatingsClient ratings = mock(RatingsClient.class);

	private final ProductController products = new ProductController(this.groups, this.downstream, this.inventory,
			this.ratings);

	@Test
	void pricingFails_theServicesAfterItInTheOrderAreNeverCalled_andThePageAnswers502NamingPricing() {
		given(this.downstream.fetch(anyString(), anyString()))
			.willAnswer(call -> new Part(call.getArgument(0), call.getArgument(1), ""));
		given(this.downstream.fetch(anyString(), anyString(), anyString()))
			.willAnswer(call -> new Part(call.getArgument(0), call.getArgument(1), call.getArgument(2)));
		given(this.inventory.stock("42")).willReturn(new Stock("42", 7, 2));
		given(this.ratings.fetch("42")).willReturn(new Rating("42", "4.5"));
		given(this.downstream.fetch("pricing", "42")).willThrow(new DownstreamException("pricing", HttpStatusCode.valueOf(503)));

		ErrGroupException failure = catchThrowableOfType(ErrGroupException.class, () -> this.products.product("42"));

		InOrder order = inOrder(this.ratings, this.downstream, this.inventory);
		order.verify(this.ratings).fetch("42"); // the newest task: over gRPC
		order.verify(this.downstream).fetch("recommendations", "42", "trending"); // the nested group, newest first
		order.verify(this.downstream).fetch("recommendations", "42", "bought-together");
		order.verify(this.downstream).fetch("recommendations", "42", "similar");
		order.verify(this.downstream).fetch("reviews", "42");
		order.verify(this.inventory).stock("42");
		order.verify(this.downstream).fetch("pricing", "42");
		verify(this.downstream, never()).fetch("details", "42"); // cancelled before it started (S4)
		ProblemDetail answer = new FanOutErrors().failedFanOut(failure).getBody();
		assertThat(answer.getStatus()).isEqualTo(HttpStatus.BAD_GATEWAY.value());
		assertThat(answer.getProperties()).containsEntry("service", "pricing");
		assertThat(this.executor.runAll()).as("the awaiting thread ran every task; the queue holds ended ones only")
			.isEqualTo(9);
	}

}
