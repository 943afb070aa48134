package io.github.errgroup.sample.product;

import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.BDDMockito.given;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import io.github.errgroup.sample.inventory.InventoryRepository;
import io.github.errgroup.sample.inventory.InventoryRepository.Stock;
import io.github.errgroup.sample.product.DownstreamClient.Part;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.webmvc.test.autoconfigure.WebMvcTest;
import org.springframework.http.HttpStatus;
import org.springframework.test.context.bean.override.mockito.MockitoBean;
import org.springframework.test.web.servlet.MockMvc;

/**
 * S37 as a user writes it: a {@code @WebMvcTest} of the product page with its downstream client and
 * repository mocked, and nothing else. The slice brings the starter's real {@code ErrGroupFactory}
 * (with the {@code errgroup.groups.product} profile): the fan-out runs for real, so the first failure
 * still cancels the rest and answers 502.
 */
@WebMvcTest(ProductController.class)
class ProductControllerSliceTest {

	@Autowired
	private MockMvc mvc;

	@MockitoBean
	private DownstreamClient downstream;

	@MockitoBean
	private InventoryRepository inventory;

	@MockitoBean
	private RatingsClient ratings;

	@Test
	void S37_theSliceFansOutWithTheRealFactory() throws Exception {
		given(this.downstream.fetch(anyString(), anyString())).willAnswer((call) -> new Part(call.getArgument(0), "42", ""));
		given(this.downstream.fetch(anyString(), anyString(), anyString()))
			.willAnswer((call) -> new Part("recommendations", "42", call.getArgument(2)));
		given(this.inventory.stock("42")).willReturn(new Stock("42", 7, 2));
		this.mvc.perform(get("/api/products/42"))
			.andExpect(status().isOk())
			.andExpect(jsonPath("$.pricing.service").value("pricing"))
			.andExpect(jsonPath("$.inventory.inStock").value(7))
			.andExpect(jsonPath("$.recommendations.length()").value(3));
	}

	@Test
	void S37_aFailingDownstreamAnswers502_throughTheRealGroup() throws Exception {
		given(this.downstream.fetch(anyString(), anyString())).willAnswer((call) -> {
			if ("pricing".equals(call.getArgument(0))) {
				throw new DownstreamException("pricing", HttpStatus.INTERNAL_SERVER_ERROR);
			}
			return new Part(call.getArgument(0), "42", "");
		});
		given(this.downstream.fetch(anyString(), anyString(), anyString()))
			.willAnswer((call) -> new Part("recommendations", "42", call.getArgument(2)));
		given(this.inventory.stock("42")).willReturn(new Stock("42", 7, 2));
		this.mvc.perform(get("/api/products/42"))
			.andExpect(status().isBadGateway())
			.andExpect(jsonPath("$.detail").value("downstream service pricing failed: pricing answered 500 INTERNAL_SERVER_ERROR"));
	}

}
