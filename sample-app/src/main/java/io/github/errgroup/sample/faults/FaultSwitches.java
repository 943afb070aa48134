package io.github.errgroup.sample.faults;

import java.io.IOException;
import java.util.Map;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.springframework.boot.restclient.RestClientCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.HttpHeaders;
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
 */
@Configuration(proxyBeanMethods = false)
public class FaultSwitches {

	/** The services that should answer 500, comma-separated. */
	public static final String FAIL_HEADER = "Sample-Fail";

	/** The services that should take {@code sample.downstream.slow} to answer, comma-separated. */
	public static final String SLOW_HEADER = "Sample-Slow";

	private static final Map<String, String> HEADER_BY_PARAMETER = Map.of("fail", FAIL_HEADER, "slow", SLOW_HEADER);

	private static final String ATTRIBUTE = FaultSwitches.class.getName();

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

}
