#!/usr/bin/env python3
"""Load test of the sample app (issue 8, "Load"): loopback only, bounded in requests and in time.

Starts the sample jar on a free 127.0.0.1 port, warms it up, then drives it in two rounds with
concurrent clients: by default 30% of the requests make a downstream fail (502), 20% hang up early
(a raw socket closed 0-300 ms after sending, half of them with a TCP reset), the rest are product
pages (200), searches (200) and a few pages whose downstream is too slow (504 at the group's 800 ms
deadline; the inventory part is a database query: ?slow=inventory sleeps, ?fail=inventory fails in the
database). Once the app is at rest it checks, from /actuator/prometheus, /actuator/threaddump,
/downstream/stats and /db/stats:
  - errgroup.tasks.active, errgroup.groups.active and errgroup.tasks.overdue are 0 for every group;
  - spawned = success + failure + cancelled (S26) per group name and in total, with
    errgroup.tasks.failed / .cancelled agreeing with the timer's outcomes;
  - every product / recommendations / search group spawned exactly 5 / 3 / 20 tasks, and there is a
    product group for every product request that was answered (none for more than were sent);
  - no observation is still open (errgroup.group.active / errgroup.task.active long-task timers);
  - no downstream call is still running, and the status of every answered request was the expected one;
  - no slow statement is still running in the database (its own sessions view), none ran to its 10 s
    end, every one ended cancelled on the database (SQLState 57014: S30), and the pool has no active
    connection;
  - no thread leaked: see THREADS below.
Latency percentiles and status counts per kind of request go to target/load/<timestamp>.json, a
summary to stdout; the exit status is 0 when every check passed, 1 when one failed, 2 when the app
could not be built or started.

THREADS. "No thread leaked" means three things, checked at rest after the load:
  - nothing is stuck: no pool worker (Tomcat's, the errgroup executor's, the HTTP client's) is
    running a task instead of waiting for one, and no thread has an io.github.errgroup frame (a
    task body, a blocked await(), a request held in a group), in two thread dumps 1 s apart;
  - the thread count does not grow with the requests served: the two rounds have the same size and
    mix, and pools reach their working size in the warm-up and the first round, so the second round
    may add at most --thread-tolerance (8) threads to the first, outside Tomcat's request pool: that
    one grows to each new peak of concurrent requests (bounded: 200 threads), and its idle threads
    are no leak (a stuck one is caught above). A leak of one thread per 200 requests already adds
    more than 8 at the default size. Pools shrink only after 60 s idle;
  - no stray thread: threads outside any pool (what a `new Thread()` per request leaks) are as many
    as after the warm-up, give or take 2.
With virtual threads (the `virtual` profile on JDK 21+) the JVM's thread count and dump cover
platform threads only (the carriers' virtual threads are hidden); the errgroup gauges, the
invariant and the downstream counts still cover every task and call.

Usage: python3 scripts/load.py [--requests 3000] [--concurrency 16] [--duration 60] [--seed 8]
       [--port 0] [--jar PATH] [--java PATH] [--jvm-args "..."] [--app-args "..."] [--budget 115]
Example, virtual threads on JDK 25:
  python3 scripts/load.py --java "$JDK25_HOME/bin/java" \\
      --jvm-args=-Dspring.profiles.active=virtual
(values that start with a dash need the --option=value form)
"""
import argparse
import collections
import glob
import http.client
import json
import os
import random
import re
import shlex
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SERVICES = ['details', 'pricing', 'inventory', 'reviews', 'recommendations']
# Tasks per group, from ProductController and SearchController.
TASKS_PER_GROUP = {'product': 5, 'recommendations': 3, 'search': 20}
EXPECTED = {'page': 200, 'search': 200, 'fail': 502, 'slow': 504}
GROUP_TIMEOUT = 0.8  # errgroup.groups.product.timeout in the sample's application.yml
TOMCAT_POOL = re.compile(r'^http-nio-.*-exec-#$')  # the request threads, by kind
TOMCAT_MAX = 200  # server.tomcat.threads.max, Boot's default
STUCK_AFTER = 3.0  # a product page still unanswered then gets a thread dump taken, once
SLOW_LIMIT = 5.0  # a product page answers by its group's 800 ms deadline, far sooner than a slow service's 10 s
WORDS = ['errgroup', 'spring', 'go', 'fan-out', 'cancel', 'deadline', 'limit', 'shard']


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--requests', type=int, default=3000, help='requests in the two measured rounds (default 3000)')
    p.add_argument('--concurrency', type=int, default=16, help='concurrent clients (default 16)')
    p.add_argument('--duration', type=float, default=60.0,
                   help='wall-clock limit of the two measured rounds, in seconds (default 60)')
    p.add_argument('--warm-up', type=int, default=None,
                   help='warm-up requests, same mix and concurrency (default: a tenth of --requests, 200..400)')
    p.add_argument('--seed', type=int, default=8, help='random seed of the request plan (default 8)')
    p.add_argument('--mix', default='page=42,search=5,slow=3,fail=30,disconnect=20',
                   help='percent per kind (default page=42,search=5,slow=3,fail=30,disconnect=20)')
    p.add_argument('--port', type=int, default=0, help='port on 127.0.0.1 (default: a free one)')
    p.add_argument('--jar', default=None, help='the sample jar (default: sample-app/target/sample-app-*.jar, '
                   'built when missing or older than the sources)')
    p.add_argument('--no-build', action='store_true', help='never build, even when the jar looks stale')
    p.add_argument('--java', default=None, help='java executable (default: $JAVA_HOME/bin/java, else java)')
    p.add_argument('--jvm-args', default='', help='JVM options, as --jvm-args="-Xmx512m -Dspring.profiles.active=virtual"')
    p.add_argument('--app-args', default='', help='extra application arguments, as --app-args="--errgroup.executor.pool.core-size=4"')
    p.add_argument('--settle', type=float, default=20.0, help='longest wait for the app to come to rest (default 20 s)')
    p.add_argument('--max-late', type=float, default=10.0,
                   help='percent of page/fail requests allowed to answer 504 at the deadline when the machine is '
                   'too busy (default 10)')
    p.add_argument('--thread-tolerance', type=int, default=8,
                   help='threads, outside Tomcat\'s request pool, the second round may add to the first (default 8)')
    p.add_argument('--budget', type=float, default=115.0,
                   help='whole run from the app\'s start, in seconds; the rounds shrink to fit (default 115)')
    p.add_argument('--out', default=os.path.join(ROOT, 'target', 'load'), help='where to write the report')
    a = p.parse_args()
    mix = {}
    for part in a.mix.split(','):
        k, _, v = part.partition('=')
        if k not in ('page', 'search', 'slow', 'fail', 'disconnect'):
            p.error('unknown kind in --mix: ' + k)
        mix[k] = float(v)
    if sum(mix.values()) <= 0 or a.requests < 2 or a.concurrency < 1 or a.duration <= 0:
        p.error('need a positive mix, --requests >= 2, --concurrency >= 1, --duration > 0')
    a.mix = mix
    if a.warm_up is None:
        a.warm_up = max(200, min(400, a.requests // 10))
    return a


# ---------------------------------------------------------------------------------------------- jar

def newest_source(root):
    """The newest modification time among the sources and poms the sample jar is built from."""
    paths = [os.path.join(root, 'pom.xml')]
    for module in ('errgroup-core', 'errgroup-spring-boot-autoconfigure', 'errgroup-spring-boot-starter',
                   'sample-app'):
        paths.append(os.path.join(root, module, 'pom.xml'))
        for dirpath, _, files in os.walk(os.path.join(root, module, 'src', 'main')):
            paths += [os.path.join(dirpath, f) for f in files]
    return max(os.path.getmtime(p) for p in paths if os.path.exists(p))


def find_jar():
    jars = [j for j in glob.glob(os.path.join(ROOT, 'sample-app', 'target', 'sample-app-*.jar'))
            if not j.endswith(('-sources.jar', '-javadoc.jar', '.original'))]
    return max(jars, key=os.path.getmtime) if jars else None


def ensure_jar(args):
    if args.jar:
        if not os.path.isfile(args.jar):
            raise SetupError('no jar at ' + args.jar)
        return args.jar
    jar = find_jar()
    if jar and (args.no_build or os.path.getmtime(jar) >= newest_source(ROOT)):
        return jar
    why = 'missing' if not jar else 'older than the sources'
    print(f'Building the sample jar ({why}): mvn -B -q -pl sample-app -am package -DskipTests', flush=True)
    r = subprocess.run(['mvn', '-B', '-q', '-pl', 'sample-app', '-am', 'package', '-DskipTests'], cwd=ROOT)
    jar = find_jar()
    if r.returncode != 0 or not jar:
        raise SetupError('the build failed (mvn exit %d)' % r.returncode)
    return jar


class SetupError(Exception):
    pass


# ---------------------------------------------------------------------------------------------- app

def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


class App:
    def __init__(self, args, jar, port, log_path):
        java = args.java or (os.path.join(os.environ['JAVA_HOME'], 'bin', 'java') if os.environ.get('JAVA_HOME')
                             else 'java')
        self.base = 'http://127.0.0.1:%d' % port
        self.port = port
        self.cmd = ([java] + shlex.split(args.jvm_args) + ['-jar', jar, '--server.address=127.0.0.1',
                    '--server.port=%d' % port,
                    '--management.endpoints.web.exposure.include=health,prometheus,metrics,errgroups,threaddump']
                    + shlex.split(args.app_args))
        self.log_path = log_path
        self.proc = None

    def start(self, timeout):
        self.log = open(self.log_path, 'w')
        # Its own session: a Ctrl-C reaches this script only, which then stops the app itself.
        self.proc = subprocess.Popen(self.cmd, stdout=self.log, stderr=subprocess.STDOUT, cwd=ROOT,
                                     start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SetupError('the app exited with %d while starting; see %s:\n%s'
                                 % (self.proc.returncode, self.log_path, tail(self.log_path)))
            try:
                if json.loads(self.get('/actuator/health', timeout=2)).get('status') == 'UP':
                    return
            except (OSError, ValueError, http.client.HTTPException):
                pass
            time.sleep(0.25)
        raise SetupError('the app was not UP within %.0f s; see %s:\n%s' % (timeout, self.log_path,
                                                                          tail(self.log_path)))

    def get(self, path, timeout=10):
        with urllib.request.urlopen(self.base + path, timeout=timeout) as r:
            return r.read().decode()

    def stop(self):
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(5)
        finally:
            self.log.close()


def tail(path, n=15):
    try:
        with open(path, errors='replace') as f:
            return ''.join(f.readlines()[-n:])
    except OSError:
        return ''


# ------------------------------------------------------------------------------------------ metrics

LINE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)')
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def parse_prometheus(text):
    """[(name, {label: value}, float)] of every sample."""
    samples = []
    for line in text.splitlines():
        if not line or line.startswith('#'):
            continue
        m = LINE.match(line)
        if m:
            samples.append((m.group(1), dict(LABEL.findall(m.group(2) or '')), float(m.group(3))))
    return samples


def by_group(samples, metric, **labels):
    """{group: sum of the samples of `metric` whose labels include `labels`}."""
    out = collections.defaultdict(float)
    for n, ls, v in samples:
        if n == metric and all(ls.get(k) == val for k, val in labels.items()):
            out[ls.get('group', '')] += v
    return dict(out)


def one(samples, metric, **labels):
    vals = [v for n, ls, v in samples if n == metric and all(ls.get(k) == val for k, val in labels.items())]
    return sum(vals) if vals else None


class Snapshot:
    """What the app says about itself at one moment."""

    def __init__(self, app):
        self.at = time.monotonic()
        self.samples = parse_prometheus(app.get('/actuator/prometheus'))
        self.stats = json.loads(app.get('/downstream/stats'))
        self.db = json.loads(app.get('/db/stats'))
        s = self.samples
        self.groups = sorted(set(by_group(s, 'errgroup_tasks_spawned_total'))
                             | set(by_group(s, 'errgroup_groups_active')))
        self.spawned = by_group(s, 'errgroup_tasks_spawned_total')
        self.outcome = {o: by_group(s, 'errgroup_task_duration_seconds_count', outcome=o)
                        for o in ('success', 'failure', 'cancelled')}
        self.failed_total = by_group(s, 'errgroup_tasks_failed_total')
        self.cancelled_total = by_group(s, 'errgroup_tasks_cancelled_total')
        self.tasks_active = by_group(s, 'errgroup_tasks_active')
        self.groups_active = by_group(s, 'errgroup_groups_active')
        self.overdue = by_group(s, 'errgroup_tasks_overdue')
        # The observations (S27) make spans only: their derived meters are denied (one meter per
        # concept), so groups are counted by their tasks below, and open ones by errgroup.groups.active.
        self.live_threads = one(s, 'jvm_threads_live_threads')
        self.peak_threads = one(s, 'jvm_threads_peak_threads')
        self.started_threads = one(s, 'jvm_threads_started_threads_total')
        self.executor = {k: one(s, 'executor_' + k, name='errGroupTaskExecutor')
                         for k in ('active_threads', 'pool_size_threads', 'pool_core_threads', 'queued_tasks')}
        self.in_flight = {svc: c['started'] - c['completed'] - c['failed'] - c['abandoned']
                          for svc, c in self.stats.items()}

    def g(self, d, group):
        return d.get(group, 0.0)

    def invariant(self):
        """{group: (spawned, success, failure, cancelled)} plus 'TOTAL'."""
        rows = {}
        for grp in self.groups:
            rows[grp] = (self.g(self.spawned, grp),) + tuple(self.g(self.outcome[o], grp)
                                                             for o in ('success', 'failure', 'cancelled'))
        rows['TOTAL'] = tuple(sum(r[i] for r in rows.values()) for i in range(4)) if rows else (0, 0, 0, 0)
        return rows

    def at_rest(self):
        inv = self.invariant()
        return (all(v == 0 for v in self.tasks_active.values())
                and all(v == 0 for v in self.groups_active.values())
                and all(r[0] == r[1] + r[2] + r[3] for r in inv.values())
                and all(v == 0 for v in self.in_flight.values())
                and self.db['sleeping'] == 0 and self.db['pool'].get('active', 0) == 0)

    def progress(self):
        """Changes while requests are still being handled."""
        return (sum(self.spawned.values()),
                tuple(sorted((s, c['started']) for s, c in self.stats.items())),
                self.db['slowStatements']['started'])


def thread_dump(app, apart=1.0):
    """Two thread dumps `apart` seconds apart, for the app at rest. Counts come from the second; a
    thread is "stuck" only if it is so in both (a thread finishing the answer to the previous poll is
    not): a pool worker running a task rather than waiting for one, or any thread with an
    io.github.errgroup frame (a task body, a blocked await(), a request held in a group)."""
    def one():
        out = {}
        for t in json.loads(app.get('/actuator/threaddump', timeout=20))['threads']:
            frames = [f['className'] + '.' + f['methodName'] for f in t.get('stackTrace', [])]
            if any('ThreadDumpEndpoint' in f for f in frames):
                continue  # the thread serving this dump
            pooled = any(f.endswith('.runWorker') for f in frames)
            # Idle: waiting for work in a ThreadPoolExecutor (getTask) or a ForkJoinPool (awaitWork). A
            # ForkJoinPool carrying a virtual thread shows only Continuation.run, the virtual thread's
            # frames hidden (one of them serves this dump): the JVM's dump cannot say what it does.
            idle = any(f.endswith(('.getTask', '.awaitWork', 'VirtualThread.runContinuation')) for f in frames)
            out[t['threadId']] = {  # by id: names need not be unique
                'thread': t['threadName'], 'state': t['threadState'], 'pooled': pooled,
                'busy': pooled and not idle,
                'ours': [f for f in frames if f.startswith('io.github.errgroup')][:4], 'top': frames[:4]}
        return out
    first = one()
    time.sleep(apart)
    second = one()
    kinds = collections.Counter(re.sub(r'\d+', '#', t['thread']) for t in second.values())
    unpooled = collections.Counter(re.sub(r'\d+', '#', t['thread']) for t in second.values() if not t['pooled'])
    stuck = [t for n, t in second.items() if t['ours'] and first.get(n, {}).get('ours')]
    busy = [t for n, t in second.items() if t['busy'] and first.get(n, {}).get('busy')]
    return {'count': len(second) + 1, 'kinds': dict(sorted(kinds.items())), 'unpooled': dict(sorted(unpooled.items())),
            'stuck': stuck, 'busy': busy}


def stuck_stacks(app, apart=1.5):
    """The threads that stayed in errgroup code, on the same stack, across two dumps `apart` seconds
    apart (requests come and go far faster), as text: where a stuck request is stuck."""
    def dump():
        out = {}
        for t in json.loads(app.get('/actuator/threaddump', timeout=20))['threads']:
            frames = ['%s.%s(%s:%s)' % (f['className'], f['methodName'], f.get('fileName'), f.get('lineNumber'))
                      for f in t.get('stackTrace', [])]
            if any(f.startswith('io.github.errgroup') for f in frames) and not any(
                    'ThreadDumpEndpoint' in f for f in frames):
                out[t['threadId']] = (t['threadName'], t['threadState'], frames)
        return out
    first = dump()
    time.sleep(apart)
    second = dump()
    same = [v for i, v in second.items() if first.get(i) == v]
    return '\n'.join('"%s" %s\n%s' % (n, st, ''.join('    at %s\n' % f for f in frames))
                     for n, st, frames in sorted(same)) or 'no thread stayed on the same stack'


def settle(app, limit, quiet_polls=3):
    """Polls until the app is at rest and nothing moves for `quiet_polls` polls, or `limit` passes.
    Returns (snapshot, seconds waited, at rest?)."""
    start = time.monotonic()
    quiet, last = 0, None
    while True:
        snap = Snapshot(app)
        prog = snap.progress()
        if snap.at_rest() and prog == last:
            quiet += 1
        else:
            quiet = 0
        last = prog
        waited = time.monotonic() - start
        if quiet >= quiet_polls or waited >= limit:
            return snap, waited, quiet >= quiet_polls
        time.sleep(0.25)


# ---------------------------------------------------------------------------------------- requests

def plan(rng, n, mix, start_index):
    kinds = list(mix)
    weights = [mix[k] for k in kinds]
    out = []
    for i in range(n):
        kind = rng.choices(kinds, weights)[0]
        req = {'i': start_index + i, 'kind': kind}
        pid = rng.randint(1, 1000)
        if kind == 'page':
            req['path'] = '/api/products/%d' % pid
        elif kind == 'search':
            req['path'] = '/api/search?q=' + rng.choice(WORDS)
        elif kind == 'slow':
            req['path'] = '/api/products/%d?slow=%s' % (pid, rng.choice(SERVICES))
        elif kind == 'fail':
            bad = rng.choice(SERVICES)
            req['service'] = bad
            q = 'fail=' + bad
            if rng.random() < 0.5:  # a slow sibling too: its call must be aborted on the wire
                q += '&slow=' + rng.choice([s for s in SERVICES if s != bad])
            req['path'] = '/api/products/%d?%s' % (pid, q)
        else:  # disconnect: mostly requests that are surely still in flight when the client hangs up
            target = rng.choices(['slow', 'page', 'fail'], [50, 35, 15])[0]
            req['target'] = target
            if target == 'slow':
                req['path'] = '/api/products/%d?slow=%s' % (pid, rng.choice(SERVICES))
            elif target == 'page':
                req['path'] = '/api/products/%d' % pid
            else:
                req['path'] = '/api/products/%d?fail=%s&slow=%s' % (pid, 'pricing', 'reviews')
            req['after'] = rng.uniform(0.0, 0.3)
            req['reset'] = rng.random() < 0.5
        out.append(req)
    return out


class Worker:
    def __init__(self, port):
        self.port = port
        self.conn = None

    def close(self):
        if self.conn:
            self.conn.close()
            self.conn = None

    def fetch(self, path):
        """(status, seconds, error, retried, body of an error answer) of one GET over a kept-alive connection."""
        for attempt in (0, 1):
            reused = self.conn is not None and self.conn.sock is not None
            if self.conn is None:
                self.conn = http.client.HTTPConnection('127.0.0.1', self.port, timeout=30)
            t0 = time.perf_counter()
            try:
                self.conn.request('GET', path, headers={'Accept': 'application/json'})
                resp = self.conn.getresponse()
                body = resp.read()
                took = time.perf_counter() - t0
                if resp.will_close:
                    self.close()
                return resp.status, took, None, attempt > 0, body[:4096] if resp.status >= 400 else None
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError) as ex:
                self.close()
                if reused and attempt == 0:
                    continue  # the server closed an idle kept-alive connection: once more, on a new one
                return None, time.perf_counter() - t0, type(ex).__name__, attempt > 0, None
            except (OSError, http.client.HTTPException) as ex:
                self.close()
                return None, time.perf_counter() - t0, type(ex).__name__, attempt > 0, None

    def hang_up(self, req):
        """Sends the request on a new socket and closes it after req['after'] s without reading."""
        t0 = time.perf_counter()
        s = socket.create_connection(('127.0.0.1', self.port), timeout=5)
        try:
            s.sendall(('GET %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nAccept: application/json\r\n'
                       'Connection: close\r\n\r\n' % (req['path'], self.port)).encode())
            time.sleep(req['after'])
            s.setblocking(False)  # with a timeout set, recv would first wait for the answer
            try:
                answered = bool(s.recv(1, socket.MSG_PEEK))
            except OSError:  # BlockingIOError: nothing came back yet
                answered = False
            if req['reset']:
                s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack('ii', 1, 0))
        finally:
            s.close()
        return answered, time.perf_counter() - t0


