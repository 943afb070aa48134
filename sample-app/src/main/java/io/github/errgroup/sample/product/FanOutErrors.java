package io.github.errgroup.sample.product;

import io.github.errgroup.ErrGroupException;
import java.util.concurrent.CancellationException;
import java.util.concurrent.TimeoutException;
import org.springframework.dao.DataAccessException;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;

/**
 * Turns a failed fan-out into an {@code application/problem+json} answer: 502 when a downstream
 * service or the inventory database failed (the detail names it), 504 when the group's deadline passed,
 * 503 with {@code Connection: close} when the group was cancelled from outside: on SIGTERM, that is the
 * application's shutdown, and a client or load balancer should try another instance (what the starter
 * answers for an application without a handler of its own).
 */
@RestControllerAdvice
public class FanOutErrors {

	@ExceptionHandler(ErrGroupException.class)
	public ResponseEntity<ProblemDetail> failedFanOut(ErrGroupException ex) {
		Throwable cause = ex.firstCause(); // through nested groups (recommendations) to the real failure
		if (cause instanceof DownstreamException downstream) {
			ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.BAD_GATEWAY,
					"downstream service " + downstream.service() + " failed: " + downstream.getMessage());
			problem.setTitle("A downstream service failed");
			problem.setProperty("service", downstream.service());
			problem.setProperty("group", ex.groupName());
			return ResponseEntity.of(problem).build();
		}
		if (cause instanceof DataAccessException database) { // the one part that comes from the database
			ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.BAD_GATEWAY,
					"the inventory database failed: " + database.getMostSpecificCause().getMessage());
			problem.setTitle("A downstream service failed");
			problem.setProperty("service", "inventory");
			problem.setProperty("group", ex.groupName());
			return ResponseEntity.of(problem).build();
		}
		if (cause instanceof TimeoutException) {
			ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.GATEWAY_TIMEOUT, cause.getMessage());
			problem.setTitle("The page took too long");
			problem.setProperty("group", ex.groupName());
			return ResponseEntity.of(problem).build();
		}
		if (cause instanceof CancellationException) {
			ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.SERVICE_UNAVAILABLE, cause.getMessage());
			problem.setTitle("The server is going away");
			problem.setProperty("group", ex.groupName());
			return ResponseEntity.of(problem).header(HttpHeaders.CONNECTION, "close").build();
		}
		ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.INTERNAL_SERVER_ERROR, String.valueOf(cause));
		problem.setProperty("group", ex.groupName());
		return ResponseEntity.of(problem).build();
	}

}
