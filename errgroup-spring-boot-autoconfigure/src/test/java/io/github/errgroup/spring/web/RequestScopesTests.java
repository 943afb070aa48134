package io.github.errgroup.spring.web;

import java.time.Duration;
import java.time.Instant;
import java.util.EnumSet;
import java.util.Set;
import java.util.concurrent.TimeoutException;

import io.github.errgroup.CancellationScope;
import io.github.errgroup.spring.web.DeadlineHeaders.Format;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * S25: the inbound deadline header, parsed strictly and capped; the outbound value, in whole
 * milliseconds.
 */
@Timeout(10)
class RequestScopesTests {

	private final RequestScopes capped = new RequestScopes(Duration.ofSeconds(2), DeadlineHeaders.defaults());

	private final RequestScopes uncapped = new RequestScopes(null, DeadlineHeaders.defaults());

	/** The scope of a request carrying the given {@code Request-Timeout}, or none when {@code null}. */
	private static CancellationScope open(RequestScopes scopes, String path, @Nullable String requestTimeout) {
		return scopes.open("GET", path, (name) -> name.equalsIgnoreCase("Request-Timeout") ? requestTimeout : null);
	}

	private static long millisLeft(CancellationScope scope) {
		return RequestScopes.millisLeft(scope.context()).orElse(-1);
	}

	@ParameterizedTest
	@ValueSource(strings = { "abc", "-5", "-0", "1.5", "10s", "", " ", "+7", "0x10", "5,6", "1e3", "١٢" })
	void S25_malformedOrNegativeHeader_isIgnored(String header) {
		CancellationScope scope = open(this.capped, "/x", header);
		assertThat(scope.context().isCancelled()).isFalse();
		assertThat(millisLeft(scope)).isBetween(1000L, 2000L); // the request timeout, as with no header
		assertThat(open(this.uncapped, "/x", header).context().deadline()).isEmpty();
	}

	@Test
	void S25_header_setsTheDeadline_cappedByTheRequestTimeout() {
		assertThat(millisLeft(open(this.capped, "/x", "500"))).isBetween(1L, 500L);
		assertThat(millisLeft(open(this.capped, "/x", " 500 "))).isBetween(1L, 500L);
		assertThat(millisLeft(open(this.capped, "/x", "60000"))).isBetween(1000L, 2000L);
		assertThat(millisLeft(open(this.uncapped, "/x", "60000"))).isBetween(50_000L, 60_000L);
	}

	@Test
	void S25_absurdHeader_isCappedByTheRequestTimeout_orIgnoredWithoutOne() {
		String absurd = "9".repeat(40);
		assertThat(millisLeft(open(this.capped, "/x", absurd))).isBetween(1000L, 2000L);
		assertThat(open(this.uncapped, "/x", absurd).context().deadline()).isEmpty();
		assertThat(open(this.uncapped, "/x", "999999999999999").context().deadline()).isPresent();
	}

	@Test
	void S25_zeroLeft_theScopeStartsCancelledWithATimeout() {
		CancellationScope scope = open(this.capped, "/x", "0");
		assertThat(scope.context().isCancelled()).isTrue();
		assertThat(scope.context().cause()).isInstanceOf(TimeoutException.class).hasMessageContaining("GET /x");
	}

	@Test
	void S25_headerTurnedOff_isNotRead() {
		RequestScopes off = new RequestScopes(null, new DeadlineHeaders("", EnumSet.allOf(Format.class), Set.of()));
		assertThat(open(off, "/x", "500").context().deadline()).isEmpty();
	}

	@ParameterizedTest
	@ValueSource(strings = { "/api/orders/7;jsessionid=SECRET", "/api;v=1/orders/7;jsessionid=SECRET",
			"/api;/orders/7", "/api/orders/7;", "/api/orders/7;a=1;b=2" })
	void S28_pathParameters_areLeftOutOfTheScopesName(String path) {
		assertThat(open(this.uncapped, path, null).context().groupName()).isEqualTo("GET /api/orders/7");
	}

	@Test
	void S28_aPathWithoutParameters_isTheNameAsItIs() {
		assertThat(open(this.uncapped, "/", null).context().groupName()).isEqualTo("GET /");
		assertThat(open(this.uncapped, "/a/%3Bb/", null).context().groupName()).isEqualTo("GET /a/%3Bb/");
	}

	@Test
	void S25_millisLeft_isWholeMillisecondsNeverNegative_andEmptyWithoutADeadline() {
		assertThat(RequestScopes.millisLeft(CancellationScope.open("none").context())).isEmpty();
		CancellationScope soon = CancellationScope.open("soon", Duration.ofNanos(1));
		assertThat(RequestScopes.millisLeft(soon.context())).hasValue(0);
		CancellationScope far = CancellationScope.open("far", Duration.ofSeconds(Long.MAX_VALUE));
		assertThat(far.context().deadline()).hasValue(Instant.MAX);
		assertThat(RequestScopes.millisLeft(far.context())).isEmpty();
		far.cancel(new RuntimeException("done"));
	}

}
