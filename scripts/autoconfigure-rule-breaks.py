#!/usr/bin/env python3
"""Breaks each Spring Boot rule (S18-S23, S29, S37) of errgroup-spring-boot-autoconfigure once, in a scratch copy of
the repository, and runs the tests that name that rule: each must fail. Usage:
python3 scripts/autoconfigure-rule-breaks.py [name-fragment ...]
A break that only shows on Java 21+ runs on the Temurin 25 JDK. Takes about ten minutes for all of them
(the S23 phase break waits out Boot's 30 s shutdown phase, which is the point)."""
import os

from breakrunner import jdk25_home, run
JDK25 = jdk25_home()
A = 'errgroup-spring-boot-autoconfigure/src/main/java/io/github/errgroup/spring/autoconfigure/'
AC, EX = A + 'ErrGroupAutoConfiguration.java', A + 'executor/ErrGroupExecutorAutoConfiguration.java'
CP = A + 'context/ErrGroupContextPropagationAutoConfiguration.java'
TX = A + 'transaction/ErrGroupTransactionAutoConfiguration.java'
TXD = 'errgroup-spring-boot-autoconfigure/src/main/java/io/github/errgroup/spring/transaction/TransactionStateHidingDecorator.java'
SLICES = 'errgroup-spring-boot-autoconfigure/src/main/resources/META-INF/spring/'
MVC_SLICE = SLICES + 'org.springframework.boot.webmvc.test.autoconfigure.AutoConfigureWebMvc.imports'
FLUX_SLICE = SLICES + 'org.springframework.boot.webflux.test.autoconfigure.AutoConfigureWebFlux.imports'


def whole(path):
    """The whole text of a file: a break that empties it, as if the file were not shipped."""
    with open(os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), path)) as f:
        return f.read()


