package io.github.errgroup.spring.autoconfigure.web.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.github.errgroup.ErrGroup;
import io.github.errgroup.ErrGroupFactory;
import io.github.errgroup.GroupContext;
import io.github.errgroup.Task;
import io.github.errgroup.spring.autoconfigure.web.WebTestSupport;
import io.github.errgroup.spring.autoconfigure.web.WebTestSupport.Server;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.Logger;

import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * S25 against hostile input, on a real Tomcat, sent on raw sockets so that nothing is cleaned up on
 * the way: deadline headers that are zero, negative, in another notation, not numbers, longer than
 * any number, 8 KB of digits, blank, padded, or sent twice. Every request is answered (a 10 s read
 * timeout stands for "it did not hang"), by a server with no {@code errgroup.web.request-timeout} and
 * by one whose request timeout is itself absurd (100,000 days); none of it turns into an error page
 * except what the header asks for (no time left: 503) or what Tomcat refuses before the application
 * sees it (a header section over its 8 KB limit).
 */
@Timeout(120)
class S25_HostileDeadlineHeaderWebTests {

	private static final Logger measured = WebTestSupport.measurements(S25_HostileDeadlineHeaderWebTests.class);

	private static final Duration ANSWERED_WITHIN = Duration.ofSeconds(10);

	private static final Pattern LEFT = Pattern.compile("left=(none|\\d+)");

	private static final long HUNDRED_THOUSAND_DAYS = Duration.ofDays(100_000).toMillis();

	@RegisterExtension
	static final Server uncapped = new Server(App.class, WebApplicationType.SERVLET);

	@RegisterExtension
	static final Server capped = new Server(App.class, WebApplicationType.SERVLET,
			"errgroup.web.request-timeout=100000d");

	@Test
	void S25_zeroLeft_answers503AtOnce_withAndWithoutARequestTimeout() throws Exception {
		for (Server server : List.of(uncapped, capped)) {
			Answer answer = send(server, "Request-Timeout: 0");
			assertThat(answer.status).isEqualTo(503);
		}
	}

	@Test
	void S25_headersThatAreNotAPlainWholeNumber_areIgnored() throws Exception {
		for (String value : new String[] { "-1", "1e9", "abc", "1_000", "0.5", "\u0661\u0662", "9-", "--1" }) {
			assertThat(send(uncapped, "Request-Timeout: " + value).left()).as("'%s'", value).isEqualTo("none");
			assertThat(send(capped, "Request-Timeout: " + value).leftMillis()).as("'%s'", value)
				.isBetween(HUNDRED_THOUSAND_DAYS - 60_000, HUNDRED_THOUSAND_DAYS);
		}
	}

	@Test
	void S25_blankOrPaddedHeaders_areTrimmed_orIgnoredWhenNothingIsLeft() throws Exception {
		assertThat(send(uncapped, "Request-Timeout:    ").left()).isEqualTo("none");
		assertThat(send(uncapped, "Request-Timeout: \t ").left()).isEqualTo("none");
		assertThat(send(uncapped, "Request-Timeout: \t 3000 \t").leftMillis()).isBetween(1L, 3000L);
		assertThat(send(capped, "Request-Timeout: \t 3000 \t").leftMillis()).isBetween(1L, 3000L);
	}

	@Test
	void S25_numbersTooLongToBeMeant_areIgnoredWithoutACap_andCappedWithOne_evenAt8KB() throws Exception {
		String eightKilobytesOfDigits = "9".repeat(8000); // the whole header section stays under Tomcat's 8 KB
		for (String value : new String[] { "99999999999999999999999999", eightKilobytesOfDigits }) {
			assertThat(send(uncapped, "Request-Timeout: " + value).left()).isEqualTo("none");
			assertThat(send(capped, "Request-Timeout: " + value).leftMillis())
				.isBetween(HUNDRED_THOUSAND_DAYS - 60_000, HUNDRED_THOUSAND_DAYS);
		}
		// The longest number read as meant, 31,700 years: a deadline, beyond what nanoseconds count.
		assertThat(send(uncapped, "Request-Timeout: 999999999999999").leftMillis())
			.isBetween(999_999_999_000_000L, 999_999_999_999_999L);
	}

