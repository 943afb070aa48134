package io.github.errgroup.spring.autoconfigure.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import io.github.errgroup.ErrGroup;
import io.github.errgroup.ErrGroupFactory;
import io.github.errgroup.spring.autoconfigure.ErrGroupAutoConfiguration;
import io.github.errgroup.spring.autoconfigure.ErrGroupProperties;
import io.github.errgroup.spring.autoconfigure.executor.ErrGroupExecutorAutoConfiguration;
import io.github.errgroup.spring.autoconfigure.reactor.ErrGroupReactorAutoConfiguration;
import io.github.errgroup.spring.autoconfigure.web.client.ErrGroupHttpClientAutoConfiguration;
import io.github.errgroup.spring.autoconfigure.web.reactive.ErrGroupWebFluxAutoConfiguration;
import io.github.errgroup.spring.autoconfigure.web.servlet.ErrGroupServletAutoConfiguration;
import io.github.errgroup.spring.web.DeadlineHeaders.Format;
import io.github.errgroup.spring.web.reactive.ErrGroupRequestWebFilter;
import io.github.errgroup.spring.web.reactive.ReactiveErrGroups;
import io.github.errgroup.spring.web.servlet.ErrGroupRequestFilter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import reactor.core.scheduler.Schedulers;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.restclient.RestClientCustomizer;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.context.runner.ReactiveWebApplicationContextRunner;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.boot.webclient.WebClientCustomizer;

/**
 * S24, S25: which web integration exists in which kind of application, and how to turn it off.
 */
@Timeout(30)
class ErrGroupWebAutoConfigurationTests {

	private static final AutoConfigurations ALL = AutoConfigurations.of(ErrGroupExecutorAutoConfiguration.class,
			ErrGroupAutoConfiguration.class, ErrGroupServletAutoConfiguration.class,
			ErrGroupWebFluxAutoConfiguration.class, ErrGroupReactorAutoConfiguration.class,
			ErrGroupHttpClientAutoConfiguration.class);

	@Test
	void S24_servletApplication_getsTheRequestFilter_registeredEarlyForRequestAndAsyncDispatches() {
		new WebApplicationContextRunner().withConfiguration(ALL).run((context) -> {
			assertThat(context).hasBean("errGroupRequestFilter").doesNotHaveBean(ErrGroupRequestWebFilter.class);
			FilterRegistrationBean<?> registration = context.getBean("errGroupRequestFilter",
					FilterRegistrationBean.class);
			assertThat(registration.getFilter()).isInstanceOf(ErrGroupRequestFilter.class);
			assertThat(registration.getOrder()).isEqualTo(ErrGroupRequestFilter.DEFAULT_ORDER);
			assertThat(context).hasSingleBean(RestClientCustomizer.class).hasSingleBean(WebClientCustomizer.class);
		});
	}

	@Test
	void S24_reactiveApplication_getsTheWebFilterAndReactiveErrGroups_notTheServletFilter() {
		new ReactiveWebApplicationContextRunner().withConfiguration(ALL).run((context) -> {
			assertThat(context).hasSingleBean(ErrGroupRequestWebFilter.class)
				.hasSingleBean(ReactiveErrGroups.class)
				.doesNotHaveBean("errGroupRequestFilter");
		});
	}

	@Test
	void S24_notAWebApplication_noRequestScopes_butClientsStillHonourTheirGroups() {
		new ApplicationContextRunner().withConfiguration(ALL).run((context) -> {
			assertThat(context).doesNotHaveBean("errGroupRequestFilter")
				.doesNotHaveBean(ErrGroupRequestWebFilter.class)
				.hasSingleBean(RestClientCustomizer.class);
		});
	}

	@Test
	void S24_webEnabledFalse_turnsTheWebIntegrationOff() {
		new WebApplicationContextRunner().withConfiguration(ALL).withPropertyValues("errgroup.web.enabled=false")
			.run((context) -> assertThat(context).hasSingleBean(ErrGroupFactory.class)
				.doesNotHaveBean("errGroupRequestFilter")
				.doesNotHaveBean(RestClientCustomizer.class)
				.doesNotHaveBean(WebClientCustomizer.class));
	}

