"""The controlled event loop: a real asyncio program, stepped one ready handle at a time.

`run_program(run, main)` runs the program's `main()` on a fresh `ControlledLoop`. The loop has no
selector and a virtual clock; each step runs exactly one ready handle, the one at the index
`run.pick(tasks)` chooses among the tasks the ready handles resume, in the ready queue's order
(0 is asyncio's own FIFO order; -1 stands for a plain callback). Everything the
program does to its queue, every task it makes and every step is reported to `run`, and the
faults `run` asks for are carried out inside the program's own code. A run is a pure function of
the decisions `run` hands out: the same decisions give the same calls on `run`.
"""

import heapq
import itertools
import os
import sys
import threading
import types
from asyncio import base_events, events, exceptions, futures, queues, tasks, timeouts

from chaosq._errors import InjectedCrash
from chaosq._observe import QueueObserver, require_shutdown

_PENDING = futures._PENDING
_NOT_USER = (os.path.dirname(events.__file__) + os.sep, os.path.dirname(__file__) + os.sep)

# Where a task's cancel() comes from when a timeout cancels it: asyncio.timeout() (which is also
# wait_for on 3.12+), and on 3.11 wait_for cancelling the task it wrapped the awaitable in.
_ON_TIMEOUT = timeouts.Timeout._on_timeout.__code__
_CANCEL_AND_WAIT = tasks._cancel_and_wait.__code__
_WAIT_FOR = tasks.wait_for.__code__


def _cancelled_by_timeout(caller) -> bool:
    """Whether a cancel() called from frame `caller` is a timeout expiring."""
    code = caller.f_code
    if code is _ON_TIMEOUT:
        return True
    outer = caller.f_back
    # wait_for also cancels its inner task when it is itself cancelled; it is then handling that
    # CancelledError.
    return (code is _CANCEL_AND_WAIT and outer is not None and outer.f_code is _WAIT_FOR
            and not isinstance(sys.exception(), exceptions.CancelledError))


class _Task(tasks._PyTask):
    """asyncio's pure-Python Task: its step can be resumed with an exception (`_Task__step`),
    and a ready handle's callback is a bound method of it, so the loop sees which task it resumes.
    """

    _cq_id = -1  # the id `run.add_task` gave it
    _cq_held = ()  # ids of the items it got and has not acknowledged yet, in the order got
    _cq_label = None  # the label of the chaosq.point it is suspended at
    _cq_crash = None  # an InjectedCrash to deliver at its next resumption
    _cq_fresh = False  # it got an item and has not been resumed since
    _cq_waits = None  # what it last began waiting in: "get", "put" or "join"
    _cq_timed_out = False  # its latest cancel() was a timeout expiring

    def __init__(self, coro, *, loop, name, context, serial: int) -> None:
        self._cq_serial = serial  # set first: the task joins asyncio's WeakSet of tasks
        super().__init__(coro, loop=loop, name=name, context=context)

    def __hash__(self) -> int:
        """Its place in the run's creation order, not its address: a program iterating a set of
        tasks (asyncio.wait's done and pending, a TaskGroup's) sees the same order every run.
        """
        return self._cq_serial

    def cancel(self, msg=None):
        self._cq_timed_out = _cancelled_by_timeout(sys._getframe(1))
        return super().cancel(msg)


class _Handle(events.Handle):
    """A ready callback whose cancellation makes the loop purge its ready queue before choosing."""

    __slots__ = ()

    def cancel(self):
        self._loop._ready_dirty = True
        super().cancel()


class _TimerHandle(events.TimerHandle):
    """A timer whose cancellation also reaches the ready queue if the timer is already there."""

    __slots__ = ()

    def cancel(self):
        self._loop._ready_dirty = True
        super().cancel()


def _is_user(frame) -> bool:
    return not frame.f_code.co_filename.startswith(_NOT_USER)


def _innermost_user(coro):
    """The innermost user coroutine of an await chain and its frame: where a task is suspended."""
    found = (None, None)
    while coro is not None:
        frame = getattr(coro, "cr_frame", None) or getattr(coro, "gi_frame", None)
        if frame is None:
            break
        if _is_user(frame):
            found = (coro, frame)
        awaited = getattr(coro, "cr_await", None)
        coro = awaited if awaited is not None else getattr(coro, "gi_yieldfrom", None)
    return found


def _user_frame_on_stack():
    """The innermost user frame of the running task: where an operation was called."""
    frame = sys._getframe(1)
    while frame is not None and not _is_user(frame):
        frame = frame.f_back
    return frame


def _qualname(obj) -> str:
    return getattr(obj, "__qualname__", None) or type(obj).__qualname__


