package io.github.errgroup.spring.web;

import java.io.IOException;

import io.github.errgroup.spring.web.RequestEndedException.Reason;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * S28: the cause a request's groups are cancelled with says why the request ended and what type of
 * failure ended it, and quotes nothing of the failure's message, which may quote the request.
 */
class RequestEndedExceptionTests {

	@Test
	void S28_aFailedRequest_namesTheFailuresTypes_butNotItsMessage_whichStaysInTheCause() {
		IllegalArgumentException quoting = new IllegalArgumentException("Unrecognized token 'BODY-SECRET'");
		RuntimeException wrapped = new RuntimeException("Request processing failed: " + quoting, quoting);
		RequestEndedException ended = new RequestEndedException("POST /api/refunds/9", Reason.FAILED, wrapped);
		assertThat(ended).hasMessage("request 'POST /api/refunds/9' failed: java.lang.RuntimeException, "
				+ "caused by java.lang.IllegalArgumentException");
		assertThat(ended.toString()).doesNotContain("BODY-SECRET");
		assertThat(ended.getCause()).isSameAs(wrapped);
		assertThat(ended.reason()).isEqualTo(Reason.FAILED);
	}

	@Test
	void S28_aDisconnect_namesTheServersException() {
		RequestEndedException ended = new RequestEndedException("GET /x", Reason.CLIENT_DISCONNECTED,
				new IOException("Connection reset by peer"));
		assertThat(ended).hasMessage("request 'GET /x' ended: the client disconnected: java.io.IOException");
	}

	@Test
	void S24_aCompletedRequest_saysSo() {
		assertThat(new RequestEndedException("GET /x", Reason.COMPLETED, null)).hasMessage("request 'GET /x' completed")
			.hasNoCause();
	}

}
