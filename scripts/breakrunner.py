"""The shared runner of the rule-break scripts: breaks one rule at a time in a scratch copy of the
repository and runs the tests named after it, which must fail. Each script lists its breaks as
(name, [(file, old, new), ...], tests, jdk_home or None) and calls run(). With --check, a script only
says whether each break's edits still apply to the tree."""
import glob
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile

SRC = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def jdk25_home():
    """A JDK 25 for breaks that only show on it: $JDK25_HOME, else the first /usr/lib/jvm/*25* with a java;
    exits with a message when there is none."""
    candidates = [os.environ.get('JDK25_HOME', '')] + sorted(glob.glob('/usr/lib/jvm/*-25*'))
    for c in candidates:
        if c and os.access(os.path.join(c, 'bin', 'java'), os.X_OK):
            return c
    sys.exit('no JDK 25 found: set JDK25_HOME')


def scratch_dir(name):
    """A scratch folder of this checkout's own, so that two work trees can run their breaks at once."""
    return os.path.join(tempfile.gettempdir(), name + '-' + hashlib.sha1(SRC.encode()).hexdigest()[:8])


def broken_copy(dst, edits):
    """Copies the repository (without .git and target) to dst and applies each (file, old, new) edit
    once; returns None, or which pattern was not found."""
    if os.path.exists(dst):
        shutil.rmtree(dst)
    shutil.copytree(SRC, dst, ignore=shutil.ignore_patterns('.git', 'target'))
    for f, old, new in edits:
        p = os.path.join(dst, f)
        s = open(p).read()
        if old not in s:
            return f + ': ' + old.strip()[:60]
        open(p, 'w').write(s.replace(old, new, 1))
    return None


def check(breaks):
    """--check: says, without building anything, whether every break's edits still apply to this tree."""
    bad = 0
    for name, edits, _tests, _jdk in breaks:
        for f, old, _new in edits:
            p = os.path.join(SRC, f)
            if not os.path.exists(p) or old not in open(p).read():
                bad += 1
                print('PATTERN NOT FOUND', name, '::', f, '::', old.strip()[:60])
    print(len(breaks), 'breaks,', bad, 'edits that no longer apply')
    sys.exit(1 if bad else 0)


def run(breaks, module, scratch_name):
    if sys.argv[1:] == ['--check']:
        check(breaks)
    only = sys.argv[1:]
    dst = scratch_dir(scratch_name)
    results = []
    for name, edits, tests, jdk in breaks:
        if only and not any(o in name for o in only):
            continue
        missing = broken_copy(dst, edits)
        if missing:
            results.append((name, 'PATTERN NOT FOUND', missing, tests))
            print(results[-1], flush=True)
            continue
        env = dict(os.environ)
        if jdk:
            env['JAVA_HOME'] = jdk
        r = subprocess.run(['timeout', '600', 'mvn', '-B', '-q', '-o', 'test', '-pl', module, '-am',
                            '-Dtest=' + tests, '-Dsurefire.failIfNoSpecifiedTests=false'],
                           cwd=dst, capture_output=True, text=True, env=env)
        out = r.stdout + r.stderr
        failed = sorted(set(m.group(1) for m in re.finditer(
            r'\] ([\w.$]+\.\w+)(?:\([^)]*\))? -- Time elapsed: [^<]*<<< (?:FAILURE|ERROR)!', out)))
        compile_error = 'COMPILATION ERROR' in out
        verdict = 'COMPILATION ERROR' if compile_error else (
            'FAILED as expected' if r.returncode != 0 else 'STILL PASSES')
        results.append((name, verdict, ', '.join(f.rsplit('.', 2)[-2] + '.' + f.rsplit('.', 1)[-1] for f in failed), tests))
        print(results[-1], flush=True)
    print("\nSUMMARY")
    for r in results:
        print(r)
    sys.exit(0 if all(r[1] == 'FAILED as expected' for r in results) else 1)