# (name, [(file, old, new), ...], tests, jdk)
muts = [
 ("S18 no back-off for the application's factory",
  [(AC, "	@Bean\n	@ConditionalOnMissingBean\n	ErrGroupFactory", "	@Bean\n	ErrGroupFactory")],
  "ErrGroupAutoConfigurationTests#S18_userFactory*", None),
 ("S18 errgroup.enabled ignored by the factory",
  [(AC, '@ConditionalOnBooleanProperty(name = "errgroup.enabled", matchIfMissing = true)\n@EnableConfigurationProperties', '@EnableConfigurationProperties')],
  "ErrGroupAutoConfigurationTests#S18_enabledFalse*", None),
 ("S19 executor is a default candidate (Boot's applicationTaskExecutor backs off)",
  [(EX, "@Bean(name = TASK_EXECUTOR_BEAN_NAME, defaultCandidate = false)\n		@ConditionalOnMissingBean(name = TASK_EXECUTOR_BEAN_NAME)\n		ThreadPoolTaskExecutor",
        "@Bean(name = TASK_EXECUTOR_BEAN_NAME)\n		@ConditionalOnMissingBean(name = TASK_EXECUTOR_BEAN_NAME)\n		ThreadPoolTaskExecutor")],
  "ErrGroupExecutorAutoConfigurationTests#S19_applicationTaskExecutor*+S19_async*", None),
 ("S19 keep-alive not passed to the executor",
  [(EX, "				.keepAlive(pool.getKeepAlive())\n", "")],
  "ErrGroupExecutorAutoConfigurationTests#S19_everyExecutorProperty*", None),
 ("S19 spring.threads.virtual.enabled ignored on Java 21+",
  [(A + 'executor/ThreadingCondition.java', ": Threading.VIRTUAL.isActive(environment);", ": false;")],
  "ErrGroupExecutorAutoConfigurationTests#S19_springThreadsVirtual*", JDK25),
 ("S19 virtual-threads=true on Java 17 not checked",
  [(A + 'ErrGroupProperties.java', "if (Boolean.TRUE.equals(this.virtualThreads)\n", "if (false && Boolean.TRUE.equals(this.virtualThreads)\n")],
  "ErrGroupExecutorAutoConfigurationTests#S19_virtualThreadsPropertyFailsStartUpBeforeJava21", None),
 ("S20 named profiles ignored",
  [(A + 'GroupProfileCustomizer.java', "Profile profile = this.groups.get(name);\n\t\tif (profile == null) {\n\t\t\tprofile = this.groupsIgnoringCase.get(lowerCase(name));\n\t\t}", "Profile profile = null;")],
  "ErrGroupAutoConfigurationTests#S20*", None),
 ("S20 profiles applied after the GroupCustomizer beans",
  [(AC, "		builder.customizer(new GroupProfileCustomizer(properties));\n		customizers.orderedStream().forEach(builder::customizer);\n",
        "		customizers.orderedStream().forEach(builder::customizer);\n		builder.customizer(new GroupProfileCustomizer(properties));\n")],
  "ErrGroupAutoConfigurationTests#S20_groupCustomizerBeans*", None),
 ("S21 negative core-size not checked",
  [(A + 'ErrGroupProperties.java', "if (this.coreSize < 0) {", "if (false) {")],
  "ErrGroupPropertiesValidationTests#S21_invalidValue*+S21_failureAnalyzer*", None),
 ("S21 a property without description",
  [(A + 'ErrGroupProperties.java', "		/**\n		 * Core number of threads. Doesn't have an effect if virtual threads are enabled.\n		 */\n", "")],
  "ErrGroupConfigurationMetadataTests", None),
 ("S22 TaskDecorator beans on the executor instead of at go()",
  [(AC, "		taskDecorators.orderedStream().forEach((decorator) -> builder.taskDecorator(decorator::decorate));\n", ""),
   (EX, "ThreadPoolTaskExecutor errGroupTaskExecutor(ErrGroupProperties properties) {",
        "ThreadPoolTaskExecutor errGroupTaskExecutor(ErrGroupProperties properties, org.springframework.beans.factory.ObjectProvider<org.springframework.core.task.TaskDecorator> decorators) {"),
   (EX, "				.awaitTerminationPeriod(shutdown.getAwaitTerminationPeriod())\n				.build();",
        "				.awaitTerminationPeriod(shutdown.getAwaitTerminationPeriod())\n				.taskDecorator(new org.springframework.core.task.support.CompositeTaskDecorator(decorators.orderedStream().toList()))\n				.build();")],
  "ErrGroupAutoConfigurationTests#S22*", None),
 ("S22 propagation not outermost (customizers before TaskDecorator beans)",
  [(AC, "		taskDecorators.orderedStream().forEach((decorator) -> builder.taskDecorator(decorator::decorate));\n", "		builderCustomizers.orderedStream().forEach((customizer) -> customizer.customize(builder));\n		taskDecorators.orderedStream().forEach((decorator) -> builder.taskDecorator(decorator::decorate));\n"),
   (AC, "		customizers.orderedStream().forEach(builder::customizer);\n		builderCustomizers.orderedStream().forEach((customizer) -> customizer.customize(builder));\n", "		customizers.orderedStream().forEach(builder::customizer);\n")],
  "ErrGroupContextPropagationAutoConfigurationTests#S22_taskDecoratorBeans*", None),
 ("S22 SecurityContext not propagated (Spring Security's accessor left out of errgroup's registry)",
  [(CP, "		ContextRegistry.getInstance().getThreadLocalAccessors().forEach(registry::registerThreadLocalAccessor);",
        "		ContextRegistry.getInstance().getThreadLocalAccessors().stream().filter((accessor) -> !String.valueOf(accessor.key()).contains(\"SecurityContext\")).forEach(registry::registerThreadLocalAccessor);")],
  "ErrGroupContextPropagationAutoConfigurationTests#S22_security*,S22_NoLeakBetweenUsersTests,S22_NoLeakBetweenRequestsWebTests", None),
 ("S16 MDC left on the pool thread",
  [(CP, "			return new Slf4jThreadLocalAccessor();",
        "			return new Slf4jThreadLocalAccessor() { @Override public void restore() { } @Override public void restore(java.util.Map<String, String> previous) { } };")],
  "ErrGroupContextPropagationAutoConfigurationTests#S22_mdc*,S22_NoLeakBetweenUsersTests,S22_NoLeakBetweenRequestsWebTests", None),
 ("S16 waiter's own MDC cleared instead of restored",
  [(CP, "			return new Slf4jThreadLocalAccessor();",
        "			return new Slf4jThreadLocalAccessor() { @Override public void restore(java.util.Map<String, String> previous) { org.slf4j.MDC.clear(); } };")],
  "ErrGroupContextPropagationAutoConfigurationTests#S22_mdc*", None),
 ("S16 RequestAttributes left on the thread",
  [(CP, "			return new RequestAttributesThreadLocalAccessor();",
        "			return new RequestAttributesThreadLocalAccessor() { @Override public void restore() { } };")],
  "ErrGroupContextPropagationAutoConfigurationTests#S22_requestAttributes*,S22_NoLeakBetweenRequestsWebTests", None),
 ("S29 a task the waiter runs sees the waiter's own MDC (values the submitter lacked not cleared)",
  [(CP, "			.clearMissing(true)", "			.clearMissing(false)")],
  "ErrGroupContextPropagationAutoConfigurationTests#S29*", None),
 ("S15/S16 task decorators skipped when the waiter runs the task",
  [('errgroup-core/src/main/java/io/github/errgroup/TaskImpl.java', "				Runnable wrapped = this.decorated;", "				Runnable wrapped = waiter ? null : this.decorated;")],
  "S22_NoLeakBetweenRequestsWebTests", None),
 ("S21 keep-alive beyond an int of seconds not checked",
  [(A + 'ErrGroupProperties.java', "			if (this.keepAlive.getSeconds() > Integer.MAX_VALUE) {", "			if (false) {")],
  "S21_AbsurdPropertyValuesTests#S21_aDurationTheExecutorCannotHold*", None),
 ("S21 await-termination period beyond a long of millis not checked",
  [(A + 'ErrGroupProperties.java', "			if (this.awaitTerminationPeriod != null && !fitsInMillis(this.awaitTerminationPeriod)) {", "			if (false) {")],
  "S21_AbsurdPropertyValuesTests#S21_aDurationTheExecutorCannotHold*", None),
 ("S26 overdue threshold converted to nanos without saturating",
  [('errgroup-spring-boot-autoconfigure/src/main/java/io/github/errgroup/spring/metrics/ErrGroupMetrics.java', "		this.overdueThresholdNanos = saturatedNanos(overdueThreshold);", "		this.overdueThresholdNanos = overdueThreshold.toNanos();")],
  "S21_AbsurdPropertyValuesTests#S21_maxValueLimit*", None),
 ("S23/S26 gauges look the factories up at each read",
  [('errgroup-spring-boot-autoconfigure/src/main/java/io/github/errgroup/spring/ErrGroupFactories.java',
    "SingletonSupplier.of(() -> factories.orderedStream().toList())", "() -> factories.orderedStream().toList()")],
  "ErrGroupMetricsAutoConfigurationTests#S23_S26*,S23_ContextClosedMidFanOutWebTests#S23_immediate*", None),
 ("S23 lifecycle phase after the executor pauses",
  [(A + 'ErrGroupShutdownLifecycle.java', "static final int PHASE = SmartLifecycle.DEFAULT_PHASE - 512;", "static final int PHASE = Integer.MAX_VALUE / 2 - 1;")],
  "ErrGroupShutdownLifecycleTests#S23_closeCancelsABlockedGroupPromptlyWithDefaultSettings+S23_byDefault*", None),
 ("S23 by default, groups cancelled only after graceful shutdown has waited for their requests",
  [(A + 'ErrGroupShutdownLifecycle.java', "static final int PHASE = SmartLifecycle.DEFAULT_PHASE - 512;", "static final int PHASE = SmartLifecycle.DEFAULT_PHASE - 1536;")],
  "ErrGroupShutdownLifecycleTests#S23_byDefault*,S23_ContextClosedMidFanOutWebTests#S23_defaultSettings*", None),
 ("S23 no cause saying the application shuts down",
  [(A + 'ErrGroupShutdownLifecycle.java', 'factory.close("The application is shutting down");', 'factory.close();')],
  "ErrGroupShutdownLifecycleTests,S23_ContextClosedMidFanOutWebTests#S23_immediate*", None),
 ("S29 the awaiting thread's transaction state not hidden from the tasks it runs (no decorator)",
  [(TX, "builder.taskDecorator(decorator).listener(warning)", "builder.listener(warning)")],
  "ErrGroupTransactionAutoConfigurationTests#S29_theAwaiting*+S29_synchronizations*,S29_TasksDoNotJoinTheCallersTransactionTests,S29_LazyLoadingSameOnEveryThreadWebTests", None),
 ("S29 on virtual threads, the awaiting thread's transaction state not hidden",
  [(TX, "builder.taskDecorator(decorator).listener(warning)", "builder.listener(warning)")],
  "S29_TasksDoNotJoinTheCallersTransactionTests#S29_onVirtualThreads*", JDK25),
 ("S29 the hiding not outermost (applied before the application's builder customizers)",
  [(TX, "	@Order(Ordered.LOWEST_PRECEDENCE)\n	ErrGroupFactoryBuilderCustomizer", "	@Order(Ordered.HIGHEST_PRECEDENCE)\n	ErrGroupFactoryBuilderCustomizer")],
  "ErrGroupTransactionAutoConfigurationTests#S29_theHidingWraps*", None),
 ("S29 the fast path looks at the resources only",
  [(TXD, "			return TransactionSynchronizationManager.getResourceMap().isEmpty()\n					&& ", "			return TransactionSynchronizationManager.getResourceMap().isEmpty() || ")],
  "ErrGroupTransactionAutoConfigurationTests#S29_synchronizations*", None),
 ("S29 synchronizations not restored",
  [(TXD, "				this.synchronizations.forEach(TransactionSynchronizationManager::registerSynchronization);\n", "")],
  "ErrGroupTransactionAutoConfigurationTests#S29_theAwaiting*", None),
 ("S29 what a task leaves bound is not cleared",
  [(TXD, "			clearLeftovers();\n", "")],
  "ErrGroupTransactionAutoConfigurationTests#S29_theAwaiting*+S29_whatATaskLeaves*", None),
 ("S29 no warning for a group opened inside a transaction",
  [(TX, "builder.taskDecorator(decorator).listener(warning)", "builder.taskDecorator(decorator)")],
  "ErrGroupTransactionAutoConfigurationTests#S29_aGroupOpenedInside*", None),
 ("S29 the warning repeated for every group of the same name",
  [('errgroup-spring-boot-autoconfigure/src/main/java/io/github/errgroup/spring/transaction/GroupInTransactionWarning.java',
    "if (this.warned.size() >= MAX_NAMES || !this.warned.add(name)) {", "if (this.warned.size() >= MAX_NAMES) {")],
  "ErrGroupTransactionAutoConfigurationTests#S29_aGroupOpenedInside*", None),
 ("S23 the context's close does not shut the factories",
  [(A + 'ErrGroupShutdownLifecycle.java', "		if (this.closing) {\n			shutDownAll();\n		}", "")],
  "S23_ContextClosedMidFanOutWebTests#S23_immediate*", None),
 # S37: Boot's test slices read META-INF/spring/<slice annotation>.imports from every jar.
 ("S37 @WebMvcTest gets no factory (its imports file gone)",
  [(MVC_SLICE, whole(MVC_SLICE), "")],
  "S37_WebMvcSliceTests", None),
 ("S37 @WebMvcTest without the request scope",
  [(MVC_SLICE,
    "io.github.errgroup.spring.autoconfigure.web.servlet.ErrGroupServletAutoConfiguration\n", "")],
  "S37_WebMvcSliceTests", None),
 ("S37 @WebFluxTest gets no factory (its imports file gone)",
  [(FLUX_SLICE, whole(FLUX_SLICE), "")],
  "S37_WebFluxSliceTests", None),
 ("S37 @WebFluxTest without the request scope",
  [(FLUX_SLICE,
    "io.github.errgroup.spring.autoconfigure.web.reactive.ErrGroupWebFluxAutoConfiguration\n", "")],
  "S37_WebFluxSliceTests", None),
]

run(muts, 'errgroup-spring-boot-autoconfigure', 'errgroup-autoconfigure-rule-breaks')
