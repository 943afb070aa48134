package io.github.errgroup.spring.autoconfigure;

import java.time.Duration;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

import io.github.errgroup.spring.web.DeadlineHeaders;
import io.github.errgroup.spring.web.DeadlineHeaders.Format;
import org.jspecify.annotations.Nullable;

import org.springframework.beans.factory.InitializingBean;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.boot.system.JavaVersion;

/**
 * Configuration properties for errgroup, under {@code errgroup}. The executor's names mirror Spring
 * Boot's {@code spring.task.execution.*}; group profiles set the limit and timeout of groups by name.
 *
 * <p>Checked once bound: a value the executor or the groups could not use (a negative size, a zero
 * limit, a negative duration, a maximum pool size below the core size, virtual threads on Java 17)
 * fails start-up with a message that names the property and its value.
 */
@ConfigurationProperties("errgroup")
public class ErrGroupProperties implements InitializingBean {

	/**
	 * Whether to auto-configure errgroup: the ErrGroupFactory bean, its executor and context
	 * propagation.
	 */
	private boolean enabled = true;

	private final Executor executor = new Executor();

	private final Profile defaults = new Profile();

	/**
	 * Group profiles by group name: the limit and timeout applied by newGroup(name) and group(name),
	 * overriding the defaults. Explicit GroupSpec calls still win. Names match exactly, else ignoring
	 * case; put names that contain dots in brackets, for example errgroup.groups.[user.profile].limit.
	 */
	private final Map<String, Profile> groups = new LinkedHashMap<>();

	private final Web web = new Web();

	private final Jdbc jdbc = new Jdbc();

	private final Grpc grpc = new Grpc();

	/**
	 * How long a task may keep running after its group was cancelled before the
	 * errgroup.tasks.overdue gauge counts it: a task still running that long ignores interrupts.
	 */
	private Duration overdueThreshold = Duration.ofSeconds(5);

	private final Metrics metrics = new Metrics();

	private final ApplicationShutdown shutdown = new ApplicationShutdown();

	public boolean isEnabled() {
		return this.enabled;
	}

	public void setEnabled(boolean enabled) {
		this.enabled = enabled;
	}

	public Executor getExecutor() {
		return this.executor;
	}

	public Profile getDefaults() {
		return this.defaults;
	}

	public Map<String, Profile> getGroups() {
		return this.groups;
	}

	public Duration getOverdueThreshold() {
		return this.overdueThreshold;
	}

	public void setOverdueThreshold(Duration overdueThreshold) {
		this.overdueThreshold = overdueThreshold;
	}

	public Metrics getMetrics() {
		return this.metrics;
	}

	public ApplicationShutdown getShutdown() {
		return this.shutdown;
	}

	public Web getWeb() {
		return this.web;
	}

	public Jdbc getJdbc() {
		return this.jdbc;
	}

	public Grpc getGrpc() {
		return this.grpc;
	}

	/**
	 * Checks the bound values.
	 * @throws InvalidConfigurationPropertyValueException naming the first invalid property, its value,
	 * why it is wrong and what to set instead; Spring Boot's failure analysis adds where it was set
	 */
	@Override
	public void afterPropertiesSet() {
		this.executor.validate("errgroup.executor");
		this.defaults.validate("errgroup.defaults");
		this.groups.forEach((name, profile) -> profile.validate("errgroup.groups." + mapKey(name)));
		if (this.overdueThreshold.isNegative()) {
			throw invalid("errgroup.overdue-threshold", this.overdueThreshold,
					"the overdue threshold must not be negative", "Set it to a positive duration, such as 5s.");
		}
		this.metrics.validate("errgroup.metrics");
		this.web.validate("errgroup.web");
	}

	private static String mapKey(String name) {
		return name.matches("[a-z0-9-]+") ? name : "[" + name + "]";
	}

	/**
	 * Spring Boot's own exception for a bad property value: its failure analyzer reports the property,
	 * the value and every place it was set. Boot's report has a generic action, so what to set instead
	 * goes into the reason.
	 */
	private static InvalidConfigurationPropertyValueException invalid(String property, @Nullable Object value,
			String reason, String action) {
		return new InvalidConfigurationPropertyValueException(property, display(value), reason + ". " + action);
	}

