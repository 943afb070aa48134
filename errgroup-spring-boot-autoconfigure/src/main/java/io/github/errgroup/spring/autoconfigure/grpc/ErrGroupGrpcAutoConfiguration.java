package io.github.errgroup.spring.autoconfigure.grpc;

import io.github.errgroup.spring.autoconfigure.ErrGroupProperties;
import io.github.errgroup.spring.grpc.ErrGroupClientInterceptor;
import io.github.errgroup.spring.grpc.ErrGroupServerInterceptor;
import io.grpc.ServerInterceptor;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.grpc.client.GlobalClientInterceptor;
import org.springframework.grpc.server.GlobalServerInterceptor;

/**
 * {@link EnableAutoConfiguration Auto-configuration} of gRPC (S33, S34): an
 * {@link ErrGroupServerInterceptor} bean, which makes each inbound call a request scope, and an
 * {@link ErrGroupClientInterceptor} bean, which gives outgoing calls made in a group its deadline and
 * cancellation.
 *
 * <p>With Spring gRPC, both are marked global ({@code @GlobalServerInterceptor},
 * {@code @GlobalClientInterceptor}), so its server and its channels use them with no more
 * configuration. With plain grpc-java, register them where the server and channels are built:
 * {@code ServerBuilder.intercept(serverInterceptor)} and
 * {@code ManagedChannelBuilder.intercept(clientInterceptor)}. The annotations are ignored when Spring
 * gRPC is absent.
 *
 * <p>Off with {@code errgroup.grpc.enabled=false} (or {@code errgroup.enabled=false}).
 */
@AutoConfiguration
@ConditionalOnClass(ServerInterceptor.class)
@ConditionalOnBooleanProperty(name = { "errgroup.enabled", "errgroup.grpc.enabled" }, matchIfMissing = true)
@EnableConfigurationProperties(ErrGroupProperties.class)
public final class ErrGroupGrpcAutoConfiguration {

	ErrGroupGrpcAutoConfiguration() {
	}

	@Bean
	@GlobalServerInterceptor
	@ConditionalOnMissingBean
	ErrGroupServerInterceptor errGroupServerInterceptor(ErrGroupProperties properties) {
		// S35: our and Envoy's deadline headers in the metadata count as they do on an HTTP request
		return new ErrGroupServerInterceptor(properties.getWeb().deadlineHeaders());
	}

	@Bean
	@GlobalClientInterceptor
	@ConditionalOnMissingBean
	ErrGroupClientInterceptor errGroupClientInterceptor() {
		return new ErrGroupClientInterceptor();
	}

}