def verdict(req, status, seconds, body):
    """'ok', 'deadline' (a 504 of a page whose group's deadline really passed: the server was too busy),
    or what was wrong."""
    try:
        problem = json.loads(body) if body else {}
    except ValueError:
        problem = {}
    detail = str(problem.get('detail', ''))
    kind = req['kind']
    if status is None:
        return 'no answer'
    if kind != 'search' and seconds >= SLOW_LIMIT:
        return 'status %d only after %.1f s: the group\'s deadline is %.0f ms' % (status, seconds, GROUP_TIMEOUT * 1000)
    if status == 504 and kind in ('page', 'fail', 'slow'):
        if seconds < GROUP_TIMEOUT:
            return '504 after %.0f ms, before the group\'s %.0f ms deadline' % (seconds * 1000, GROUP_TIMEOUT * 1000)
        if 'timed out' not in detail:
            return '504 whose detail does not say it timed out: ' + detail[:100]
        return 'ok' if kind == 'slow' else 'deadline'
    if status != EXPECTED[kind]:
        return 'status %d, expected %d' % (status, EXPECTED[kind])
    if kind == 'fail' and problem.get('service') != req['service']:
        return '502 naming %r, not the failing %r' % (problem.get('service'), req['service'])
    return 'ok'


def drive(port, reqs, concurrency, deadline, on_stuck=None):
    """Runs the planned requests with `concurrency` clients until done or past `deadline`. Calls
    on_stuck(path, seconds) once, from a watcher thread, if a product page is still unanswered
    STUCK_AFTER seconds after it was sent (its group's deadline is 800 ms): a chance to see why."""
    results = []
    lock = threading.Lock()
    it = iter(reqs)
    inflight = {}
    done = threading.Event()

    def run(n):
        w = Worker(port)
        try:
            while time.monotonic() < deadline:
                with lock:
                    req = next(it, None)
                if req is None:
                    return
                if req['kind'] in ('page', 'fail', 'slow'):
                    inflight[n] = (time.monotonic(), req['path'])
                r = {'i': req['i'], 'kind': req['kind'], 'path': req['path']}
                if req['kind'] == 'disconnect':
                    try:
                        r['answered_first'], r['seconds'] = w.hang_up(req)
                        r['reset'], r['target'] = req['reset'], req['target']
                    except OSError as ex:
                        r['error'] = type(ex).__name__
                else:
                    r['status'], r['seconds'], r['error'], r['retried'], body = w.fetch(req['path'])
                    r['verdict'] = verdict(req, r['status'], r['seconds'], body)
                inflight.pop(n, None)
                with lock:
                    results.append(r)
        finally:
            w.close()

    def watch():
        while not done.wait(0.25):
            now = time.monotonic()
            for since, path in list(inflight.values()):
                if now - since > STUCK_AFTER:
                    on_stuck(path, now - since)
                    return

    threads = [threading.Thread(target=run, args=(n,), daemon=True) for n in range(concurrency)]
    t0 = time.monotonic()
    for t in threads:
        t.start()
    watcher = threading.Thread(target=watch, daemon=True) if on_stuck else None
    if watcher:
        watcher.start()
    for t in threads:
        t.join()
    done.set()
    if watcher:
        watcher.join()
    return results, time.monotonic() - t0