def _task_of(handle) -> int:
    """The id of the task a ready handle resumes, -1 for a plain callback."""
    task = getattr(handle._callback, "__self__", None)
    return task._cq_id if type(task) is _Task else -1


def _where(task) -> str:
    """Where `task` waits, for the trace: its coroutine and the user line it waits at."""
    coro = task._coro
    name = _qualname(coro)
    if getattr(coro, "cr_frame", None) is not None and not getattr(coro, "cr_suspended", True):
        return f"{name} starts"
    inner, frame = _innermost_user(coro)
    if frame is None:
        return name
    at = f"{os.path.basename(frame.f_code.co_filename)}:{frame.f_lineno}"
    return f"{name} at {at}" if inner is coro else f"{name} in {_qualname(inner)} at {at}"


# What a queue call raises once the queue is shut down (Python 3.13+).
_QUEUE_SHUT_DOWN = getattr(queues, "QueueShutDown", None)


def _only_injected(exc: BaseException, shut_down_by_fault: bool = False) -> bool:
    """Whether `exc` is an injected crash, or a group of nothing else (as a TaskGroup raises);
    once the fault plan has shut the queue down, the QueueShutDown that follows counts too.
    """
    injected = ((InjectedCrash, _QUEUE_SHUT_DOWN) if shut_down_by_fault and _QUEUE_SHUT_DOWN
                else InjectedCrash)
    if isinstance(exc, BaseExceptionGroup):
        return exc.split(injected)[1] is None
    return isinstance(exc, injected)


def _describe(exc: BaseException) -> str:
    text = str(exc)
    return f"{type(exc).__qualname__}: {text}" if text else type(exc).__qualname__


