#!/usr/bin/env python3
"""Shows that scripts/load.py fails when it should: breaks one thing at a time in a scratch copy of the
repository (a thread leaked per request, an executor leaked now and then, a listener event skipped, a
group never unregistered), builds the sample jar there and runs the load script against it, which must
exit non-zero with the named checks failed. Usage:
python3 scripts/load-breaks.py [name-fragment ...]   (or --check: do the edits still apply?)
About two minutes per break (a build and a shorter load run)."""
import json
import os
import subprocess
import sys
import tempfile

from breakrunner import SRC, broken_copy, check, scratch_dir

PC = 'sample-app/src/main/java/io/github/errgroup/sample/product/ProductController.java'
GROUP = 'errgroup-core/src/main/java/io/github/errgroup/Group.java'
PAGE = '''		try (ErrGroup group = this.groups.newGroup("product")) {'''
LOAD_ARGS = ['--requests', '1600', '--duration', '40', '--settle', '10']

# (name, [(file, old, new), ...], checks that must fail)
BREAKS = [
    ("sample leaks a sleeping thread per product page",
     [(PC, PAGE, '''		new Thread(() -> {
			try {
				Thread.sleep(Long.MAX_VALUE);
			}
			catch (InterruptedException ex) {
			}
		}, "leaked-" + id).start();
''' + PAGE)],
     ['no stray thread', 'threads do not grow with requests']),
    ("sample leaks an idle executor every 25 product pages",
     [(PC, PAGE, '''		if (LEAKS.incrementAndGet() % 25 == 0) {
			java.util.concurrent.Executors.newFixedThreadPool(1).execute(() -> { // no cleaner: a real leak
			});
		}
''' + PAGE),
      (PC, '''	private final ErrGroupFactory groups;''', '''	private static final java.util.concurrent.atomic.AtomicInteger LEAKS = new java.util.concurrent.atomic.AtomicInteger();

	private final ErrGroupFactory groups;''')],
     ['threads do not grow with requests']),
    ("core skips taskFinished for tasks dropped by a cancel",
     [(GROUP, 'g.listeners.taskFinished(t);', '// no taskFinished for a dropped task')],
     ['spawned = success + failure + cancelled']),
    ("core never unregisters a group that failed",
     [(GROUP, 'return Group.this.isFinished();', 'return Group.this.isFinished() && Group.this.failure == null;')],
     ['errgroup.groups.active = 0']),
]


def main():
    if sys.argv[1:] == ['--check']:
        check([(name, edits, None, None) for name, edits, _ in BREAKS])
    only = sys.argv[1:]
    results = []
    for name, edits, expected in BREAKS:
        if only and not any(o in name for o in only):
            continue
        dst = scratch_dir('errgroup-load-breaks')
        missing = broken_copy(dst, edits)
        if missing:
            results.append((name, 'PATTERN NOT FOUND', missing))
            print(results[-1], flush=True)
            continue
        build = subprocess.run(['timeout', '900', 'mvn', '-B', '-q', '-o', '-pl', 'sample-app', '-am', 'package',
                                '-DskipTests'], cwd=dst, capture_output=True, text=True)
        jars = [j for j in os.listdir(os.path.join(dst, 'sample-app', 'target')) if j.endswith('.jar')] \
            if build.returncode == 0 else []
        if not jars:
            results.append((name, 'BUILD FAILED', (build.stdout + build.stderr)[-300:]))
            print(results[-1], flush=True)
            continue
        out = os.path.join(dst, 'target', 'load')
        run = subprocess.run([sys.executable, os.path.join(SRC, 'scripts', 'load.py'), '--jar',
                              os.path.join(dst, 'sample-app', 'target', jars[0]), '--out', out] + LOAD_ARGS,
                             capture_output=True, text=True)
        reports = sorted(f for f in os.listdir(out) if f.endswith('.json')) if os.path.isdir(out) else []
        failed = []
        if reports:
            with open(os.path.join(out, reports[-1])) as f:
                failed = [c for c in json.load(f)['checks'] if not c['ok']]
        names = [c['check'] for c in failed]
        if run.returncode == 0:
            verdict = 'STILL PASSES'
        elif all(e in names for e in expected):
            verdict = 'FAILED as expected'
        else:
            verdict = 'FAILED, not as expected'
        results.append((name, verdict, '; '.join('%s: %s' % (c['check'], c['detail'][:160]) for c in failed)))
        print(results[-1], flush=True)
    print('\nSUMMARY')
    for r in results:
        print(r)
    sys.exit(0 if results and all(r[1] == 'FAILED as expected' for r in results) else 1)


if __name__ == '__main__':
    main()