	/** Durations as a user writes them ({@code -5s}, {@code 250ms}), not as ISO-8601 ({@code PT-5S}). */
	private static String display(@Nullable Object value) {
		if (value instanceof Duration duration) {
			if (duration.getNano() == 0) {
				return duration.getSeconds() + "s";
			}
			try {
				return (duration.getNano() % 1_000_000 == 0) ? duration.toMillis() + "ms" : duration.toNanos() + "ns";
			}
			catch (ArithmeticException ex) {
				return duration.toString(); // too long for a count of millis or nanos
			}
		}
		return String.valueOf(value);
	}

	/**
	 * When open groups are cancelled as the application shuts down, {@code errgroup.shutdown.*} (S23).
	 */
	public static class ApplicationShutdown {

		/**
		 * Whether open groups are cancelled only after the web server's graceful shutdown, so that
		 * requests in flight may finish their groups; a blocked group then holds the shutdown for up to
		 * spring.lifecycle.timeout-per-shutdown-phase. By default they are cancelled as soon as the
		 * context starts closing.
		 */
		private boolean afterGracefulShutdown;

		public boolean isAfterGracefulShutdown() {
			return this.afterGracefulShutdown;
		}

		public void setAfterGracefulShutdown(boolean afterGracefulShutdown) {
			this.afterGracefulShutdown = afterGracefulShutdown;
		}

	}

	/**
	 * The Micrometer meters of groups and tasks, {@code errgroup.metrics.*}.
	 */
	public static class Metrics {

		/**
		 * Whether to record the errgroup.* meters when the application has a MeterRegistry.
		 */
		private boolean enabled = true;

		/**
		 * Maximum number of distinct group names used as values of the meters' group tag. Groups
		 * with a name first seen after that are tagged 'other', and a warning is logged once.
		 */
		private int maxGroupNames = 100;

		public boolean isEnabled() {
			return this.enabled;
		}

		public void setEnabled(boolean enabled) {
			this.enabled = enabled;
		}

		public int getMaxGroupNames() {
			return this.maxGroupNames;
		}

		public void setMaxGroupNames(int maxGroupNames) {
			this.maxGroupNames = maxGroupNames;
		}

		void validate(String prefix) {
			if (this.maxGroupNames < 0) {
				throw invalid(prefix + ".max-group-names", this.maxGroupNames,
						"the maximum number of group names must be zero or more",
						"Set it to 0 or more; the default is 100.");
			}
		}

	}

	/**
	 * The executor that runs group tasks, {@code errgroup.executor.*}.
	 */
	public static class Executor {

		/**
		 * Prefix to use for the names of newly created threads.
		 */
		private String threadNamePrefix = "errgroup-";

		/**
		 * Whether to run tasks on virtual threads instead of the thread pool; needs Java 21 or later.
		 * When not set, follows spring.threads.virtual.enabled (which is ignored before Java 21).
		 */
		private @Nullable Boolean virtualThreads;

		private final Pool pool = new Pool();

		private final Shutdown shutdown = new Shutdown();

		public String getThreadNamePrefix() {
			return this.threadNamePrefix;
		}

		public void setThreadNamePrefix(String threadNamePrefix) {
			this.threadNamePrefix = threadNamePrefix;
		}

		public @Nullable Boolean getVirtualThreads() {
			return this.virtualThreads;
		}

		public void setVirtualThreads(@Nullable Boolean virtualThreads) {
			this.virtualThreads = virtualThreads;
		}

		public Pool getPool() {
			return this.pool;
		}

		public Shutdown getShutdown() {
			return this.shutdown;
		}

		void validate(String prefix) {
			if (Boolean.TRUE.equals(this.virtualThreads)
					&& !JavaVersion.getJavaVersion().isEqualOrNewerThan(JavaVersion.TWENTY_ONE)) {
				throw invalid(prefix + ".virtual-threads", true,
						"virtual threads need Java 21 or later, but this application runs on Java "
								+ System.getProperty("java.version"),
						"Run the application on Java 21 or later, or remove '" + prefix
								+ ".virtual-threads' to run errgroup tasks on a thread pool.");
			}
			this.pool.validate(prefix + ".pool");
			this.shutdown.validate(prefix + ".shutdown");
		}

	}

	/**
	 * The thread pool of the executor, {@code errgroup.executor.pool.*}; not used on virtual threads.
	 */
	public static class Pool {

		/**
		 * Queue capacity. An unbounded capacity does not increase the pool and therefore ignores the
		 * "max-size" property. Doesn't have an effect if virtual threads are enabled.
		 */
		private int queueCapacity = Integer.MAX_VALUE;

		/**
		 * Core number of threads. Doesn't have an effect if virtual threads are enabled.
		 */
		private int coreSize = 8;