class ControlledLoop(base_events.BaseEventLoop):
    """An asyncio event loop stepped by `drive`: no selector, virtual time, one handle per step.

    Time only moves when nothing is ready: the clock then jumps to the earliest timer. Due timers
    join the ready queue where asyncio's `_run_once` puts them, at the start of an iteration (the
    handles that were ready when the previous iteration began have all run), so that choosing
    index 0 every step reproduces asyncio's own order. A timer is due when its deadline is not
    after the clock (asyncio allows one clock resolution more, which has no meaning here).
    """

    def __init__(self, run, trace: bool) -> None:
        super().__init__()
        self._debug = False
        self._now = 0.0
        self._ready_dirty = False
        self.run = run
        self.trace = trace
        self.root = None
        self.observer = None
        self.usage_error = None
        self.current = None  # the task whose step is running; None in a plain callback
        self.tasks = {}  # run's task id -> task, in creation order
        self._qualnames = {}  # qualname -> how many tasks of it so far
        self.dropping = False
        self._ending = False  # the root task finished: the others are being cancelled

    def time(self) -> float:
        return self._now

    def call_soon(self, callback, *args, context=None):
        if self._closed:
            self._check_closed()
        handle = _Handle(callback, args, self, context)
        self._ready.append(handle)
        task = getattr(callback, "__self__", None)
        if type(task) is _Task:
            self.run.woken(task._cq_id)  # its wait, if any, is over: it is runnable
        return handle

    def call_at(self, when, callback, *args, context=None):
        if self._closed:
            self._check_closed()
        timer = _TimerHandle(when, callback, args, self, context)
        heapq.heappush(self._scheduled, timer)
        timer._scheduled = True
        return timer

    def create_task(self, coro, *, name=None, context=None):
        """Makes a pure-Python task named after its coroutine, `#n` for the n-th of a qualname."""
        qualname = _qualname(coro)
        count = self._qualnames.get(qualname, 0) + 1
        chaosq_name = qualname if count == 1 else f"{qualname}#{count}"
        task = _Task(coro, loop=self, name=chaosq_name if name is None else name, context=context,
                     serial=len(self.tasks))
        if self.dropping:  # made by a `finally` of a task being dropped: dropped with it
            task._log_destroy_pending = False
            coro.close()
            return task
        self._qualnames[qualname] = count
        task._cq_id = t = self.run.add_task(chaosq_name)
        self.tasks[t] = task
        return task

    def call_exception_handler(self, context) -> None:
        """Ignored: asyncio calls it when collecting a task left pending or an exception never
        retrieved, at whatever moment the garbage collector picks, often during a later run. A
        run reports through `run` alone; an exception escaping a plain callback is reported by
        `drive`, which runs callbacks itself.
        """

    def strike(self, task, point: str, outcome: str, label=None):
        """Carries out the fault plan's answer to `run.visit` at `point` in `task`: a cancel is
        done here; a crash is returned, for the caller to raise in the running task or deliver
        at a resumption.
        """
        t = task._cq_id
        where = point if label is None else f"{point} ({label})"
        held = task._cq_held
        item = held[-1] if held else -1
        if outcome == "cancel":
            task.cancel()
            return None
        if outcome != "crash":
            raise ValueError(f"run.visit returned {outcome!r}: expected None, 'crash' or 'cancel'")
        if self.trace:
            if self.current is task:
                frame = _user_frame_on_stack()
            else:
                frame = _innermost_user(task._coro)[1]
            at = (f"{os.path.basename(frame.f_code.co_filename)}:{frame.f_lineno}"
                  if frame is not None else "?")
            self.run.note(t, "raise", item, f"InjectedCrash at {at} ({where})")
        return InjectedCrash(where)

    def drive(self) -> str:
        """Runs steps until nothing can run: "complete" when every task has ended (once the root
        task finishes, the others are cancelled, as `asyncio.run` does), else "quiescent"; or
        until the budget is spent ("step-budget") or an oracle objects ("violation"). Returns
        which.
        """
        run = self.run
        ready = self._ready
        pick, between_steps = run.pick, run.between_steps
        begin_step, end_step = run.begin_step, run.end_step
        where = run.where if self.trace else None
        budget = run.step_budget
        root = self.root
        task_type = _Task
        steps = 0
        this_turn = 0  # handles left of the current asyncio iteration, at the head of `ready`
        while True:
            if steps:
                actions = between_steps()
                if actions:
                    self._carry_out(actions)
            if self._ready_dirty:
                this_turn = self._purge_cancelled(this_turn)
            if not this_turn:
                this_turn = self._next_turn()
                if not this_turn:
                    return "complete" if self._all_ended() else "quiescent"
            if steps == budget:
                return "step-budget"
            steps += 1
            index = pick([_task_of(handle) for handle in ready]) if len(ready) > 1 else 0
            if index:
                handle = ready[index]
                del ready[index]
            else:
                handle = ready.popleft()
            if index < this_turn:
                this_turn -= 1
            callback = handle._callback
            task = getattr(callback, "__self__", None)
            if type(task) is task_type:
                t = task._cq_id
                begin_step(t)
                crash = None
                if task._cq_held or task._cq_label is not None or task._cq_crash is not None:
                    crash = self._on_resume(task)
                self.current = task
                if crash is None:
                    handle._context.run(callback, *handle._args)
                else:
                    handle._context.run(task._Task__step, crash)
                self.current = None
                if task._state != _PENDING:
                    self._task_finished(task)
                elif where is not None:
                    where(t, _where(task))  # where it waits now: what a hang points at
            else:
                begin_step(-1)
                try:
                    handle._context.run(callback, *handle._args)
                except (SystemExit, KeyboardInterrupt):
                    raise
                except BaseException as exc:
                    run.task_error(-1, "program", -1, _describe(exc))
            if self.usage_error is not None:
                raise self.usage_error
            queue = self.observer.queue
            if not end_step(queue._unfinished_tasks if queue is not None else 0):
                return "violation"
            if root._state != _PENDING and not self._ending:
                self._end_like_asyncio_run()

    def _end_like_asyncio_run(self) -> None:
        """The root task finished: as `asyncio.run` does then, every task still pending is
        cancelled and the loop runs on until they have ended (steps like any other, so a task that
        leaves an item unacknowledged when cancelled, or refuses to end, is judged).
        """
        self._ending = True
        for task in self.tasks.values():
            if task._state == _PENDING:
                task.cancel()

    def _all_ended(self) -> bool:
        return all(task._state != _PENDING for task in self.tasks.values())

    def _next_turn(self) -> int:
        """Begins an asyncio iteration: moves due timers to the ready queue, first jumping the
        clock to the earliest timer if nothing is ready. Returns the iteration's handle count.
        """
        scheduled = self._scheduled
        if not scheduled:
            return len(self._ready)
        count = len(scheduled)
        # asyncio's own clean-up of cancelled timers; kept because re-heapifying can change the
        # order of timers with equal deadlines.
        if (count > base_events._MIN_SCHEDULED_TIMER_HANDLES and self._timer_cancelled_count / count
                > base_events._MIN_CANCELLED_TIMER_HANDLES_FRACTION):
            live = []
            for timer in scheduled:
                if timer._cancelled:
                    timer._scheduled = False
                else:
                    live.append(timer)
            heapq.heapify(live)
            self._scheduled = scheduled = live
            self._timer_cancelled_count = 0
        else:
            while scheduled and scheduled[0]._cancelled:
                self._timer_cancelled_count -= 1
                heapq.heappop(scheduled)._scheduled = False
        ready = self._ready
        if scheduled and not ready and scheduled[0]._when > self._now:
            self._now = scheduled[0]._when
        now = self._now
        while scheduled and scheduled[0]._when <= now:
            timer = heapq.heappop(scheduled)
            timer._scheduled = False
            ready.append(timer)
            if timer._cancelled:
                self._ready_dirty = True
        return self._purge_cancelled(len(ready)) if self._ready_dirty else len(ready)

    def _purge_cancelled(self, this_turn: int) -> int:
        """Drops cancelled handles, which asyncio skips, so that choices are among live ones."""
        self._ready_dirty = False
        ready = self._ready
        live = [handle for handle in ready if not handle._cancelled]
        if len(live) != len(ready):
            this_turn -= sum(h._cancelled for h in itertools.islice(ready, this_turn))
            ready.clear()
            ready.extend(live)
        return this_turn

    def _on_resume(self, task):
        """Before resuming a task at a point, with a pending crash or holding an item: returns
        the exception to resume it with, or None to resume it normally.
        """
        label = task._cq_label
        if label is not None:
            task._cq_label = None
            if self.trace:
                held = task._cq_held
                self.run.note(task._cq_id, "point", held[-1] if held else -1, str(label))
        crash = task._cq_crash
        if crash is not None:
            task._cq_crash = None
            return crash
        if task._cq_held:
            # The first suspension after a get is where processing the item begins: after-get.
            point = "after-get" if task._cq_fresh else "mid-item"
            task._cq_fresh = False
            outcome = self.run.visit(task._cq_id, point)
            if outcome is not None:
                return self.strike(task, point, outcome, label)
        return None

    def _carry_out(self, actions) -> None:
        """Carries out the fault plan's actions between two steps."""
        for kind, target in actions:
            if kind == "shutdown":
                require_shutdown()
                self.observer.shutdown_by_fault(target)
                continue
            task = self.tasks[target]
            if kind == "cancel":
                task.cancel()
            elif kind == "crash":
                crash = InjectedCrash(f"waiting in {task._cq_waits}")
                waiter = task._fut_waiter
                if waiter is not None and not waiter.done():
                    waiter.set_exception(crash)
                else:
                    # Already woken, not yet resumed: the wait raises when the task resumes.
                    task._cq_crash = crash
            else:
                raise ValueError(f"run.between_steps gave an unknown action {kind!r}")

    def _task_finished(self, task) -> None:
        t = task._cq_id
        if not task.cancelled():
            exc = task.exception()
            if exc is not None and not _only_injected(exc, self.observer.shut_down_by_fault):
                if task is self.root:
                    self.run.task_error(t, "program", -1, _describe(exc))
                elif self.trace:
                    # A task that dies of the program's own exception (the corrupted payload):
                    # not a verdict by itself, but what it leaves behind may be.
                    held = task._cq_held
                    self.run.note(t, "raised", held[0] if held else -1, _describe(exc))
        self.run.task_ended(t)

    def drop_pending(self) -> None:
        """Closes the coroutines of the tasks left pending, in creation order, so that their
        `finally` blocks run now, unobserved, and not at a later collection inside another run.
        """
        self.dropping = True
        for task in self.tasks.values():
            if task._state == _PENDING:
                task._log_destroy_pending = False
                try:
                    task._coro.close()
                except Exception:
                    pass  # a coroutine that awaits in `finally` while dropped: nothing to report
        self.tasks.clear()
        self.root = self.current = self.observer = None