# ------------------------------------------------------------------------------------------- report

def percentile(sorted_vals, p):
    """Nearest rank."""
    if not sorted_vals:
        return None
    k = max(0, min(len(sorted_vals) - 1, int(-(-p * len(sorted_vals) // 100)) - 1))
    return sorted_vals[k]


def latency_table(results):
    kinds = collections.OrderedDict()
    for kind in ('page', 'search', 'slow', 'fail', 'disconnect'):
        rs = [r for r in results if r['kind'] == kind]
        if not rs:
            continue
        row = {'count': len(rs)}
        if kind == 'disconnect':
            row['reset'] = sum(1 for r in rs if r.get('reset'))
            row['fin'] = sum(1 for r in rs if 'reset' in r and not r['reset'])
            row['answered_before_hang_up'] = sum(1 for r in rs if r.get('answered_first'))
            row['targets'] = dict(collections.Counter(r.get('target') for r in rs))
            row['errors'] = dict(collections.Counter(r['error'] for r in rs if r.get('error')))
        else:
            row['status'] = dict(sorted(collections.Counter(str(r['status'] or r['error']) for r in rs).items()))
            row['retried'] = sum(1 for r in rs if r.get('retried'))
            row['deadline_504'] = sum(1 for r in rs if r.get('verdict') == 'deadline')
            row['unexpected'] = sum(1 for r in rs if r.get('verdict') not in ('ok', 'deadline'))
            ms = sorted(r['seconds'] * 1000 for r in rs if r['status'] is not None)
            for name, p in (('p50', 50), ('p90', 90), ('p99', 99), ('p99.9', 99.9)):
                row[name + '_ms'] = round(percentile(ms, p), 1) if ms else None
            row['max_ms'] = round(ms[-1], 1) if ms else None
            row['slowest'] = ['%s %s %.0f ms' % (r['path'], r['status'] or r['error'], r['seconds'] * 1000)
                              for r in sorted(rs, key=lambda r: -r['seconds'])[:3]]
        kinds[kind] = row
    return kinds


class Checks:
    def __init__(self):
        self.items = []

    def add(self, name, ok, detail):
        self.items.append({'check': name, 'ok': bool(ok), 'detail': detail})

    def failed(self):
        return [c for c in self.items if not c['ok']]


def evaluate(checks, args, results, base, after, rounds, base_dump, dumps, rested):
    # Status (and problem detail) of every answered request.
    answered = [r for r in results if r['kind'] != 'disconnect']
    wrong = [r for r in answered if r['verdict'] not in ('ok', 'deadline')]
    late = [r for r in answered if r['verdict'] == 'deadline']
    checks.add('expected answers', not wrong and answered,
               '%d of %d answered as expected%s' % (
                   len(answered) - len(wrong), len(answered),
                   '' if not wrong else '; unexpected: ' + ', '.join(
                       '%s %s -> %s' % (r['kind'], r['path'], r['verdict'] if r['status'] else r['error'])
                       for r in wrong[:8])))
    could_be_late = [r for r in answered if r['kind'] in ('page', 'fail')]
    share = 100.0 * len(late) / max(1, len(could_be_late))
    checks.add('few pages past their deadline', share <= args.max_late,
               '%d of %d page/fail requests answered 504 at the 800 ms deadline (%.1f%%, at most %g%%): '
               'the server was too busy, not a wrong answer' % (len(late), len(could_be_late), share, args.max_late))
    hang_errors = [r for r in results if r['kind'] == 'disconnect' and r.get('error')]
    checks.add('hang-ups sent', not hang_errors,
               '%d disconnecting clients could not send their request' % len(hang_errors))

    checks.add('at rest', rested, 'app at rest within %.0f s after the last round' % args.settle if rested
               else 'still busy after %.0f s' % args.settle)
    ta = {g: v for g, v in after.tasks_active.items()}
    ga = {g: v for g, v in after.groups_active.items()}
    ov = {g: v for g, v in after.overdue.items()}
    checks.add('errgroup.tasks.active = 0', ta and all(v == 0 for v in ta.values()), fmt_groups(ta))
    checks.add('errgroup.groups.active = 0', ga and all(v == 0 for v in ga.values()), fmt_groups(ga))
    checks.add('errgroup.tasks.overdue = 0', all(v == 0 for v in ov.values()), fmt_groups(ov))

    inv = after.invariant()
    bad = {g: r for g, r in inv.items() if r[0] != r[1] + r[2] + r[3]}
    checks.add('spawned = success + failure + cancelled', not bad and inv['TOTAL'][0] > 0, '; '.join(
        '%s %d = %d + %d + %d' % ((g,) + tuple(int(x) for x in r)) for g, r in inv.items()))
    agree = [g for g in after.groups
             if after.g(after.failed_total, g) != after.g(after.outcome['failure'], g)
             or after.g(after.cancelled_total, g) != after.g(after.outcome['cancelled'], g)]
    checks.add('tasks.failed / tasks.cancelled agree with the timer', not agree,
               'disagree for ' + ', '.join(agree) if agree else 'per group, both counters = timer outcomes')

    # Every group spawns exactly its fan-out, so its tasks count its groups (no meter counts closed
    # groups: S26 has none, and the observations' derived ones are denied); the product groups then
    # account for the requests.
    fan = {}
    for grp, per in TASKS_PER_GROUP.items():
        spawned = int(after.g(after.spawned, grp) - base.g(base.spawned, grp))
        fan[grp] = (spawned // per, spawned, per)
    bad_fan = {g: v for g, v in fan.items() if v[1] % v[2] != 0}
    checks.add('tasks per group', not bad_fan and fan['product'][0] > 0, '; '.join(
        '%s: %d tasks = %d groups of %d' % (g, v[1], v[0], v[2]) for g, v in fan.items()))
    product_answered = sum(1 for r in answered if r['kind'] in ('page', 'slow', 'fail') and r['status'])
    product_hung = sum(1 for r in results if r['kind'] == 'disconnect')
    pg = fan['product'][0]
    checks.add('a product group per product request', product_answered <= pg <= product_answered + product_hung,
               '%d product groups for %d answered + %d hung-up product requests' % (
                   pg, product_answered, product_hung))
    sg = fan['search'][0]
    searches = sum(1 for r in answered if r['kind'] == 'search' and r['status'])
    checks.add('a search group per search', sg == searches, '%d search groups for %d searches' % (sg, searches))

    fl = {s: v for s, v in after.in_flight.items() if v}
    checks.add('no downstream call running', not fl, 'running: %s' % fl if fl else
               'started = completed + failed + abandoned for every service')

    db, slow = after.db, after.db['slowStatements']
    ended = slow['completed'] + slow['cancelled'] + slow['interrupted'] + slow['failed']
    checks.add('no statement running in the database',
               db['sleeping'] == 0 and db['pool'].get('active', 0) == 0 and slow['started'] == ended,
               '%s: %d slow statements sleeping, pool %s; slow statements started %d, ended %d' % (
                   db['database'], db['sleeping'], db['pool'], slow['started'], ended))
    checks.add('slow statements cancelled on the database', slow['started'] > 0 and slow['cancelled'] == ended,
               'of %d slow statements: %d cancelled (57014), %d interrupted, %d completed, %d failed' % (
                   slow['started'], slow['cancelled'], slow['interrupted'], slow['completed'], slow['failed']))

    # Threads: see THREADS in the docstring.
    tol = args.thread_tolerance
    (_, r1), (_, r2) = rounds[0], rounds[-1]
    d1, d2 = dumps[0], dumps[-1]
    tomcat = [k for k in set(d1['kinds']) | set(d2['kinds']) if TOMCAT_POOL.match(k)]
    t1, t2 = (sum(d['kinds'].get(k, 0) for k in tomcat) for d in (d1, d2))
    grew = (d2['count'] - t2) - (d1['count'] - t1)
    checks.add('threads do not grow with requests', grew <= tol and t2 <= TOMCAT_MAX,
               'threads outside Tomcat\'s request pool: %d after round 1, %d after round 2 (%+d, at most +%d); '
               'Tomcat\'s pool (bounded, %d at most): %d, %d; JVM live threads: %d after the warm-up, %d, %d; '
               'growth since the warm-up by kind: %s' % (
                   d1['count'] - t1, d2['count'] - t2, grew, tol, TOMCAT_MAX, t1, t2, base.live_threads,
                   r1.live_threads, r2.live_threads, thread_kinds_delta(base_dump, d2) or 'none'))
    b_un, a_un = sum(base_dump['unpooled'].values()), sum(dumps[-1]['unpooled'].values())
    checks.add('no stray thread', a_un - b_un <= 2,
               '%d threads outside a pool after the load, %d after the warm-up%s' % (
                   a_un, b_un, '' if a_un - b_un <= 2 else '; new: %s' % {
                       k: v - base_dump['unpooled'].get(k, 0) for k, v in dumps[-1]['unpooled'].items()
                       if v != base_dump['unpooled'].get(k, 0)}))
    stuck = dumps[-1]['stuck']
    checks.add('no thread left in errgroup code', not stuck,
               '; '.join('%s %s at %s' % (t['thread'], t['state'], t['ours'][0]) for t in stuck[:6])
               if stuck else 'no thread at rest has an io.github.errgroup frame (two dumps, 1 s apart)')
    busy = dumps[-1]['busy']
    checks.add('every pool thread idle', not busy,
               '; '.join('%s %s at %s' % (t['thread'], t['state'], ' < '.join(t['top'][:2])) for t in busy[:6])
               if busy else 'every pool worker at rest waits for work (two dumps, 1 s apart)')
    ex = after.executor
    if ex['active_threads'] is not None:
        ok = ex['active_threads'] == 0 and ex['queued_tasks'] == 0 and (
            ex['pool_size_threads'] <= max(ex['pool_core_threads'], base.executor['pool_size_threads'] or 0))
        checks.add('errGroupTaskExecutor idle', ok, 'active %d, queued %d, pool %d (core %d, baseline %d)' % (
            ex['active_threads'], ex['queued_tasks'], ex['pool_size_threads'], ex['pool_core_threads'],
            base.executor['pool_size_threads'] or 0))


def fmt_groups(d):
    return ', '.join('%s=%g' % kv for kv in sorted(d.items())) or '(no meters)'


def thread_kinds_delta(a, b):
    keys = sorted(set(a['kinds']) | set(b['kinds']))
    return {k: b['kinds'].get(k, 0) - a['kinds'].get(k, 0) for k in keys
            if b['kinds'].get(k, 0) != a['kinds'].get(k, 0)}


# --------------------------------------------------------------------------------------------- main

def main():
    args = parse_args()
    os.makedirs(args.out, exist_ok=True)
    stamp = time.strftime('%Y%m%d-%H%M%S')
    report_path = os.path.join(args.out, stamp + '.json')
    log_path = os.path.join(args.out, stamp + '-app.log')
    try:
        jar = ensure_jar(args)
    except SetupError as ex:
        print('SETUP FAILED: %s' % ex, file=sys.stderr)
        return 2
    port = args.port or free_port()
    app = App(args, jar, port, log_path)

    def on_term(signum, frame):
        raise KeyboardInterrupt('signal %d' % signum)
    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGINT, on_term)  # even where SIGINT came in ignored (a background job)

    t_start = time.monotonic()
    budget_end = t_start + args.budget
    print('Starting %s on 127.0.0.1:%d (log %s)' % (os.path.relpath(jar, ROOT), port, os.path.relpath(log_path, ROOT)),
          flush=True)
    try:
        try:
            app.start(timeout=min(60.0, args.budget / 2))
        except SetupError as ex:
            print('SETUP FAILED: %s' % ex, file=sys.stderr)
            return 2
        started_in = time.monotonic() - t_start
        java_version = first_line(app.cmd[0])
        rng = random.Random(args.seed)
        warm = plan(rng, args.warm_up, args.mix, 0)
        half = args.requests // 2
        rounds_plan = [plan(rng, half, args.mix, args.warm_up),
                       plan(rng, args.requests - half, args.mix, args.warm_up + half)]

        # Warm-up at the same concurrency and mix: the pools reach their working size.
        wdeadline = time.monotonic() + min(15.0, args.duration / 4)
        warm_results, warm_secs = drive(port, warm, args.concurrency, wdeadline)
        base, base_wait, _ = settle(app, args.settle)
        base_dump = thread_dump(app)
        print('Up in %.1f s; warm-up %d requests in %.1f s; baseline: %d live threads, %d tasks spawned so far'
              % (started_in, len(warm_results), warm_secs, base.live_threads, sum(base.spawned.values())),
              flush=True)

        # Two measured rounds, each with half the requests and half the time, fitted into the budget.
        reserve = args.settle + 2 * 3 + 12  # final and in-between settles, dumps, stopping the app
        available = max(2.0, budget_end - time.monotonic() - reserve)
        round_time = min(args.duration, available) / 2
        results, round_secs, snaps, dumps = [], [], [], []
        stuck_dumps = []

        def on_stuck(path, secs):
            if stuck_dumps:
                return
            dump_path = os.path.join(args.out, stamp + '-stuck-threads.txt')
            stuck_dumps.append(os.path.relpath(dump_path, ROOT))
            try:
                text = stuck_stacks(app)
            except (OSError, ValueError) as ex:
                text = 'thread dump failed: %r' % ex
            with open(dump_path, 'w') as f:
                f.write('%s unanswered after %.1f s; threads on the same stack in two dumps 1.5 s apart:\n\n%s'
                        % (path, secs, text))
            print('  %s still unanswered after %.1f s: thread dump in %s' % (path, secs, stuck_dumps[0]),
                  flush=True)
        for n, reqs in enumerate(rounds_plan, 1):
            rs, secs = drive(port, reqs, args.concurrency, time.monotonic() + round_time, on_stuck)
            results += rs
            round_secs.append(secs)
            last = n == len(rounds_plan)
            snap, waited, rested = settle(app, args.settle if last else min(5.0, args.settle))
            dump = thread_dump(app)
            snaps.append(('after round %d' % n, snap))
            dumps.append(dump)
            print('Round %d: %d/%d requests in %.1f s; at rest after %.1f s: %s; %d live threads'
                  % (n, len(rs), len(reqs), secs, waited, rested, snap.live_threads), flush=True)
        after = snaps[-1][1]

        checks = Checks()
        evaluate(checks, args, results, base, after, snaps, base_dump, dumps, rested)
        app_log_problems = [l.rstrip() for l in open(log_path, errors='replace')
                            if re.search(r'\b(ERROR|FATAL)\b|Exception in thread', l)]
        checks.add('no ERROR in the app log', not app_log_problems,
                   '%d lines, first: %s' % (len(app_log_problems), app_log_problems[0][:200])
                   if app_log_problems else 'none')
        elapsed = time.monotonic() - t_start
        checks.add('within the time budget', elapsed <= args.budget + 5,
                   '%.1f s from the app\'s start to the checks (budget %.0f s)' % (elapsed, args.budget))
        table = latency_table(results)
        mix_done = collections.Counter(r['kind'] for r in results)
        report = {
            'when': stamp,
            'command': ' '.join(shlex.quote(a) for a in sys.argv),
            'java': java_version,
            'app_command': app.cmd,
            'config': {'requests': args.requests, 'concurrency': args.concurrency, 'duration_s': args.duration,
                       'seed': args.seed, 'mix_percent': args.mix, 'warm_up': args.warm_up,
                       'thread_tolerance': args.thread_tolerance, 'budget_s': args.budget},
            'app_started_s': round(started_in, 1),
            'rounds_s': [round(s, 1) for s in round_secs],
            'requests_done': len(results),
            'mix_done': dict(mix_done),
            'throughput_rps': round(len(results) / sum(round_secs), 1) if sum(round_secs) else None,
            'kinds': table,
            'threads': {
                'baseline_live': base.live_threads,
                'after_rounds_live': [s.live_threads for _, s in snaps],
                'peak': after.peak_threads,
                'started_total': after.started_threads,
                'baseline_dump': base_dump['kinds'],
                'growth_by_kind': thread_kinds_delta(base_dump, dumps[-1]),
                'errGroupTaskExecutor': after.executor,
            },
            'meters': {
                'invariant': {g: dict(zip(('spawned', 'success', 'failure', 'cancelled'), map(int, r)))
                              for g, r in after.invariant().items()},
                'tasks_active': after.tasks_active, 'groups_active': after.groups_active,
                'tasks_overdue': after.overdue,
                'failed_by_exception': {'%s/%s' % (ls.get('group'), ls.get('exception')): v
                                        for n, ls, v in after.samples if n == 'errgroup_tasks_failed_total'},
            },
            'downstream': after.stats,
            'app_log': os.path.relpath(log_path, ROOT),
            'app_log_problems': app_log_problems[:20],
            'stuck_thread_dump': stuck_dumps[0] if stuck_dumps else None,
            'checks': checks.items,
            'elapsed_s': round(elapsed, 1),
        }
        with open(report_path, 'w') as f:
            json.dump(report, f, indent=2)
        print_summary(report, os.path.relpath(report_path, ROOT))
        failed = checks.failed()
        if failed:
            print('\nFAILED: ' + '; '.join(c['check'] for c in failed))
            return 1
        print('\nAll %d checks passed.' % len(checks.items))
        return 0
    except KeyboardInterrupt:
        print('\nInterrupted: stopping the app.', file=sys.stderr)
        return 130
    finally:
        app.stop()


def first_line(java):
    try:
        out = subprocess.run([java, '-version'], capture_output=True, text=True, timeout=20)
        return (out.stderr or out.stdout).splitlines()[0]
    except (OSError, subprocess.SubprocessError, IndexError):
        return '?'


def print_summary(rep, path):
    c = rep['config']
    print('\n## Load: %d requests, %d clients, seed %d (%s)' % (rep['requests_done'], c['concurrency'], c['seed'],
                                                              rep['java']))
    print('mix done: %s; rounds %s s; %.1f req/s' % (
        ', '.join('%s %d' % kv for kv in sorted(rep['mix_done'].items())), rep['rounds_s'], rep['throughput_rps'] or 0))
    print('\n| kind | count | status | p50 ms | p90 ms | p99 ms | p99.9 ms | max ms |')
    print('|---|---|---|---|---|---|---|---|')
    for kind, row in rep['kinds'].items():
        if kind == 'disconnect':
            print('| disconnect | %d | %d RST, %d FIN; %d answered before the hang-up; targets %s | | | | | |' % (
                row['count'], row['reset'], row['fin'], row['answered_before_hang_up'],
                ', '.join('%s %d' % kv for kv in sorted(row['targets'].items()))))
        else:
            print('| %s | %d | %s | %s | %s | %s | %s | %s |' % (
                kind, row['count'], ', '.join('%s: %d' % kv for kv in row['status'].items()), row['p50_ms'],
                row['p90_ms'], row['p99_ms'], row['p99.9_ms'], row['max_ms']))
    t = rep['threads']
    ex = t['errGroupTaskExecutor']
    print('\nthreads: baseline %d live, after rounds %s, peak %d; growth by kind %s; errGroupTaskExecutor %s' % (
        t['baseline_live'], t['after_rounds_live'], t['peak'], t['growth_by_kind'] or '{}',
        'n/a (no pool: virtual threads)' if ex['active_threads'] is None else
        'active %d, pool %d, queued %d' % (ex['active_threads'], ex['pool_size_threads'], ex['queued_tasks'])))
    inv = rep['meters']['invariant']
    print('invariant: ' + '; '.join('%s %d = %d + %d + %d' % (g, r['spawned'], r['success'], r['failure'],
                                                               r['cancelled']) for g, r in inv.items()))
    ab = sum(s['abandoned'] for s in rep['downstream'].values())
    print('downstream calls abandoned on the wire: %d' % ab)
    print('\n| check | ok | detail |\n|---|---|---|')
    for ch in rep['checks']:
        print('| %s | %s | %s |' % (ch['check'], 'yes' if ch['ok'] else '**NO**', ch['detail']))
    print('\nreport: %s; app log: %s; took %.1f s' % (path, rep['app_log'], rep['elapsed_s']))


if __name__ == '__main__':
    sys.exit(main())
