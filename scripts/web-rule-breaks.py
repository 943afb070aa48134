#!/usr/bin/env python3
"""Breaks each web rule (S24, S25) of errgroup-spring-boot-autoconfigure once, in a scratch copy of the
repository, and runs the tests that name that rule: each must fail. Usage:
python3 scripts/web-rule-breaks.py [name-fragment ...]
About a minute per break."""
from breakrunner import run
W = 'errgroup-spring-boot-autoconfigure/src/main/java/io/github/errgroup/spring/web/'
F, WF, RG = W + 'servlet/ErrGroupRequestFilter.java', W + 'reactive/ErrGroupRequestWebFilter.java', W + 'reactive/ReactiveErrGroups.java'
RI, XF, RS = W + 'client/DeadlineClientHttpRequestInterceptor.java', W + 'client/DeadlineExchangeFilterFunction.java', W + 'RequestScopes.java'
SERVLET, FLUX, WIRE = 'S24_ServletRequestScopeTests', 'S24_WebFluxRequestScopeTests', 'S25_AcrossTheWireTests'
# (name, [(file, old, new), ...], tests)
muts = [
 ("S24 sync request: scope not cancelled when the handler returns",
  [(F, "				scope.cancel(ended(scope, (failure != null) ? Reason.FAILED : Reason.COMPLETED, failure));", "")],
  SERVLET + "#S24_syncRequest*"),
 ("S24 async request: no AsyncListener",
  [(F, "					request.getAsyncContext().addListener(new RequestEndListener(scope));", "")],
  SERVLET + "#S24_deferredResult*+S24_completableFuture*+S24_asyncTimeout*"),
 ("S24 Callable thread not bound to the request's scope",
  [(W + 'servlet/RequestScopeCallableInterceptor.java', "			this.binding.set(scope.bind());", "")],
  SERVLET + "#S24_callable*"),
 ("S24 WebFlux: the disconnect not reported before the handler's own cancel",
  [(WF, "			.doOnCancel(() -> scope.cancel(ended(scope, Reason.CLIENT_DISCONNECTED, null)))\n", "")],
  FLUX + "#S24_clientDisconnect*"),
 ("S24 deadline: no 503 by default",
  [(W + 'servlet/RequestDeadlineExceptionResolver.java', "		if (deadline == null) {", "		if (true) {")],
  SERVLET + "#S24_requestDeadline_cancels*"),
 ("S24 blocking await() allowed on an event loop",
  [('errgroup-spring-boot-autoconfigure/src/main/java/io/github/errgroup/spring/reactor/NonBlockingThreadGuard.java', "		if (Schedulers.isInNonBlockingThread()) {", "		if (false) {")],
  FLUX + "#S24_blockingAwait*"),
 ("S25 RestClient: no deadline header",
  [(RI, "				headers.set(this.headerName, Long.toString(left.getAsLong()));", "")],
  WIRE + "#S25_restClient*deadlineTravels*"),
 ("S25 RestClient: body never aborted (interrupt only)",
  [(RI, "				closeQuietly(this.rawBody);", "")],
  WIRE + "#S25_restClientOnJdkHttpClient_readingTheBody*+S25_restClientOnReactorNetty_readingTheBody*"),
 ("S25 RestClient: aborted read not translated (the task counts FAILED)",
  [(RI, "			return this.call.aborted ? CallAborted.exception(this.call.name, this.call.context, ex) : ex;", "			return ex;")],
  WIRE + "#S25_restClientOnJdkHttpClient_readingTheBody*"),
 ("S25 RestClient: a call aborted before its body was asked for is drained on close",
  [(RI, "					call.abortOnReadingThread();\n					throw CallAborted", "					throw CallAborted"),
   (RI, "				if (this.call.aborted) {\n					this.call.abortOnReadingThread();\n				}\n", "")],
  WIRE + "#S25_restClientOnJdkHttpClient_cancelledBetweenHeadersAndBody*+S25_restClientOnReactorNetty_cancelledBetweenHeadersAndBody*"),
 ("S25 Apache HttpClient 5: no abort through its own API",
  [(W + 'client/HttpComponentsAbortCustomizer.java', '(httpClient) -> httpClient.addExecInterceptorFirst("errgroup-abort-on-cancel", new AbortOnCancel())', "(httpClient) -> { }")],
  WIRE + "#S25_restClientOnApacheHttpClient*"),
 ("S25 WebClient: no deadline header",
  [(XF, "		return ClientRequest.from(request).header(this.headerName, Long.toString(left.getAsLong())).build();", "		return request;")],
  WIRE + "#S25_webClient_deadlineTravels*"),
 ("S25 WebClient: body not cut off on cancel",
  [(XF, "				.map((response) -> response.mutate().body((body) -> abortable(body, context, call)).build());", ";")],
  WIRE + "#S25_webClient*_readingTheBody*"),
 ("S25 WebClient: exchange not cancelled while waiting for headers",
  [(XF, "			return Mono.firstWithSignal(next.exchange(sent), cancelled(context, call))", "			return next.exchange(sent)")],
  WIRE + "#S25_webClient*_waitingForHeaders*"),
 ("S25 inbound header not capped by the request timeout",
  [(RS, "		if (fromHeader != null && (timeout == null || fromHeader.compareTo(timeout) < 0)) {", "		if (fromHeader != null) {")],
  "RequestScopesTests," + SERVLET + "#S25_inboundHeader*"),
 ("S25 malformed header is an error page",
  [(RS, "		if (!isDigits(digits)) {\n			debug(request, value, \"it is not a whole number of milliseconds\");\n			return null;\n		}",
        "		if (!isDigits(digits)) {\n			return Duration.ofMillis(Long.parseLong(digits));\n		}")],
  SERVLET + "#S25_malformed*"),
 ("S28 path parameters (;jsessionid=) kept in the request's name",
  [(RS, '		String name = method + " " + withoutPathParameters(path);', '		String name = method + " " + path;')],
  "RequestScopesTests#S28*,S28_EndpointRevealsNothingOfTheRequestWebTests"),
 ("S28 the request's failure message quoted in its groups' cause",
  [(W + 'RequestEndedException.java', "			StringBuilder described = new StringBuilder(this.description).append(\": \")\n				.append(failure.getClass().getName());",
        "			StringBuilder described = new StringBuilder(this.description).append(\": \")\n				.append(failure);")],
  "RequestEndedExceptionTests,S28_EndpointRevealsNothingOfTheRequestWebTests"),
 ("S25 a header of 0 is not a scope born cancelled",
  [(RS, "		if (timeout.isZero()) {", "		if (false) {")],
  "RequestScopesTests#S25_zeroLeft*,S25_HostileDeadlineHeaderWebTests#S25_zeroLeft*+S25_twoHeaders*"),
 ("S25 no bound on the header's digits",
  [(RS, "		if (digits.length() > MAX_DIGITS) {", "		if (false) {")],
  "S25_HostileDeadlineHeaderWebTests#S25_numbersTooLong*"),
]

run([(name, edits, tests, None) for name, edits, tests in muts], 'errgroup-spring-boot-autoconfigure',
    'errgroup-web-rule-breaks')