		/**
		 * Maximum allowed number of threads. If tasks are filling up the queue, the pool can expand up
		 * to that size to accommodate the load. Ignored if the queue is unbounded. Doesn't have an
		 * effect if virtual threads are enabled.
		 */
		private int maxSize = Integer.MAX_VALUE;

		/**
		 * Whether core threads are allowed to time out. This enables dynamic growing and shrinking of
		 * the pool. Doesn't have an effect if virtual threads are enabled.
		 */
		private boolean allowCoreThreadTimeout = true;

		/**
		 * Time limit for which threads may remain idle before being terminated. Doesn't have an effect
		 * if virtual threads are enabled.
		 */
		private Duration keepAlive = Duration.ofSeconds(60);

		public int getQueueCapacity() {
			return this.queueCapacity;
		}

		public void setQueueCapacity(int queueCapacity) {
			this.queueCapacity = queueCapacity;
		}

		public int getCoreSize() {
			return this.coreSize;
		}

		public void setCoreSize(int coreSize) {
			this.coreSize = coreSize;
		}

		public int getMaxSize() {
			return this.maxSize;
		}

		public void setMaxSize(int maxSize) {
			this.maxSize = maxSize;
		}

		public boolean isAllowCoreThreadTimeout() {
			return this.allowCoreThreadTimeout;
		}

		public void setAllowCoreThreadTimeout(boolean allowCoreThreadTimeout) {
			this.allowCoreThreadTimeout = allowCoreThreadTimeout;
		}

		public Duration getKeepAlive() {
			return this.keepAlive;
		}

		public void setKeepAlive(Duration keepAlive) {
			this.keepAlive = keepAlive;
		}

		void validate(String prefix) {
			if (this.queueCapacity < 0) {
				throw invalid(prefix + ".queue-capacity", this.queueCapacity,
						"the queue capacity must be zero or more", "Set it to 0 or more, or remove it for an unbounded queue.");
			}
			if (this.coreSize < 0) {
				throw invalid(prefix + ".core-size", this.coreSize,
						"the core number of threads must be zero or more", "Set it to 0 or more.");
			}
			if (this.maxSize < 1) {
				throw invalid(prefix + ".max-size", this.maxSize,
						"the maximum number of threads must be at least 1", "Set it to 1 or more.");
			}
			if (this.maxSize < this.coreSize) {
				throw invalid(prefix + ".max-size", this.maxSize,
						"the maximum number of threads must not be less than " + prefix + ".core-size ("
								+ this.coreSize + ")",
						"Set '" + prefix + ".max-size' to " + this.coreSize + " or more, or lower '" + prefix
								+ ".core-size'.");
			}
			if (this.keepAlive.isNegative()) {
				throw invalid(prefix + ".keep-alive", this.keepAlive,
						"the keep-alive time must not be negative", "Set it to a positive duration, such as 60s.");
			}
			if (this.keepAlive.getSeconds() > Integer.MAX_VALUE) {
				// The executor takes whole seconds as an int: beyond that, the value would wrap around.
				throw invalid(prefix + ".keep-alive", this.keepAlive,
						"the keep-alive time must be at most " + Integer.MAX_VALUE
								+ "s (about 68 years), the most the thread pool can hold",
						"Set it to a shorter duration, such as 60s.");
			}
			if (this.allowCoreThreadTimeout && this.keepAlive.getSeconds() < 1) {
				// ThreadPoolExecutor counts whole seconds here and refuses zero for core threads that time out.
				throw invalid(prefix + ".keep-alive", this.keepAlive,
						"the keep-alive time must be at least 1s while " + prefix
								+ ".allow-core-thread-timeout is true",
						"Set it to 1s or more, or set '" + prefix + ".allow-core-thread-timeout' to false.");
			}
		}

	}

	/**
	 * How the executor shuts down, {@code errgroup.executor.shutdown.*}.
	 */
	public static class Shutdown {

		/**
		 * Whether the executor should wait for scheduled tasks to complete on shutdown.
		 */
		private boolean awaitTermination;

		/**
		 * Maximum time the executor should wait for remaining tasks to complete.
		 */
		private @Nullable Duration awaitTerminationPeriod;

		public boolean isAwaitTermination() {
			return this.awaitTermination;
		}

		public void setAwaitTermination(boolean awaitTermination) {
			this.awaitTermination = awaitTermination;
		}

		public @Nullable Duration getAwaitTerminationPeriod() {
			return this.awaitTerminationPeriod;
		}

