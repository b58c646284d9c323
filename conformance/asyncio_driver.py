#!/usr/bin/env python3
"""Run chaosq queue programs on CPython's real asyncio queues.

Usage:  asyncio_driver.py BATCH_FILE      (or "-" to read the batch from stdin)

The program format and the observation log printed on stdout are specified in
README.md next to this file.  Standard library only.

How it works
------------
Each program gets a fresh event loop that is never actually run.  Every
operation except ``step`` is an ordinary synchronous call made outside the loop
(``put_nowait``, ``task.cancel()``, ``loop.create_task(q.get())``, ... need no
running loop).  ``step`` plays the part of one iteration of
``BaseEventLoop._run_once`` restricted to a single callback: it pops the
leftmost Handle from ``loop._ready`` and runs it, exactly as ``Handle._run``
would, with ``loop`` installed as the running loop for the duration (queue
methods bind to and create futures on the running loop).

Which task a handle belongs to: every callback a program can schedule is one
of a task's two entry points, ``Task.__step`` (scheduled by ``create_task``)
or ``Task.__wakeup`` (a done-callback on the future the task awaits, scheduled
by ``set_result``/``cancel``).  With the C-accelerated Task (the default) these
are a ``TaskStepMethWrapper`` and the bound builtin method ``task_wakeup``;
both expose the task as ``__self__``, as do the bound methods of the pure
Python Task.  Anything else in the ready queue is a broken assumption and
aborts the run (exit 3).

Exit status: 0 on success, 2 for malformed input (one message on stderr naming
the program and the 1-based line of the batch file), 3 if asyncio did
something this driver does not model.  Input errors are detected per program
before that program runs, so a program's log is either complete or absent.
"""

import asyncio
import re
import sys
import traceback
from asyncio import events

PYTHON_VERSION = "%d.%d.%d" % sys.version_info[:3]
HAS_SHUTDOWN = hasattr(asyncio.Queue, "shutdown")  # new in 3.13

QUEUE_CLASSES = {
    "fifo": asyncio.Queue,
    "lifo": asyncio.LifoQueue,
    "priority": asyncio.PriorityQueue,
}

# Exceptions that the synchronous queue operations report as their result.
# Anything else escaping them is a driver bug and gets a traceback.
QUEUE_ERRORS = (asyncio.QueueEmpty, asyncio.QueueFull, ValueError)
if HAS_SHUTDOWN:
    QUEUE_ERRORS += (asyncio.QueueShutDown,)

# Operation codes of parsed programs.
(OP_QUEUE, OP_SPAWN_GET, OP_SPAWN_PUT, OP_SPAWN_JOIN, OP_PUT_NOWAIT,
 OP_GET_NOWAIT, OP_TASK_DONE, OP_CANCEL, OP_SHUTDOWN, OP_SHUTDOWN_IMMEDIATE,
 OP_STEP) = range(11)

VALUE_RE = re.compile(r"[0-9]+\Z")        # put values: non-negative
MAXSIZE_RE = re.compile(r"-?[0-9]+\Z")    # maxsize: <= 0 means unbounded
TASK_RE = re.compile(r"t(0|[1-9][0-9]*)\Z")


class InputError(Exception):
    """Malformed batch input; reported as 'line N: message', exit code 2."""


class DriverError(Exception):
    """asyncio behaved in a way the driver does not model; exit code 3."""


# --------------------------------------------------------------------------
# Parsing
# --------------------------------------------------------------------------

