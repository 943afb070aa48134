package io.github.errgroup.sample.faults;

import java.io.IOException;
import java.util.Map;
import java.util.Set;

import javax.sql.DataSource;

import io.github.errgroup.sample.database.DemoStatementStats;
import io.github.errgroup.sample.downstream.DownstreamProperties;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.ForwardingClientCall.SimpleForwardingClientCall;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerInterceptor;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.boot.restclient.RestClientCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.grpc.server.GlobalServerInterceptor;
import org.springframework.http.HttpHeaders;
import org.springframework.util.StringUtils;
import org.springframework.web.context.request.RequestAttributes;
import org.springframework.web.context.request.RequestContextHolder;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * The demo's fault switches, kept out of the controllers people copy: {@code ?fail=pricing&slow=reviews}
 * on a request makes the named downstream services answer 500 at once, or take
 * {@code sample.downstream.slow} (10 s). A filter reads the switches from the query into a request
 * attribute; every call made with the auto-configured {@code RestClient} while that request is handled
 * carries them in the {@value #FAIL_HEADER} and {@value #SLOW_HEADER} headers, which the simulated
 * services honour. The calls are made by group tasks, often on other threads: the starter carries the
 * request's attributes into its tasks, so the switches travel with them.
 * <p>
 * The ratings service is called over gRPC: there the switches travel as call metadata of the same
 * names, and the service reads them with {@link #grpcSwitch(String)}.
 * <p>
 * The inventory comes from the database, not over HTTP: there the switches change the statement
 * instead (see {@link FaultStatements}), so that {@code ?slow=inventory} sleeps and
 * {@code ?fail=inventory} fails inside the database.
 */
@Configuration(proxyBeanMethods = false)
public class FaultSwitches {

	/** The services that should answer 500, comma-separated. */
	public static final String FAIL_HEADER = "Sample-Fail";

	/** The services that should take {@code sample.downstream.slow} to answer, comma-separated. */
	public static final String SLOW_HEADER = "Sample-Slow";

	private static final Map<String, String> HEADER_BY_PARAMETER = Map.of("fail", FAIL_HEADER, "slow", SLOW_HEADER);

	private static final String ATTRIBUTE = FaultSwitches.class.getName();

	/** The inbound gRPC call's metadata, for {@link #grpcSwitch(String)}. */
	private static final Context.Key<Metadata> GRPC_METADATA = Context.key("sample-fault-switches");

	@Bean
	OncePerRequestFilter faultSwitchFilter() {
		return new OncePerRequestFilter() {

			@Override
			protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response,
					FilterChain chain) throws ServletException, IOException {
				HttpHeaders switches = new HttpHeaders();
				HEADER_BY_PARAMETER.forEach((parameter, header) -> {
					String services = request.getParameter(parameter);
					// Service names only: nothing else from the query reaches an outgoing header.
					if (services != null && services.matches("[\\w,-]+")) {
						switches.set(header, services);
					}
				});
				if (!switches.isEmpty()) {
					request.setAttribute(ATTRIBUTE, switches);
				}
				chain.doFilter(request, response);
			}

		};
	}

	@Bean
	RestClientCustomizer faultSwitchForwarding() {
		return builder -> builder.requestInterceptor((request, body, execution) -> {
			RequestAttributes inbound = RequestContextHolder.getRequestAttributes();
			if (inbound != null
					&& inbound.getAttribute(ATTRIBUTE, RequestAttributes.SCOPE_REQUEST) instanceof HttpHeaders switches) {
				request.getHeaders().addAll(switches);
			}
			return execution.execute(request, body);
		});
	}

	/** The switches of the request being handled, as metadata of every gRPC call made for it. */
	@Bean
	ClientInterceptor faultSwitchGrpcForwarding() {
		return new ClientInterceptor() {

			@Override
			public <ReqT, RespT> ClientCall<ReqT, RespT> interceptCall(MethodDescriptor<ReqT, RespT> method,
					CallOptions options, Channel next) {
				return new SimpleForwardingClientCall<>(next.newCall(method, options)) {

					@Override
					public void start(Listener<RespT> listener, Metadata headers) {
						HEADER_BY_PARAMETER.forEach((parameter, header) -> {
							Set<String> services = switched(parameter);
							if (!services.isEmpty()) {
								headers.put(Metadata.Key.of(header, Metadata.ASCII_STRING_MARSHALLER),
										String.join(",", services));
							}
						});
						super.start(listener, headers);
					}

				};
			}

		};
	}

	/** Keeps an inbound gRPC call's metadata where {@link #grpcSwitch(String)} finds it. */
	@Bean
	@GlobalServerInterceptor
	ServerInterceptor faultSwitchGrpcMetadata() {
		return new ServerInterceptor() {

			@Override
			public <ReqT, RespT> io.grpc.ServerCall.Listener<ReqT> interceptCall(io.grpc.ServerCall<ReqT, RespT> call,
					Metadata headers, io.grpc.ServerCallHandler<ReqT, RespT> next) {
				return Contexts.interceptCall(Context.current().withValue(GRPC_METADATA, headers), call, headers, next);
			}

		};
	}

	/**
	 * The services a switch names for the gRPC call being handled.
	 * @param header {@link #FAIL_HEADER} or {@link #SLOW_HEADER}
	 * @return the services named, empty outside a call or without the switch
	 */
	public static Set<String> grpcSwitch(String header) {
		Metadata metadata = GRPC_METADATA.get();
		return (metadata != null) ? StringUtils
			.commaDelimitedListToSet(metadata.get(Metadata.Key.of(header, Metadata.ASCII_STRING_MARSHALLER)))
				: Set.of();
	}

	@Bean
	static BeanPostProcessor faultSwitchStatements(ObjectProvider<DownstreamProperties> properties,
			ObjectProvider<DemoStatementStats> stats) {
		return new BeanPostProcessor() {

			@Override
			public Object postProcessAfterInitialization(Object bean, String name) {
				return (bean instanceof DataSource pool)
						? new FaultStatements(pool, properties.getObject().getSlow(), stats.getObject()) : bean;
			}

		};
	}

	/**
	 * The services a switch names for the request being handled, on its thread or in its group tasks.
	 * @param parameter {@code fail} or {@code slow}
	 * @return the services named, empty outside a request or without the switch
	 */
	static Set<String> switched(String parameter) {
		RequestAttributes inbound = RequestContextHolder.getRequestAttributes();
		if (inbound != null
				&& inbound.getAttribute(ATTRIBUTE, RequestAttributes.SCOPE_REQUEST) instanceof HttpHeaders switches) {
			return StringUtils.commaDelimitedListToSet(switches.getFirst(HEADER_BY_PARAMETER.get(parameter)));
		}
		return Set.of();
	}

}