		public void setAwaitTerminationPeriod(@Nullable Duration awaitTerminationPeriod) {
			this.awaitTerminationPeriod = awaitTerminationPeriod;
		}

		void validate(String prefix) {
			if (this.awaitTerminationPeriod != null && this.awaitTerminationPeriod.isNegative()) {
				throw invalid(prefix + ".await-termination-period",
						this.awaitTerminationPeriod, "the await-termination period must not be negative",
						"Set it to a positive duration, such as 30s.");
			}
			if (this.awaitTerminationPeriod != null && !fitsInMillis(this.awaitTerminationPeriod)) {
				// The executor takes milliseconds as a long.
				throw invalid(prefix + ".await-termination-period",
						this.awaitTerminationPeriod,
						"the await-termination period must be at most " + Long.MAX_VALUE
								+ "ms, the most the executor can hold",
						"Set it to a shorter duration, such as 30s.");
			}
		}

		private static boolean fitsInMillis(Duration duration) {
			try {
				duration.toMillis();
				return true;
			}
			catch (ArithmeticException ex) {
				return false;
			}
		}

	}

	/**
	 * The settings of a group, by name ({@code errgroup.groups.<name>.*}) or for every group
	 * ({@code errgroup.defaults.*}).
	 */
	public static class Profile {

		/**
		 * Maximum number of tasks of a group running at once, at least 1. Not set: no limit.
		 */
		private @Nullable Integer limit;

		/**
		 * How long a group may run, from its opening, before it is cancelled with a TimeoutException.
		 * Not set: no deadline of its own.
		 */
		private @Nullable Duration timeout;

		public @Nullable Integer getLimit() {
			return this.limit;
		}

		public void setLimit(@Nullable Integer limit) {
			this.limit = limit;
		}

		public @Nullable Duration getTimeout() {
			return this.timeout;
		}

		public void setTimeout(@Nullable Duration timeout) {
			this.timeout = timeout;
		}

		void validate(String prefix) {
			if (this.limit != null && this.limit < 1) {
				throw invalid(prefix + ".limit", this.limit,
						"a group limit must be at least 1", "Set it to 1 or more, or remove it for no limit.");
			}
			if (this.timeout != null && (this.timeout.isNegative() || this.timeout.isZero())) {
				throw invalid(prefix + ".timeout", this.timeout,
						"a group timeout must be positive", "Set it to a positive duration, such as 2s, or remove it for no deadline.");
			}
		}

	}

	/**
	 * The web integration, {@code errgroup.web.*}: each request's cancellation scope (S24) and the
	 * deadline headers read on inbound requests and sent on outgoing calls (S25, S35).
	 */
	public static class Web {

		/**
		 * Whether each web request gets its own cancellation scope, and outgoing RestClient and
		 * WebClient calls carry the time left and are aborted when their group is cancelled.
		 */
		private boolean enabled = true;

		/**
		 * Deadline of every web request, from its arrival: when it passes, the request's groups are
		 * cancelled with a TimeoutException. Also caps the deadline an inbound deadline header asks
		 * for. Not set: no deadline but the header's.
		 */
		private @Nullable Duration requestTimeout;

		/**
		 * Name of our own deadline header, the 'deadline-header' format of inbound-deadline-formats and
		 * outbound-deadline-formats: the whole milliseconds left. Empty for none. Not grpc-timeout nor
		 * x-envoy-expected-rq-timeout-ms, which are formats of their own.
		 */
		private String deadlineHeader = "Request-Timeout";

		/**
		 * Which deadline headers an inbound request's deadline is read from; the earliest of those
		 * present wins, capped by request-timeout. 'deadline-header' (the header named by
		 * deadline-header, whole milliseconds), 'grpc-timeout' (gRPC's format: up to 8 digits and a
		 * unit, such as 500m or 2S), 'envoy' (Envoy's x-envoy-expected-rq-timeout-ms). A value that is
		 * not its header's format is ignored, logged at DEBUG. Empty to read none.
		 */
		private Set<Format> inboundDeadlineFormats = EnumSet.allOf(Format.class);

		/**
		 * Which deadline headers outgoing RestClient, RestTemplate and WebClient calls made where a
		 * deadline exists carry the time left in: one or more of 'deadline-header', 'grpc-timeout',
		 * 'envoy'. By default deadline-header (whole milliseconds, as S25 promises) and grpc-timeout
		 * (the one whose value carries its unit and whose definition is current); every format is read
		 * by default, so two errgroup services agree. Empty to send none.
		 */
		private Set<Format> outboundDeadlineFormats = EnumSet.of(Format.DEADLINE_HEADER, Format.GRPC_TIMEOUT);

