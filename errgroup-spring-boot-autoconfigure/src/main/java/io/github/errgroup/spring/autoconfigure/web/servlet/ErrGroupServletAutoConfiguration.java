package io.github.errgroup.spring.autoconfigure.web.servlet;

import io.github.errgroup.spring.ErrGroupFactories;
import io.github.errgroup.spring.autoconfigure.ErrGroupAutoConfiguration;
import io.github.errgroup.spring.autoconfigure.ErrGroupProperties;
import io.github.errgroup.spring.web.RequestScopes;
import io.github.errgroup.spring.web.servlet.ApplicationShutdownExceptionResolver;
import io.github.errgroup.spring.web.servlet.ErrGroupRequestFilter;
import io.github.errgroup.spring.web.servlet.RequestDeadlineExceptionResolver;
import io.github.errgroup.spring.web.servlet.RequestScopeCallableInterceptor;
import jakarta.servlet.DispatcherType;
import org.jspecify.annotations.Nullable;

import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication.Type;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;
import org.springframework.util.ClassUtils;
import org.springframework.web.servlet.DispatcherServlet;
import org.springframework.web.servlet.config.annotation.AsyncSupportConfigurer;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

/**
 * {@link EnableAutoConfiguration Auto-configuration} of request-scoped cancellation for servlet web
 * applications (S24): an {@link ErrGroupRequestFilter}, registered early for request and async
 * dispatches, gives each request its cancellation scope and deadline. With Spring MVC, a handler's
 * {@code Callable} runs with the request's scope bound too, and an {@code ErrGroupException} caused by
 * the request's deadline answers 503 unless the application's error handling answers first, as does
 * one caused by the application's shutdown (S36), rendered before the request leaves the servlet.
 *
 * <p>Off with {@code errgroup.web.enabled=false} (or {@code errgroup.enabled=false}). A bean named
 * {@code errGroupRequestFilter} replaces the filter's registration.
 */
@AutoConfiguration(after = ErrGroupAutoConfiguration.class)
@ConditionalOnWebApplication(type = Type.SERVLET)
@ConditionalOnClass({ FilterRegistrationBean.class, DispatcherType.class })
@ConditionalOnBooleanProperty(name = { "errgroup.enabled", "errgroup.web.enabled" }, matchIfMissing = true)
@EnableConfigurationProperties(ErrGroupProperties.class)
public final class ErrGroupServletAutoConfiguration {

	ErrGroupServletAutoConfiguration() {
	}

	@Bean
	@ConditionalOnMissingBean(name = "errGroupRequestFilter")
	FilterRegistrationBean<ErrGroupRequestFilter> errGroupRequestFilter(ErrGroupProperties properties) {
		ErrGroupRequestFilter filter = new ErrGroupRequestFilter(new RequestScopes(properties.getWeb().getRequestTimeout(), properties.getWeb().deadlineHeaders()));
		FilterRegistrationBean<ErrGroupRequestFilter> registration = new FilterRegistrationBean<>(filter);
		registration.setOrder(filter.getOrder());
		registration.setDispatcherTypes(DispatcherType.REQUEST, DispatcherType.ASYNC);
		return registration;
	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(DispatcherServlet.class)
	static class WebMvcConfiguration {

		/** Spring Boot's error controller, in {@code spring-boot-webmvc}, which an application may leave out. */
		private static final String ERROR_CONTROLLER = "org.springframework.boot.webmvc.error.ErrorController";

		@Bean
		WebMvcConfigurer errGroupAsyncSupportConfigurer() {
			return new WebMvcConfigurer() {

				@Override
				public void configureAsyncSupport(AsyncSupportConfigurer configurer) {
					configurer.registerCallableInterceptors(new RequestScopeCallableInterceptor());
				}

			};
		}

		@Bean
		@ConditionalOnMissingBean(name = "errGroupRequestDeadlineExceptionResolver")
		RequestDeadlineExceptionResolver errGroupRequestDeadlineExceptionResolver() {
			return new RequestDeadlineExceptionResolver();
		}

		@Bean
		@ConditionalOnMissingBean(name = "errGroupApplicationShutdownExceptionResolver")
		@ConditionalOnBean(ErrGroupFactories.class)
		ApplicationShutdownExceptionResolver errGroupApplicationShutdownExceptionResolver(ErrGroupFactories factories,
				Environment environment, ListableBeanFactory beans) {
			return new ApplicationShutdownExceptionResolver(factories, errorPath(environment, beans));
		}

		/** The path of Spring Boot's error controller (or the application's), or {@code null} if there is none. */
		private static @Nullable String errorPath(Environment environment, ListableBeanFactory beans) {
			ClassLoader classLoader = ErrGroupServletAutoConfiguration.class.getClassLoader();
			boolean errorController = ClassUtils.isPresent(ERROR_CONTROLLER, classLoader) && beans
				.getBeanNamesForType(ClassUtils.resolveClassName(ERROR_CONTROLLER, classLoader), true, false).length > 0;
			return errorController
					? environment.getProperty("spring.web.error.path", environment.getProperty("error.path", "/error"))
					: null;
		}

	}

}
