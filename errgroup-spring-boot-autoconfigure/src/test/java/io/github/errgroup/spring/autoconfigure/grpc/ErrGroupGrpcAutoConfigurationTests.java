package io.github.errgroup.spring.autoconfigure.grpc;

import io.github.errgroup.spring.grpc.ErrGroupClientInterceptor;
import io.github.errgroup.spring.grpc.ErrGroupServerInterceptor;
import io.grpc.ServerInterceptor;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.grpc.client.GlobalClientInterceptor;
import org.springframework.grpc.server.GlobalServerInterceptor;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The gRPC interceptors as beans (S33, S34): present with grpc-java, marked for Spring gRPC, absent
 * without grpc-java or when turned off, and present without Spring gRPC, whose annotations are then
 * ignored.
 */
class ErrGroupGrpcAutoConfigurationTests {

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(ErrGroupGrpcAutoConfiguration.class));

	@Test
	void S33_S34_bothInterceptorsAreBeansThatSpringGrpcApplies() {
		this.runner.run((context) -> {
			assertThat(context).hasSingleBean(ErrGroupServerInterceptor.class).hasSingleBean(ErrGroupClientInterceptor.class);
			assertThat(context.findAnnotationOnBean("errGroupServerInterceptor", GlobalServerInterceptor.class))
				.isNotNull();
			assertThat(context.findAnnotationOnBean("errGroupClientInterceptor", GlobalClientInterceptor.class))
				.isNotNull();
		});
	}

	@Test
	void S33_S34_withoutSpringGrpcTheInterceptorsStillExist() {
		this.runner.withClassLoader(new FilteredClassLoader("org.springframework.grpc"))
			.run((context) -> assertThat(context).hasSingleBean(ErrGroupServerInterceptor.class)
				.hasSingleBean(ErrGroupClientInterceptor.class));
	}

	@Test
	void withoutGrpcJavaNothing() {
		this.runner.withClassLoader(new FilteredClassLoader(ServerInterceptor.class))
			.run((context) -> assertThat(context).doesNotHaveBean(ErrGroupServerInterceptor.class)
				.doesNotHaveBean(ErrGroupClientInterceptor.class));
	}

	@Test
	void turnedOff() {
		this.runner.withPropertyValues("errgroup.grpc.enabled=false")
			.run((context) -> assertThat(context).doesNotHaveBean(ErrGroupServerInterceptor.class)
				.doesNotHaveBean(ErrGroupClientInterceptor.class));
		this.runner.withPropertyValues("errgroup.enabled=false")
			.run((context) -> assertThat(context).doesNotHaveBean(ErrGroupServerInterceptor.class));
	}

	@Test
	void aUsersOwnInterceptorWins() {
		this.runner.withBean("mine", ErrGroupServerInterceptor.class, ErrGroupServerInterceptor::new)
			.run((context) -> assertThat(context).getBeanNames(ErrGroupServerInterceptor.class).containsExactly("mine"));
	}

}