def parse_program(lines):
    """Validate one program given as [(lineno, tokens), ...].

    Returns a list of (opcode, argument, operation text).  The operation text
    echoed in the log is the line with its whitespace normalised.
    """
    if not lines:
        raise InputError("program has no operations (expected 'queue ...' first)")
    ops = []
    spawned = 0  # tasks spawned so far, to validate 'cancel t<k>'
    for index, (lineno, tok) in enumerate(lines):
        text = " ".join(tok)
        name, args = tok[0], tok[1:]

        def bad(message):
            return InputError("line %d: %s: %r" % (lineno, message, text))

        def arity(n):
            if len(args) != n:
                raise bad("'%s' takes %d argument%s"
                          % (name, n, "" if n == 1 else "s"))

        def value(s):
            if not VALUE_RE.match(s):
                raise bad("bad value %r (expected a non-negative integer)" % s)
            return int(s)

        if name == "queue":
            if index != 0:
                raise bad("second 'queue' operation")
            arity(2)
            if args[0] not in QUEUE_CLASSES:
                raise bad("unknown queue kind %r (expected fifo, lifo or priority)"
                          % args[0])
            if not MAXSIZE_RE.match(args[1]):
                raise bad("bad maxsize %r (expected an integer)" % args[1])
            ops.append((OP_QUEUE, (QUEUE_CLASSES[args[0]], int(args[1])), text))
            continue
        if index == 0:
            raise bad("the first operation must be 'queue <fifo|lifo|priority> <maxsize>'")

        if name == "step":
            arity(0)
            op = (OP_STEP, None, text)
        elif name == "spawn":
            if not args or args[0] not in ("get", "put", "join"):
                raise bad("expected 'spawn get', 'spawn put V' or 'spawn join'")
            if args[0] == "put":
                if len(args) != 2:
                    raise bad("'spawn put' takes 1 argument")
                op = (OP_SPAWN_PUT, value(args[1]), text)
            else:
                if len(args) != 1:
                    raise bad("'spawn %s' takes no argument" % args[0])
                op = (OP_SPAWN_GET if args[0] == "get" else OP_SPAWN_JOIN, None, text)
            spawned += 1
        elif name == "put_nowait":
            arity(1)
            op = (OP_PUT_NOWAIT, value(args[0]), text)
        elif name == "get_nowait":
            arity(0)
            op = (OP_GET_NOWAIT, None, text)
        elif name == "task_done":
            arity(0)
            op = (OP_TASK_DONE, None, text)
        elif name == "cancel":
            arity(1)
            m = TASK_RE.match(args[0])
            if not m:
                raise bad("bad task id %r (expected t<k>)" % args[0])
            k = int(m.group(1))
            if k >= spawned:
                raise bad("unknown task %s (%d task%s spawned so far)"
                          % (args[0], spawned, "" if spawned == 1 else "s"))
            op = (OP_CANCEL, k, text)
        elif name == "shutdown":
            if args not in ([], ["immediate"]):
                raise bad("expected 'shutdown' or 'shutdown immediate'")
            if not HAS_SHUTDOWN:
                raise bad("'shutdown' needs asyncio.Queue.shutdown (Python >= 3.13), "
                          "this is Python %s" % PYTHON_VERSION)
            op = (OP_SHUTDOWN_IMMEDIATE if args else OP_SHUTDOWN, None, text)
        else:
            raise bad("unknown operation %r" % name)
        ops.append(op)
    return ops


def read_programs(stream):
    """Yield (program number, header line number, [(lineno, tokens), ...])."""
    number = header_line = None
    body = []
    for lineno, line in enumerate(stream, 1):
        tok = line.split()
        if not tok or tok[0].startswith("#"):
            continue
        if tok[0] == "program":
            if len(tok) != 2 or not VALUE_RE.match(tok[1]):
                raise InputError("line %d: bad program header %r (expected 'program <k>')"
                                 % (lineno, " ".join(tok)))
            if number is not None:
                yield number, header_line, body
            number, header_line, body = int(tok[1]), lineno, []
        elif number is None:
            raise InputError("line %d: expected a 'program <k>' header before %r"
                             % (lineno, " ".join(tok)))
        else:
            body.append((lineno, tok))
    if number is not None:
        yield number, header_line, body


# --------------------------------------------------------------------------
# Execution
# --------------------------------------------------------------------------

def task_state(task, is_get):
    """The README's task state; also marks any exception as retrieved."""
    if not task.done():
        return "pending"
    if task.cancelled():
        return "cancelled"
    exc = task.exception()
    if exc is not None:
        return "raised " + type(exc).__name__
    return "ok %r" % (task.result(),) if is_get else "ok"


