package io.github.errgroup.sample.product;

import io.github.errgroup.ErrGroupException;
import java.util.concurrent.TimeoutException;
import org.springframework.dao.DataAccessException;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;

/**
 * Turns a failed fan-out into an {@code application/problem+json} answer: 502 when a downstream
 * service or the inventory database failed (the detail names it), 504 when the group's deadline passed.
 */
@RestControllerAdvice
public class FanOutErrors {

	@ExceptionHandler(ErrGroupException.class)
	public ProblemDetail failedFanOut(ErrGroupException ex) {
		Throwable cause = ex.firstCause(); // through nested groups (recommendations) to the real failure
		if (cause instanceof DownstreamException downstream) {
			ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.BAD_GATEWAY,
					"downstream service " + downstream.service() + " failed: " + downstream.getMessage());
			problem.setTitle("A downstream service failed");
			problem.setProperty("service", downstream.service());
			problem.setProperty("group", ex.groupName());
			return problem;
		}
		if (cause instanceof DataAccessException database) { // the one part that comes from the database
			ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.BAD_GATEWAY,
					"the inventory database failed: " + database.getMostSpecificCause().getMessage());
			problem.setTitle("A downstream service failed");
			problem.setProperty("service", "inventory");
			problem.setProperty("group", ex.groupName());
			return problem;
		}
		if (cause instanceof TimeoutException) {
			ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.GATEWAY_TIMEOUT, cause.getMessage());
			problem.setTitle("The page took too long");
			problem.setProperty("group", ex.groupName());
			return problem;
		}
		ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.INTERNAL_SERVER_ERROR, String.valueOf(cause));
		problem.setProperty("group", ex.groupName());
		return problem;
	}

}
