#!/usr/bin/env python3
"""Breaks each database rule (S30, S31, and S32 as the JDBC hook uses it) of
errgroup-spring-boot-autoconfigure once, in a scratch copy of the repository, and runs the tests that name
that rule: each must fail. The PostgreSQL tests need Debian's postgresql package (.ci/run installs it);
the virtual-thread breaks run on JDK 25. Usage: python3 scripts/jdbc-rule-breaks.py [name-fragment ...]
(--check: only whether every break still applies). About a minute per break."""
from breakrunner import jdk25_home, run
import sys
J = 'errgroup-spring-boot-autoconfigure/src/main/java/io/github/errgroup/spring/jdbc/'
DS, EX, CANCEL, TIMEOUT = J + 'CancellingDataSource.java', J + 'StatementExecution.java', J + 'StatementCancel.java', J + 'DeadlineTimeout.java'
AUTO = 'errgroup-spring-boot-autoconfigure/src/main/java/io/github/errgroup/spring/autoconfigure/jdbc/ErrGroupJdbcAutoConfiguration.java'
PG, PGV, H2, WIRED = 'PostgresCancellationTests$PlatformThreads', 'PostgresCancellationTests$VirtualThreads', 'H2CancellationTests', 'ErrGroupJdbcAutoConfigurationTests'
UNSHIELDED = 'try (AutoCloseable unshielded = () -> { }) {'
# (name, [(file, old, new), ...], tests, on JDK 25)
muts = [
 ("S30 no Statement.cancel() when the group is cancelled",
  [(CANCEL, "	public void run() {\n		schedule(0);", "	public void run() {\n")],
  PG + "#S30_aSiblings*+S30_aCancelFromOutside*," + H2 + "#S30_aSiblings*", False),
 ("S30 the driver's 57014 after the group's cancel is a failure (task FAILED)",
  [(EX, "		if (cancelSent || this.group.isCancelled()) {", "		if (false) {")],
  PG + "#S30_aSiblings*+S30_aCancelFromOutside*," + H2 + "#S30_aSiblings*", False),
 ("S30 a statement of a cancelled group still goes to the server",
  [(EX, "		if (this.group.isCancelled()) {\n			throw cancelled(null);\n		}\n", ""),
   (EX, "			if (this.group.isCancelled()) {\n				// Cancelled since run() looked", "			if (false) {\n				// Cancelled since run() looked")],
  PG + "#S30_aStatementStartedInACancelledGroup*", False),
 ("S30 statements outside tasks (a bound request scope) treated as a task's",
  [(DS, "GroupContext task = GroupContext.ofCurrentTask().orElse(null);", "GroupContext task = GroupContext.current().orElse(null);")],
  PG + "#S30_statementsOutsideGroupTasks*", False),
 ("S30 DataSource beans not wrapped",
  [(AUTO, "return (bean instanceof DataSource dataSource) ? CancellingDataSource.wrap(dataSource) : bean;", "return bean;")],
  WIRED + "#S30_theDataSourceBean*+S30_aStatementOfAGroupTask*", False),
 ("S30 errgroup.jdbc.enabled=false ignored",
  [(AUTO, 'name = { "errgroup.enabled", "errgroup.jdbc.enabled" }', 'name = "errgroup.enabled"')],
  WIRED + "#S30_backsOff*", False),
 ("S30 a data source built on a wrapped one wrapped again",
  [(DS, "			if (dataSource.isWrapperFor(CancellingDataSource.class)) {", "			if (dataSource.isWrapperFor(CancellingDataSource.class) && dataSource instanceof CancellingDataSource) {")],
  WIRED + "#S30_aDataSourceBuiltOnAnother*", False),
 ("S32 statements not shielded: on virtual threads the interrupt closes pgjdbc's socket",
  [(DS, "					try (GroupContext.Shield shield = GroupContext.shield()) {\n						return new StatementExecution", "					" + UNSHIELDED + "\n						return new StatementExecution"),
   (DS, "		try (GroupContext.Shield shield = GroupContext.shield()) {\n			return method.invoke", "		" + UNSHIELDED + "\n			return method.invoke")],
  PGV + "#S30_aSiblings*+S30_aCancelFromOutside*+S30_aDeadline*", True),
 ("S31 no deadline on the database",
  [(EX, "			timeout = DeadlineTimeout.apply(postgres.isPostgres(), connection, this.statement, millisLeft);", "			timeout = null;")],
  PG + "#S31_theStatementGets*+S31_theServerEnds*," + H2 + "#S31_theStatementGets*", False),
 ("S31 PostgreSQL: a shorter statement_timeout of the application lengthened",
  [(TIMEOUT, "\"select s.setting, set_config('statement_timeout', case when s.keep\"", "\"select s.setting, set_config('statement_timeout', case when false\"")],
  PG + "#S31_aShorterSession*", False),
 ("S31 setQueryTimeout: a shorter query timeout of the application lengthened",
  [(TIMEOUT, "			if (previous != 0 && previous <= seconds) {", "			if (false) {")],
  H2 + "#S31_theStatementGets*", False),
 ("S31 PostgreSQL: statement_timeout not put back",
  [(TIMEOUT, "				restore.setBoolean(3, this.local);\n				restore.execute();", "				restore.setBoolean(3, this.local);")],
  PG + "#S31_theStatementGets*+S31_insideATransaction*", False),
 ("S31 setQueryTimeout not put back",
  [(TIMEOUT, "				this.statement.setQueryTimeout(this.previous);", "")],
  H2 + "#S31_theStatementGets*", False),
 ("S31 PostgreSQL: the restore undoes a statement_timeout the application set in the group",
  [(TIMEOUT, "case when\"\n				+ \" current_setting('statement_timeout') = ?", "case when true or\"\n				+ \" current_setting('statement_timeout') = ?")],
  PG + "#S31_aTimeoutTheApplicationSets*", False),
 ("S31 the server's timeout at the deadline, before the group's timer, is a failure (task FAILED)",
  [(EX, "			throw deadlinePassed(sql);", "			throw sql;")],
  PG + "#S31_theServerEnds*", False),
]

jdk25 = jdk25_home() if sys.argv[1:] != ['--check'] and any(m[3] for m in muts) else None
run([(name, edits, tests, jdk25 if on25 else None) for name, edits, tests, on25 in muts],
    'errgroup-spring-boot-autoconfigure', 'errgroup-jdbc-rule-breaks')
