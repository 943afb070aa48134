"""The shared runner of the rule-break scripts: breaks one rule at a time in a scratch copy of the
repository and runs the tests named after it, which must fail. Each script lists its breaks as
(name, [(file, old, new), ...], tests, jdk_home or None) and calls run()."""
import os
import re
import shutil
import subprocess
import sys
import tempfile

SRC = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


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


def run(breaks, module, scratch_name):
    only = sys.argv[1:]
    dst = os.path.join(tempfile.gettempdir(), scratch_name)
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