	@Test
	void S25_aHeaderOverTomcatsLimit_isRefusedByTomcat_andTheServerGoesOnAnswering() throws Exception {
		for (Server server : List.of(uncapped, capped)) {
			Answer answer = send(server, "Request-Timeout: " + "9".repeat(9000));
			// Refused before the application sees it; Tomcat may also reset the connection while the
			// rest is still being sent. Either way: answered, not hung.
			measured.debug("S25 a 9000-digit header: {}",
					(answer.status == Answer.RESET) ? "connection reset" : "Tomcat answered " + answer.status);
			assertThat(answer.status).isIn(400, 431, Answer.RESET);
			assertThat(send(server, "Request-Timeout: 3000").leftMillis()).isBetween(1L, 3000L);
		}
	}

	@Test
	void S25_twoHeadersAtOnce_theFirstCounts() throws Exception {
		assertThat(send(uncapped, "Request-Timeout: 3000", "Request-Timeout: abc").leftMillis()).isBetween(1L, 3000L);
		assertThat(send(uncapped, "Request-Timeout: abc", "Request-Timeout: 3000").left()).isEqualTo("none");
		assertThat(send(uncapped, "Request-Timeout: 0", "Request-Timeout: 3000").status).isEqualTo(503);
		assertThat(send(capped, "Request-Timeout: 99999999999999999999", "Request-Timeout: 3000").leftMillis())
			.isBetween(HUNDRED_THOUSAND_DAYS - 60_000, HUNDRED_THOUSAND_DAYS);
	}

	/** Sends {@code GET /probe} with the given header lines, as they are, and reads the whole answer. */
	private static Answer send(Server server, String... headerLines) throws IOException {
		StringBuilder request = new StringBuilder("GET /probe HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n");
		for (String line : headerLines) {
			request.append(line).append("\r\n");
		}
		request.append("\r\n");
		try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), server.port())) {
			socket.setSoTimeout((int) ANSWERED_WITHIN.toMillis());
			String answer;
			try {
				OutputStream out = socket.getOutputStream();
				out.write(request.toString().getBytes(StandardCharsets.ISO_8859_1));
				out.flush();
				InputStream in = socket.getInputStream();
				answer = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
			}
			catch (SocketTimeoutException ex) {
				throw new AssertionError("no answer within " + ANSWERED_WITHIN + " to " + List.of(headerLines), ex);
			}
			catch (IOException ex) {
				return new Answer(Answer.RESET, "");
			}
			assertThat(answer).as("an answer to %s", List.of(headerLines)).startsWith("HTTP/1.1 ");
			return new Answer(Integer.parseInt(answer.substring(9, 12)), answer);
		}
	}

	private record Answer(int status, String text) {

		static final int RESET = -1;

		/** The body's "left=..." of a 200: the milliseconds left to the group's deadline, or "none". */
		String left() {
			assertThat(this.status).as(this.text).isEqualTo(200);
			Matcher left = LEFT.matcher(this.text);
			assertThat(left.find()).as(this.text).isTrue();
			return left.group(1);
		}

		long leftMillis() {
			String left = left();
			assertThat(left).isNotEqualTo("none");
			return Long.parseLong(left);
		}

	}

	@Configuration(proxyBeanMethods = false)
	@EnableAutoConfiguration
	@Import(Probe.class)
	static class App {

	}

	@RestController
	static class Probe {

		private final ErrGroupFactory groups;

		Probe(ErrGroupFactory groups) {
			this.groups = groups;
		}

		/** A group whose task reports the time left to its deadline: the request's, from the header. */
		@GetMapping("/probe")
		String probe() {
			try (ErrGroup group = this.groups.newGroup("probe")) {
				Task<String> left = group.go(() -> GroupContext.current()
					.orElseThrow()
					.deadline()
					.map((deadline) -> Long.toString(Duration.between(java.time.Instant.now(), deadline).toMillis()))
					.orElse("none"));
				group.await();
				return "left=" + left.resultNow();
			}
		}

	}

}
