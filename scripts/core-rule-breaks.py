#!/usr/bin/env python3
"""Breaks each SPEC rule of the core once, in a scratch copy of the repository, and runs the tests that
name that rule: each must fail. Usage: python3 scripts/core-rule-breaks.py [name-fragment ...]
Takes about ten minutes for all rules; a broken rule that makes a task hang waits for the test timeout."""
from breakrunner import run
B='errgroup-core/src/main/java/io/github/errgroup/'
muts = [
 ("S1 seal ignores outstanding", B+'Group.java', "return (c & (COUNT | SEALED_BITS)) == 0 && ", "return (c & SEALED_BITS) == 0 && ", "ErrorsAndCancellationTest#S1*"),
 ("S2 interrupt-like after cancel counted as failure", B+'TaskImpl.java', "if (cause != null && isConsequenceOfCancellation(ex, cause)) {", "if (false) {", "ErrorsAndCancellationTest#S2*"),
 ("S3 running tasks not interrupted", B+'TaskStack.java', "t.interruptIfRunning(); // S3", "// t.interruptIfRunning(); // S3", "ErrorsAndCancellationTest#S3*"),
 ("S4 cancelled group still starts claimed tasks", B+'TaskImpl.java', "if (this.group.context.isCancelled()) {\n\t\t\t\t// S4", "if (false) {\n\t\t\t\t// S4", "ErrorsAndCancellationTest#S4*"),
 ("S5 no cancel when await returns", B+'Group.java', "if (!this.context.cancel(new Finished(this.name))) {", "if (false) {", "ErrorsAndCancellationTest#S5*"),
 ("S6 Errors swallowed", B+'TaskImpl.java', "private void failed(Throwable ex) {", "private void failed(Throwable ex) {\n\t\tif (ex instanceof Error) { finish(CANCELLED, null, ex); return; }", "ErrorsAndCancellationTest#S6*"),
 ("S7 later cancel overrides cause", B+'CancelContext.java', "if (!CAUSE.compareAndSet(this, null, cause)) {\n\t\t\treturn false;\n\t\t}", "if (this.cause != null) { this.cause = cause; return false; }", "ErrorsAndCancellationTest#S7*"),
 ("S8 interrupted await does not cancel", B+'Group.java', "void interruptedWhileWaiting() {\n\t\tthis.context.cancel(", "void interruptedWhileWaiting() {\n\t\tif (false) this.context.cancel(", "ErrorsAndCancellationTest#S8_anAwait*"),
 ("S9 go after await accepted", B+'Group.java', "private void ensureUsable() {\n\t\tif (isSealed()) {", "private void ensureUsable() {\n\t\tif (false) {", "LifecycleAndLimitsTest#S9*"),
 ("S10 close without await does not cancel", B+'Group.java', "if (!isSealed()) {\n\t\t\t// S10", "if (false) {\n\t\t\t// S10", "LifecycleAndLimitsTest#S10*"),
 ("S12 limit ignored", B+'Group.java', "this.limit = limit;\n\t\tthis.parent", "this.limit = 0;\n\t\tthis.parent", "LifecycleAndLimitsTest#S12*"),
 ("S12 a long-lived group keeps every task it ran", B+'TaskStack.java', "if (++this.spawnsSinceClean >= this.cleanInterval) {", "if (false && ++this.spawnsSinceClean >= this.cleanInterval) {", "LifecycleAndLimitsTest#S12_aLong*"),
 ("S13 no deadline timer", B+'Group.java', "if (own != null) {\n\t\t\t// S13", "if (false) {\n\t\t\t// S13", "LifecycleAndLimitsTest#S13_aDeadline*"),
 ("S13 an absurd timeout overflows into a deadline already passed", B+'Group.java', "catch (ArithmeticException | java.time.DateTimeException ex) {\n\t\t\treturn Instant.MAX;", "catch (ArithmeticException | java.time.DateTimeException ex) {\n\t\t\treturn instant;", "LifecycleAndLimitsTest#S13_anAbsurd*"),
 ("S2 firstCause stops at a nested group's exception", B+'ErrGroupException.java', "if (!(cause instanceof ErrGroupException)) {\n\t\t\t\treturn cause;", "if (true) {\n\t\t\t\treturn cause;", "ErrorsAndCancellationTest#S2_firstCause*"),
 ("S14 parent cancellation not propagated", B+'Group.java', "this.parentRegistration = p.onCancel(() -> this.context.cancel(p.cause()));", "this.parentRegistration = p.onCancel(() -> { });", "LifecycleAndLimitsTest#S14_child*"),
 ("S14 a child's task run by a parent's task takes the parent's interrupt for its waiter's", B+'Group.java', "if (parentCause != null) {\n\t\t\tthis.context.cancel(parentCause);", "if (false) {\n\t\t\tthis.context.cancel(parentCause);", "LifecycleAndLimitsTest#S14_S15*"),
 ("S15 waiter does not help", B+'Waiter.java', "return this.group.isSealed() ? null : nextUnclaimed();", "return null;", "ContextTest#S17_aTaskRunByTheWaiter*"),
 ("S16 decorator not applied", B+'ErrGroupFactory.java', "if (this.taskDecorator == null) {\n\t\t\treturn null;", "if (true) {\n\t\t\treturn null;", "FactoryTest#S16*"),
 ("S17 context not bound in task", B+'TaskImpl.java', "Object previous = CancelContext.bind(this);", "Object previous = CancelContext.bind(CancelContext.currentOrNull());", "ContextTest#S17_current*"),
 # Races, checked by the Lincheck model tests (RacesModelCheckTest): each mutation reopens a window the
 # engine's compare-and-set protocol closes.
 ("race: interrupt after a plain read of RUNNING, no INTERRUPTING state", B+'TaskImpl.java',
  "else if (STATE.compareAndSet(this, RUNNING, INTERRUPTING)) {\n\t\t\t\tThread thread = this.runner;\n\t\t\t\tif (thread == Thread.currentThread()) {\n\t\t\t\t\tthis.state = RUNNING; // a task failing cancels its own group: no self-interrupt\n\t\t\t\t\treturn;\n\t\t\t\t}\n\t\t\t\ttry {\n\t\t\t\t\tthread.interrupt();\n\t\t\t\t}\n\t\t\t\tfinally {\n\t\t\t\t\tthis.state = INTERRUPTED;\n\t\t\t\t}\n\t\t\t\treturn;\n\t\t\t}",
  "else {\n\t\t\t\tThread thread = this.runner;\n\t\t\t\tif (thread == Thread.currentThread()) {\n\t\t\t\t\treturn;\n\t\t\t\t}\n\t\t\t\tthread.interrupt();\n\t\t\t\tSTATE.compareAndSet(this, RUNNING, INTERRUPTED);\n\t\t\t\treturn;\n\t\t\t}",
  "RacesModelCheckTest#S3_interruptIfRunning*"),
 ("race: onCancel reads the cause before adding the callback", B+'CancelContext.java',
  "registration.set.add(registration);\n\t\tif (this.cause != null) {",
  "boolean cancelled = this.cause != null;\n\t\tregistration.set.add(registration);\n\t\tif (cancelled) {",
  "RacesModelCheckTest#S3_onCancelRegistered*"),
 ("race: a task ending reads 'waiters' before its count goes down (lost wake-up)", B+'Group.java',
  "long c = (long) CTL.getAndAdd(this, -1L) - 1;\n\t\tint n = (int) c;\n\t\tif ((n == 0 || this.limit > 0) && this.waiters > 0) {",
  "boolean someoneWaits = this.waiters > 0;\n\t\tlong c = (long) CTL.getAndAdd(this, -1L) - 1;\n\t\tint n = (int) c;\n\t\tif ((n == 0 || this.limit > 0) && someoneWaits) {",
  "RacesModelCheckTest#S1_lastTaskEndingWhileTheOwnerFallsAsleep*"),
 ("race: a waiter sleeps without looking again after announcing itself (lost wake-up)", B+'Waiter.java',
  "if (g.mayStopWaiting(this.forWhat)) {\n\t\t\t\t\t\treturn;\n\t\t\t\t\t}\n\t\t\t\t\tnext = claimable();\n\t\t\t\t\tif (next == null) {",
  "if (next == null) {",
  "RacesModelCheckTest"),
]

# Go after await is refused at three places (before reserving, when reserving, after S5's cancel): S9 breaks all.
EXTRA = {"S9 go after await accepted": [
    (B + 'Group.java', "if ((c & SEALED_BITS) != 0) {\n\t\t\t\t\treturn SEALED;", "if (false) {\n\t\t\t\t\treturn SEALED;"),
    (B + 'Group.java', "return isSealed() ? SEALED : CANCELLED_GROUP;", "return CANCELLED_GROUP;")]}
run([(name, [(f, old, new)] + EXTRA.get(name, []), tests, None) for name, f, old, new, tests in muts],
    'errgroup-core', 'errgroup-rule-breaks')
