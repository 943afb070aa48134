#!/usr/bin/env python3
"""Breaks each Spring Boot rule (S18-S23) of errgroup-spring-boot-autoconfigure once, in a scratch copy of
the repository, and runs the tests that name that rule: each must fail. Usage:
python3 scripts/autoconfigure-rule-breaks.py [name-fragment ...]
A break that only shows on Java 21+ runs on the Temurin 25 JDK. Takes about ten minutes for all of them
(the S23 phase break waits out Boot's 30 s shutdown phase, which is the point)."""
from rulebreaks import run
JDK25 = '/usr/lib/jvm/temurin-25-jdk-amd64'
A = 'errgroup-spring-boot-autoconfigure/src/main/java/io/github/errgroup/spring/autoconfigure/'
AC, EX, CX = A + 'ErrGroupAutoConfiguration.java', A + 'executor/ErrGroupExecutorAutoConfiguration.java', A + 'context/'
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
  [(A + 'GroupProfileCustomizer.java', "Profile profile = this.groups.get(name);", "Profile profile = null;")],
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
 ("S22 SecurityContext not propagated (without context-propagation)",
  [(CX + 'SecurityContextPropagation.java', "return new DelegatingSecurityContextRunnable(task);", "return task;")],
  "ErrGroupContextPropagationAutoConfigurationTests#S22_security*,S22_NoLeakBetweenUsersTests", None),
 ("S16 MDC left on the pool thread",
  [(CX + 'MdcPropagation.java', "			finally {\n				set(previous);\n			}", "			finally {\n			}")],
  "ErrGroupContextPropagationAutoConfigurationTests#S22_mdc*,S22_NoLeakBetweenUsersTests", None),
 ("S16 waiter's own MDC cleared instead of restored",
  [(CX + 'MdcPropagation.java', "			finally {\n				set(previous);\n			}", "			finally {\n				MDC.clear();\n			}")],
  "ErrGroupContextPropagationAutoConfigurationTests#S22_mdc*", None),
 ("S23 lifecycle phase after the executor pauses",
  [(A + 'ErrGroupShutdownLifecycle.java', "static final int PHASE = SmartLifecycle.DEFAULT_PHASE - 1536;", "static final int PHASE = Integer.MAX_VALUE / 2 - 1;")],
  "ErrGroupShutdownLifecycleTests#S23_closeCancelsABlockedGroupPromptlyWithDefaultSettings+S23_phase*", None),
 ("S23 no cause saying the application shuts down",
  [(A + 'ErrGroupShutdownLifecycle.java', 'factory.close("The application is shutting down");', 'factory.close();')],
  "ErrGroupShutdownLifecycleTests", None),
]

run(muts, 'errgroup-spring-boot-autoconfigure', 'errgroup-autoconfigure-rule-breaks')