def run_program(number, ops):
    """Run one parsed program; return its log lines (header included)."""
    out = ["program %d" % number]
    loop = asyncio.new_event_loop()
    ready = loop._ready                 # deque of asyncio.events.Handle
    tasks = []                          # [(task, is_get)] in spawn order
    task_ids = {}                       # task -> k
    q = None
    try:
        for code, arg, text in ops:
            if code == OP_STEP:
                if not ready:
                    result = "idle"
                else:
                    handle = ready.popleft()
                    if handle._cancelled:   # _run_once would skip it silently
                        raise DriverError("cancelled handle in the ready queue: %r"
                                          % (handle,))
                    callback = handle._callback
                    k = task_ids.get(getattr(callback, "__self__", None))
                    if k is None:
                        raise DriverError("ready handle is not one of this program's "
                                          "tasks: %r" % (handle,))
                    # Equivalent to handle._run(), except that an exception
                    # escaping the callback (the task catches everything its
                    # coroutine raises) is fatal instead of being logged.
                    events._set_running_loop(loop)
                    try:
                        handle._context.run(callback, *handle._args)
                    except Exception:
                        raise DriverError("callback %r raised:\n%s"
                                          % (handle, traceback.format_exc()))
                    finally:
                        events._set_running_loop(None)
                    task, is_get = tasks[k]
                    result = "t%d %s" % (k, task_state(task, is_get))
            elif code == OP_QUEUE:
                cls, maxsize = arg
                q = cls(maxsize)
                result = "ok"
            elif code in (OP_SPAWN_GET, OP_SPAWN_PUT, OP_SPAWN_JOIN):
                if code == OP_SPAWN_GET:
                    coro = q.get()
                elif code == OP_SPAWN_PUT:
                    coro = q.put(arg)
                else:
                    coro = q.join()
                task = loop.create_task(coro)
                task_ids[task] = k = len(tasks)
                tasks.append((task, code == OP_SPAWN_GET))
                result = "t%d" % k
            elif code == OP_PUT_NOWAIT:
                try:
                    q.put_nowait(arg)
                    result = "ok"
                except QUEUE_ERRORS as exc:
                    result = type(exc).__name__
            elif code == OP_GET_NOWAIT:
                try:
                    result = repr(q.get_nowait())
                except QUEUE_ERRORS as exc:
                    result = type(exc).__name__
            elif code == OP_TASK_DONE:
                try:
                    q.task_done()
                    result = "ok"
                except QUEUE_ERRORS as exc:
                    result = type(exc).__name__
            elif code == OP_CANCEL:
                result = "true" if tasks[arg][0].cancel() else "false"
            elif code == OP_SHUTDOWN:
                q.shutdown()
                result = "ok"
            else:  # OP_SHUTDOWN_IMMEDIATE
                q.shutdown(immediate=True)
                result = "ok"

            out.append("%s -> %s | items=%r unfinished=%d getters=%d putters=%d "
                       "finished=%s shutdown=%d" % (
                           text, result, list(q._queue), q._unfinished_tasks,
                           len(q._getters), len(q._putters),
                           "set" if q._finished.is_set() else "clear",
                           getattr(q, "_is_shutdown", False)))

        out.append(" ".join(["end"] + ["t%d=%s" % (k, task_state(task, is_get))
                                       for k, (task, is_get) in enumerate(tasks)]))
    finally:
        # Dispose of the program quietly.  Closing the coroutine of each
        # still-pending task now, while the loop is open, runs its cleanup
        # (the except/finally blocks in get/put/Event.wait, which cancel a
        # future and so call loop.call_soon) and prevents both the "coroutine
        # ... was never awaited" RuntimeWarning for tasks that never started
        # and an "Exception ignored" report if that cleanup ran at garbage
        # collection time after loop.close().  _log_destroy_pending = False
        # suppresses "Task was destroyed but it is pending!".  Whatever the
        # cleanup scheduled is discarded by loop.close(), which does not run
        # the loop.
        for task, _ in tasks:
            if not task.done():
                task._log_destroy_pending = False
                task.get_coro().close()
        loop.close()
    return out


def main(argv):
    if len(argv) != 2:
        sys.stderr.write("usage: %s BATCH_FILE|-\n" % argv[0])
        return 2
    try:
        if argv[1] == "-":
            stream = sys.stdin
            stream.reconfigure(errors="replace")
        else:
            stream = open(argv[1], encoding="utf-8", errors="replace")
    except OSError as exc:
        sys.stderr.write("asyncio_driver: cannot read %s: %s\n" % (argv[1], exc.strerror))
        return 2

    write = sys.stdout.write
    write("python %s\n" % PYTHON_VERSION)
    number = None
    try:
        with stream:
            for number, header_line, body in read_programs(stream):
                try:
                    ops = parse_program(body)
                except InputError as exc:
                    if not body:
                        exc = InputError("line %d: %s" % (header_line, exc))
                    raise InputError("program %d, %s" % (number, exc))
                write("\n".join(run_program(number, ops)) + "\n")
        sys.stdout.flush()
    except InputError as exc:
        sys.stdout.flush()
        sys.stderr.write("asyncio_driver: error: %s\n" % exc)
        return 2
    except DriverError as exc:
        sys.stdout.flush()
        sys.stderr.write("asyncio_driver: internal error in program %s: %s\n"
                         % (number, exc))
        return 3
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv))
    except BrokenPipeError:
        # Reader went away (e.g. "| head"): exit quietly, as the Python docs
        # recommend, without a second error when stdout is flushed at exit.
        import os
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(1)
