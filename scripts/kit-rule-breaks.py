#!/usr/bin/env python3
"""Breaks each feature of the errgroup-test kit (S37) once, in a scratch copy of the repository, and runs
the kit's tests that name it: each must fail. Usage: python3 scripts/kit-rule-breaks.py [name-fragment ...]
(--check: only say whether every break still applies)."""
from breakrunner import run
K = 'errgroup-test/src/main/java/io/github/errgroup/test/'
LEAK, CLOCK, MANUAL = K + 'ErrGroupLeakCheck.java', K + 'VirtualClock.java', K + 'ManualExecutor.java'
breaks = [
 # The leak check.
 ("S37 leak check: a group left open does not fail the test",
  [(LEAK, "\t\tif (leaked.isEmpty()) {\n\t\t\treturn;\n\t\t}\n\t\tAssertionError failure", "\t\tif (true) {\n\t\t\treturn;\n\t\t}\n\t\tAssertionError failure")],
  "ErrGroupLeakCheckTest#S37*"),
 ("S37 leak check: no grace period, a group finishing just after the test is a leak",
  [(LEAK, "if (open.isEmpty() || left <= 0) {", "if (true) {")],
  "ErrGroupLeakCheckTest#S37_testsThatAwait*"),
 ("S37 leak check: the groups it reports keep running into the next test",
  [(LEAK, "owned.cancel(new CancellationException(", "if (false) owned.cancel(new CancellationException(")],
  "ErrGroupLeakCheckTest#S37_aTestThatLeaves*"),
 ("S37 leak check: groups open before the test are counted as its own",
  [(LEAK, "if (!baseline.contains(group.id()) && ", "if (")],
  "ErrGroupLeakCheckTest#S37_aFactoryGiven*"),
 # Virtual time.
 ("S37 virtual clock: a deadline fires before it is due",
  [(CLOCK, "if (due == null || due.at.isAfter(target)) {", "if (due == null) {")],
  "VirtualClockTest#S13_S37_aDeadlineFires*"),
 ("S37 virtual clock: deadlines due at the same instant fire out of the order scheduled",
  [(CLOCK, "Long.compare(this.sequence, other.sequence)", "Long.compare(other.sequence, this.sequence)")],
  "VirtualClockTest#S37_deadlinesFire*"),
 ("S37 virtual clock: a firing reads the end of the step, not its own time",
  [(CLOCK, "\t\t\t\t\tif (due.at.isAfter(this.now)) {\n\t\t\t\t\t\tthis.now = due.at;\n\t\t\t\t\t}\n", "")],
  "VirtualClockTest#S37_deadlinesFire*+S37_aDeadlineScheduled*"),
 # A reproducible order.
 ("S37 manual executor: tasks run by index, not in the order given",
  [(MANUAL, "\tpublic void run(int... indexes) {\n\t\tfor (int index : indexes) {",
    "\tpublic void run(int... indexes) {\n\t\tfor (int index : java.util.stream.IntStream.of(indexes).sorted().toArray()) {")],
  "ManualExecutorTest#S37_theTasksRun*"),
 ("S37 manual executor: runAll runs newest first",
  [(MANUAL, "TaskInfo chosen = matches.get(0);", "TaskInfo chosen = matches.get(matches.size() - 1);")],
  "ManualExecutorTest#S11_S37*"),
 ("manual executor: a runnable that is not a task is dropped silently",
  [(MANUAL, "\t\t\telse if (this.foreign == null) {", "\t\t\telse if (false) {")],
  "ManualExecutorTest#aRunnableThatIsNotATask*"),
]
run([(name, edits, tests, None) for name, edits, tests in breaks], 'errgroup-test', 'errgroup-kit-rule-breaks')
