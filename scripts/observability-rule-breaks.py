#!/usr/bin/env python3
"""Breaks each observability rule (S26-S28, and S38 where it shows) of errgroup-spring-boot-autoconfigure once, in a scratch copy of
the repository, and runs the tests that name that rule: each must fail. Usage:
python3 scripts/observability-rule-breaks.py [name-fragment ...]
Takes about a minute per break on two cores."""
from breakrunner import run
A = 'errgroup-spring-boot-autoconfigure/src/main/java/io/github/errgroup/spring/autoconfigure/'
R = 'errgroup-spring-boot-autoconfigure/src/main/java/io/github/errgroup/spring/'
M, MA = R + 'metrics/ErrGroupMetrics.java', A + 'metrics/ErrGroupMetricsAutoConfiguration.java'
O, OA = R + 'observation/ErrGroupObservations.java', A + 'observation/ErrGroupObservationAutoConfiguration.java'
# One meter per concept: the tests that read every errgroup.* meter of a registry and of a real scrape.
ONE_METER = "ErrGroupObservationAutoConfigurationTests,S26_PrometheusScrapeTests"
E, EA = R + 'actuate/ErrGroupsEndpoint.java', A + 'actuate/ErrGroupsEndpointAutoConfiguration.java'
TC = R + 'observation/DefaultTaskObservationConvention.java'
# (name, [(file, old, new), ...], tests)
muts = [
 ("S26 tasks dropped before they started are not counted when they finish",
  [(M, "		GroupMeters meters = meters(task.group().name());\n		long nanos",
       "		if (task.startedNanos() == 0) {\n			return;\n		}\n		GroupMeters meters = meters(task.group().name());\n		long nanos")],
  "S26_MetricsInvariantTests"),
 ("S26 exception tag is the class's full name",
  [(M, "return simpleName.isEmpty() ? type.getName() : simpleName;", "return type.getName();")],
  "S26_MetricsInvariantTests,S26_PrometheusScrapeTests"),
 ("S26 no bound on group names",
  [(M, "if (this.tagged.contains(name) || this.tagged.size() < this.maxGroupNames) {", "if (true) {"),
   (M, "		if (this.tagged.size() < this.maxGroupNames) {\n			synchronized", "		if (true) {\n			synchronized")],
  "S26_CardinalityGuardTests"),
 ("S26 overdue ignores the threshold",
  [(M, "now - cancelled > this.overdueThresholdNanos", "now - cancelled >= 0")],
  "S26_OverdueGaugeTests"),
 ("S26 errgroup.metrics.enabled ignored",
  [(MA, '@ConditionalOnBooleanProperty(name = "errgroup.metrics.enabled", matchIfMissing = true)\n', '')],
  "ErrGroupMetricsAutoConfigurationTests"),
 ("S26 one meter per concept: the observations' derived meters pass",
  [(OA, "			return ErrGroupMetrics.denyObservationMeters();\n", "			return new MeterFilter() {\n			};\n")],
  ONE_METER),
 ("S26 one meter per concept: the derived long task timers (errgroup.task.active) pass",
  [(M, "case LONG_TASK_TIMER -> name.endsWith(ACTIVE)", "case LONG_TASK_TIMER -> false && name.endsWith(ACTIVE)")],
  ONE_METER),
 ("S26 one meter per concept: denied by prefix, as management.metrics.enable.errgroup.task=false does",
  [(M, "case TIMER -> OBSERVATIONS.contains(name);", "case TIMER -> OBSERVATIONS.contains(name) || name.startsWith(\"errgroup.task\");")],
  ONE_METER),
 ("S26 one meter per concept: errgroup.metrics.enabled=false lets the derived meters through",
  [(OA, "	@ConditionalOnClass(MeterFilter.class)\n	static class",
        "	@ConditionalOnClass(MeterFilter.class)\n	@ConditionalOnBooleanProperty(name = \"errgroup.metrics.enabled\", matchIfMissing = true)\n	static class")],
  "ErrGroupObservationAutoConfigurationTests"),
 ("S27 task observation started while the spawning thread's span is current",
  [(O, "		try (Observation.Scope scope = group.openScope()) {\n			observation.start();\n		}\n", "		observation.start();\n")],
  "S27_TracingTests"),
 ("S27 task observation not in scope around the body",
  [(O, "observation.scope = observation.observation.openScope();", "observation.scope = null;")],
  "S27_TracingTests,ErrGroupObservationsTests"),
 ("S27 task scope left open on the thread that ran it",
  [(O, "			scope.close();\n", "")],
  "S27_TracingTests,ErrGroupObservationsTests"),
 ("S28 query string shown",
  [(E, "return (query >= 0) ? scope.substring(0, query) : scope;", "return scope;")],
  "ErrGroupsEndpointTests,S28_ErrGroupsEndpointWebTests"),
 ("S28 a flat list, not a tree",
  [(E, "			if (parent != null) {\n				parent.groups.add(descriptor);", "			if (parent != null && false) {\n				parent.groups.add(descriptor);")],
  "ErrGroupsEndpointTests,S28_ErrGroupsEndpointWebTests"),
 ("S28 endpoint created without being exposed",
  [(EA, "	@ConditionalOnAvailableEndpoint\n", "")],
  "ErrGroupsEndpointAutoConfigurationTests"),
 # S38: a task's name in the endpoint and the traces, never on meters.
 ("S38 the endpoint shows no named task",
  [(E, "				task.name().ifPresent((taskName) -> named.add(", "				task.name().filter((taskName) -> false).ifPresent((taskName) -> named.add(")],
  "ErrGroupsEndpointTests,S28_ErrGroupsEndpointWebTests"),
 ("S38 the endpoint lists every named task of a huge group",
  [(E, "				if (named.size() == MAX_NAMED_TASKS) {", "				if (named.size() == Integer.MAX_VALUE) {")],
  "ErrGroupsEndpointTests"),
 ("S38 the task's span is named after its group only",
  [(TC, 'return "task " + task.name().orElseGet(() -> task.group().name());', 'return "task " + task.group().name();')],
  "ErrGroupObservationsTests,S27_TracingTests"),
 ("S38 the span does not carry the task's name",
  [(TC, "return context.getTask().name().map((name) -> KeyValues.of(name(context, name))).orElse(KeyValues.empty());",
        "return KeyValues.empty();")],
  "ErrGroupObservationsTests,S27_TracingTests"),
 ("S38 the task's name is a low-cardinality key (a tag on meters)",
  [(TC, "return KeyValues.of(group(context), outcome(context), exception(context));",
        "return KeyValues.of(group(context), outcome(context), exception(context)).and(getHighCardinalityKeyValues(context));")],
  "ErrGroupObservationsTests"),
]

run([(name, edits, tests, None) for name, edits, tests in muts], 'errgroup-spring-boot-autoconfigure',
    'errgroup-observability-rule-breaks')