		public boolean isEnabled() {
			return this.enabled;
		}

		public void setEnabled(boolean enabled) {
			this.enabled = enabled;
		}

		public @Nullable Duration getRequestTimeout() {
			return this.requestTimeout;
		}

		public void setRequestTimeout(@Nullable Duration requestTimeout) {
			this.requestTimeout = requestTimeout;
		}

		public String getDeadlineHeader() {
			return this.deadlineHeader;
		}

		public void setDeadlineHeader(String deadlineHeader) {
			this.deadlineHeader = deadlineHeader;
		}

		public Set<Format> getInboundDeadlineFormats() {
			return this.inboundDeadlineFormats;
		}

		public void setInboundDeadlineFormats(Set<Format> inboundDeadlineFormats) {
			this.inboundDeadlineFormats = inboundDeadlineFormats;
		}

		public Set<Format> getOutboundDeadlineFormats() {
			return this.outboundDeadlineFormats;
		}

		public void setOutboundDeadlineFormats(Set<Format> outboundDeadlineFormats) {
			this.outboundDeadlineFormats = outboundDeadlineFormats;
		}

		/**
		 * Returns the deadline headers these properties describe.
		 * @return the inbound and outbound deadline headers
		 */
		public DeadlineHeaders deadlineHeaders() {
			return new DeadlineHeaders(this.deadlineHeader, this.inboundDeadlineFormats, this.outboundDeadlineFormats);
		}

		void validate(String prefix) {
			if (this.requestTimeout != null && (this.requestTimeout.isNegative() || this.requestTimeout.isZero())) {
				throw invalid(prefix + ".request-timeout", this.requestTimeout,
						"a request timeout must be positive",
						"Set it to a positive duration, such as 2s, or remove it for no deadline.");
			}
			if (this.deadlineHeader != null && !this.deadlineHeader.isEmpty()
					&& !this.deadlineHeader.matches("[!#$%&'*+.^_`|~0-9A-Za-z-]+")) {
				throw invalid(prefix + ".deadline-header", this.deadlineHeader,
						"an HTTP header name is a token: letters, digits and !#$%&'*+.^_`|~-",
						"Set it to a header name such as Request-Timeout, or to an empty value to turn it off.");
			}
			for (String other : new String[] { DeadlineHeaders.GRPC_TIMEOUT, DeadlineHeaders.ENVOY_EXPECTED_TIMEOUT }) {
				if (other.equalsIgnoreCase(this.deadlineHeader)) {
					throw invalid(prefix + ".deadline-header", this.deadlineHeader,
							other + " has a format of its own, not our whole milliseconds",
							"List " + (other.equals(DeadlineHeaders.GRPC_TIMEOUT) ? "grpc-timeout" : "envoy") + " in "
									+ prefix + ".inbound-deadline-formats and " + prefix
									+ ".outbound-deadline-formats instead, and set deadline-header to another name or to an empty value.");
				}
			}
		}

	}

	/**
	 * Databases, {@code errgroup.jdbc.*}: what a group's cancellation and deadline do to the JDBC
	 * statements its tasks run.
	 */
	public static class Jdbc {

		/**
		 * Whether to wrap DataSource beans so that a statement run by a task of a group is cancelled
		 * on the database when the group is cancelled, and gets the time left before the group's
		 * deadline as its database-side timeout. Statements outside group tasks are left alone.
		 */
		private boolean enabled = true;

		public boolean isEnabled() {
			return this.enabled;
		}

		public void setEnabled(boolean enabled) {
			this.enabled = enabled;
		}

	}

	/**
	 * gRPC, {@code errgroup.grpc.*}: inbound calls as request scopes, outgoing calls bound to groups.
	 */
	public static class Grpc {

		/**
		 * Whether to provide the gRPC interceptors: the server's makes each inbound call a request
		 * scope (its client's cancel, disconnect and deadline cancel the groups it opens); the client's
		 * gives an outgoing call made in a group the group's deadline as grpc-timeout and cancels it with
		 * the group. Spring gRPC applies both itself; plain grpc-java servers and channels register the
		 * beans.
		 */
		private boolean enabled = true;

		public boolean isEnabled() {
			return this.enabled;
		}

		public void setEnabled(boolean enabled) {
			this.enabled = enabled;
		}

	}

}
