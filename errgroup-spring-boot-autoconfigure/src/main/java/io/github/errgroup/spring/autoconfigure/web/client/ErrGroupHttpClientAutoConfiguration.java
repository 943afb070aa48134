package io.github.errgroup.spring.autoconfigure.web.client;

import io.github.errgroup.spring.autoconfigure.ErrGroupProperties;
import io.github.errgroup.spring.web.client.DeadlineClientHttpRequestInterceptor;
import io.github.errgroup.spring.web.client.DeadlineExchangeFilterFunction;
import io.github.errgroup.spring.web.client.HttpComponentsAbortCustomizer;
import io.github.errgroup.spring.web.client.ReactorNettyAbortCustomizer;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.restclient.RestClientCustomizer;
import org.springframework.boot.restclient.RestTemplateCustomizer;
import org.springframework.boot.webclient.WebClientCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * {@link EnableAutoConfiguration Auto-configuration} of cancellation across the wire (S25): the
 * auto-configured {@code RestClient.Builder}, {@code RestTemplateBuilder} and {@code WebClient.Builder}
 * make calls that, where a group context is current (inside a task, or in a web request), carry the
 * time left before its deadline in the outbound deadline headers (S35: {@code Request-Timeout} in milliseconds and {@code grpc-timeout} unless
 * {@code errgroup.web.outbound-deadline-formats} says otherwise) and
 * are aborted on the wire when it is cancelled, ending with an exception the core counts as a
 * cancellation. Outside any group, calls are left as they are. Apache HttpClient 5, whose blocking
 * reads ignore interrupts, and Reactor Netty, whose body stream may refuse an early close, are also
 * told how to abort an exchange themselves.
 *
 * <p>Off with {@code errgroup.web.enabled=false} (or {@code errgroup.enabled=false}). A bean with the
 * same name replaces each customizer.
 */
@AutoConfiguration
@ConditionalOnBooleanProperty(name = { "errgroup.enabled", "errgroup.web.enabled" }, matchIfMissing = true)
@EnableConfigurationProperties(ErrGroupProperties.class)
public final class ErrGroupHttpClientAutoConfiguration {

	ErrGroupHttpClientAutoConfiguration() {
	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(RestClientCustomizer.class)
	static class RestClientConfiguration {

		@Bean
		@ConditionalOnMissingBean(name = "errGroupRestClientCustomizer")
		RestClientCustomizer errGroupRestClientCustomizer(ErrGroupProperties properties) {
			DeadlineClientHttpRequestInterceptor interceptor = new DeadlineClientHttpRequestInterceptor(
					properties.getWeb().deadlineHeaders());
			return (builder) -> builder.requestInterceptor(interceptor);
		}

		@Bean
		@ConditionalOnMissingBean(name = "errGroupRestTemplateCustomizer")
		RestTemplateCustomizer errGroupRestTemplateCustomizer(ErrGroupProperties properties) {
			DeadlineClientHttpRequestInterceptor interceptor = new DeadlineClientHttpRequestInterceptor(
					properties.getWeb().deadlineHeaders());
			return (restTemplate) -> restTemplate.getInterceptors().add(interceptor);
		}

	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(name = { "org.springframework.boot.http.client.autoconfigure.ClientHttpRequestFactoryBuilderCustomizer",
			"org.apache.hc.client5.http.impl.classic.HttpClientBuilder" })
	static class HttpComponentsConfiguration {

		@Bean
		@ConditionalOnMissingBean(name = "errGroupHttpComponentsAbortCustomizer")
		HttpComponentsAbortCustomizer errGroupHttpComponentsAbortCustomizer() {
			return new HttpComponentsAbortCustomizer();
		}

	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(name = { "org.springframework.boot.http.client.autoconfigure.ClientHttpRequestFactoryBuilderCustomizer",
			"reactor.netty.http.client.HttpClient" })
	static class ReactorNettyConfiguration {

		@Bean
		@ConditionalOnMissingBean(name = "errGroupReactorNettyAbortCustomizer")
		ReactorNettyAbortCustomizer errGroupReactorNettyAbortCustomizer() {
			return new ReactorNettyAbortCustomizer();
		}

	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass({ WebClientCustomizer.class, reactor.core.publisher.Mono.class })
	static class WebClientConfiguration {

		@Bean
		@ConditionalOnMissingBean(name = "errGroupWebClientCustomizer")
		WebClientCustomizer errGroupWebClientCustomizer(ErrGroupProperties properties) {
			DeadlineExchangeFilterFunction filter = new DeadlineExchangeFilterFunction(
					properties.getWeb().deadlineHeaders());
			return (builder) -> builder.filter(filter);
		}

	}

}