	@Test
	void S24_withReactor_aBlockingAwaitOnANonBlockingThreadThrowsAtOnce_elsewhereItWaits() {
		new ApplicationContextRunner().withConfiguration(ALL).run((context) -> {
			ErrGroupFactory factory = context.getBean(ErrGroupFactory.class);
			CompletableFuture<String> onParallel = new CompletableFuture<>();
			Schedulers.parallel().schedule(() -> {
				try (ErrGroup group = factory.newGroup("on-parallel")) {
					group.go(() -> "x");
					group.await();
					onParallel.complete("awaited");
				}
				catch (IllegalStateException ex) {
					onParallel.complete(ex.getMessage());
				}
			});
			assertThat(onParallel.get(10, TimeUnit.SECONDS)).contains("non-blocking thread").contains("awaitAsync()");
			try (ErrGroup group = factory.newGroup("here")) {
				group.go(() -> "x");
				group.await(); // a test thread may block
			}
		});
	}

	@Test
	void S24_withoutReactor_noBlockingGuard() {
		new ApplicationContextRunner().withConfiguration(ALL)
			.withClassLoader(new FilteredClassLoader("reactor.core"))
			.run((context) -> assertThat(context).hasSingleBean(ErrGroupFactory.class)
				.doesNotHaveBean("errGroupNonBlockingThreadGuard"));
	}

	@ParameterizedTest(name = "{0}={1}")
	@CsvSource(delimiter = '|', textBlock = """
			errgroup.web.request-timeout | 0s
			errgroup.web.request-timeout | -1s
			errgroup.web.deadline-header | Request Timeout
			errgroup.web.deadline-header | Request:Timeout
			errgroup.web.deadline-header | grpc-timeout
			errgroup.web.deadline-header | X-Envoy-Expected-Rq-Timeout-Ms
			""")
	void S21_invalidWebPropertyFailsStartUpNamingIt(String property, String value) {
		new WebApplicationContextRunner().withConfiguration(ALL)
			.withPropertyValues(property + "=" + value)
			.run((context) -> assertThat(context).hasFailed()
				.getFailure()
				.rootCause()
				.hasMessageContaining("Property " + property + " with value '" + value + "' is invalid"));
	}

	@ParameterizedTest(name = "{0}={1}")
	@CsvSource(delimiter = '|', textBlock = """
			errgroup.web.inbound-deadline-formats | grpc
			errgroup.web.outbound-deadline-formats | grpc-timeout,request-timeout
			""")
	void S35_anUnknownDeadlineFormatFailsStartUp_namingThePropertyAndTheValue(String property, String value) {
		// Boot's binding failure; its failure analysis then lists the valid values of the enum.
		new WebApplicationContextRunner().withConfiguration(ALL)
			.withPropertyValues(property + "=" + value)
			.run((context) -> assertThat(context).hasFailed()
				.getFailure()
				.hasStackTraceContaining("Failed to bind properties under '" + property + "'")
				.rootCause()
				.hasMessageContaining("No enum constant " + Format.class.getCanonicalName()));
	}

	@Test
	void S35_deadlineFormats_boundAsWritten_emptyForNone() {
		new WebApplicationContextRunner().withConfiguration(ALL)
			.withPropertyValues("errgroup.web.inbound-deadline-formats=grpc-timeout, envoy",
					"errgroup.web.outbound-deadline-formats=")
			.run((context) -> {
				ErrGroupProperties.Web web = context.getBean(ErrGroupProperties.class).getWeb();
				assertThat(web.getInboundDeadlineFormats()).containsExactlyInAnyOrder(Format.GRPC_TIMEOUT, Format.ENVOY);
				assertThat(web.getOutboundDeadlineFormats()).isEmpty();
			});
	}

	@Test
	void S25_anEmptyDeadlineHeaderTurnsTheHeaderOff() {
		new WebApplicationContextRunner().withConfiguration(ALL)
			.withPropertyValues("errgroup.web.deadline-header=")
			.run((context) -> assertThat(context).hasNotFailed().hasBean("errGroupRequestFilter"));
	}

}