@types.coroutine
def point(label):
    """A suspension point named `label`: yields once to the loop. Under chaosq, a task that holds
    an unacknowledged item is visited there as "mid-item", and the trace shows `label`. Under any
    other loop it is `await asyncio.sleep(0)`.
    """
    loop = events._get_running_loop()
    if type(loop) is ControlledLoop and loop.current is not None:
        loop.current._cq_label = label
    yield


def run_program(run, main, trace=None) -> None:
    """Runs `main()` (a zero-argument callable returning the program's root coroutine) under
    `run`'s decisions until it completes or can go no further, reports the run, and ends with
    `run.finish(end)`. `trace` (default `run.trace`) turns on the human trace: `run.note` and
    `run.where` calls. asyncio.Queue is patched while it runs, so one program at a time per
    process. A program chaosq cannot observe raises UsageError, and `run.finish` is not called.
    """
    loop = ControlledLoop(run, run.trace if trace is None else trace)
    observer = loop.observer = QueueObserver(loop)
    outer = events._get_running_loop()
    try:
        observer.install()
        events._set_running_loop(loop)
        loop._thread_id = threading.get_ident()
        loop.root = loop.create_task(main())
        end = loop.drive()
        observer.report_state()
        run.finish(end)
    finally:
        observer.restore()
        loop.drop_pending()
        loop._thread_id = None
        events._set_running_loop(outer)
        loop.close()
