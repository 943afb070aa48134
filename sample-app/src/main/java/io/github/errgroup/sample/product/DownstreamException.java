package io.github.errgroup.sample.product;

import org.springframework.http.HttpStatusCode;

/**
 * A downstream service answered with an error status.
 */
public class DownstreamException extends RuntimeException {

	private static final long serialVersionUID = 1L;

	private final String service;

	public DownstreamException(String service, HttpStatusCode status) {
		super(service + " answered " + status);
		this.service = service;
	}

	public String service() {
		return this.service;
	}

}
