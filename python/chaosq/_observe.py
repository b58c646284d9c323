"""Watching the program's asyncio.Queue while the real queue code runs.

For the duration of a run, asyncio.Queue's __init__, put, put_nowait, get, get_nowait,
task_done, join and shutdown, and the storage hooks `_put`/`_get` of Queue, LifoQueue and
PriorityQueue are wrapped: every wrapper calls the original, so the real queue logic runs (the
original get reaches the wrapped get_nowait), and reports around it. Items are tagged in `_put` (a wrapper
carrying chaosq's item id, ordering as the item does) and untagged in `_get`, which is how a get
learns which item it took. A task about to suspend in put or get is seen where the real code
appends its waiter future to the queue's `_putters`/`_getters`.

Crashes strike where the program's own code can be struck: at the first suspension of a task
after it got an item (after-get) and at each later one while it holds an item (mid-item), both
delivered by the loop; when task_done returns (after-ack); when put is called (before-put); and
while a task waits in get (in-get, between steps). Not at get's return itself nor inside
task_done (before-ack): nothing can interrupt a coroutine between a get's return and its next
statement, nor inside task_done, so a crash there would strike where no program can protect
itself (even the `finally` that acknowledges).
"""

from __future__ import annotations

import collections
import inspect
import os
import platform
import sys
from asyncio import exceptions, queues

from chaosq._errors import InjectedCrash, UsageError

_ASYNCIO_DIR = os.path.dirname(queues.__file__) + os.sep
_KINDS = ((queues.PriorityQueue, "priority"), (queues.LifoQueue, "lifo"), (queues.Queue, "fifo"))
_HAS_SHUTDOWN = hasattr(queues.Queue, "shutdown")
_active = None  # the QueueObserver of the run in progress: the wrappers below are installed


def require_shutdown() -> None:
    """Refuses shutdown faults where asyncio.Queue has no shutdown() (before Python 3.13)."""
    if not _HAS_SHUTDOWN:
        raise UsageError(
            "shutdown faults need asyncio.Queue.shutdown(), new in Python 3.13; this is Python "
            f"{platform.python_version()}: run without shutdown faults or use Python 3.13+")


class _Tagged:
    """An item in the queue's storage with its chaosq id; orders as the item does (heapq only
    compares with <), so a PriorityQueue keeps its order and raises where the item would.
    """

    __slots__ = ("item", "id")

    def __init__(self, item) -> None:
        self.item = item
        self.id = -1

    def __lt__(self, other: _Tagged) -> bool:
        return self.item < other.item

    # A program that looks into its queue's storage (`item in q._queue`, `repr(q)`) sees its
    # items, as without chaosq.
    def __eq__(self, other) -> bool:
        return self.item == (other.item if type(other) is _Tagged else other)

    def __hash__(self) -> int:
        return hash(self.item)

    def __repr__(self) -> str:
        return repr(self.item)


class _Waiters(collections.deque):
    """A queue's deque of waiting getters or putters: the real code appends a waiter right before
    the task suspends on it, which is when chaosq reports the wait.
    """

    def __init__(self, observer: QueueObserver, kind: str) -> None:
        super().__init__()
        self.observer = observer
        self.kind = kind

    def append(self, waiter) -> None:
        self.observer.begin_wait(self.kind)
        collections.deque.append(self, waiter)


class QueueObserver:
    """Reports the one queue a program makes to its loop's run, and injects the faults at it."""

    def __init__(self, loop) -> None:
        self.loop = loop
        self.run = loop.run
        self.trace = loop.trace
        self.queue = None
        self._stored = -1  # the id the latest `_put` gave its item
        self._taken = -1  # the id of the item the latest `_get` took
        self._saved = []  # (class, name, original attribute) to restore
        # The fault plan shut the queue down: the QueueShutDown its calls raise from then on is
        # the injected fault's doing, not the program's.
        self.shut_down_by_fault = False

    def install(self) -> None:
        """Installs the wrappers on asyncio.Queue and its subclasses until `restore`."""
        global _active
        if _active is not None:
            raise UsageError("run_program is already running in this process: asyncio.Queue is "
                             "patched for one run at a time")
        for cls, name, wrapper in _PATCHES:
            self._saved.append((cls, name, cls.__dict__[name]))
            setattr(cls, name, wrapper)
        _active = self

    def restore(self) -> None:
        """Puts back every attribute `install` replaced."""
        global _active
        if self._saved:
            for cls, name, value in reversed(self._saved):
                setattr(cls, name, value)
            self._saved.clear()
            _active = None
        self.queue = None

    def adopt(self, q) -> None:
        """Starts observing `q`, the program's queue; refuses a second one."""
        if self.queue is not None:
            raise self._refuse("this program made a second asyncio.Queue: chaosq observes only "
                               "one queue per program")
        cls = type(q)
        if (cls._put, cls._get) not in _STORAGE_HOOKS.values():
            raise self._refuse(f"{cls.__qualname__} overrides _put/_get: chaosq sees which item "
                               "moves through the storage hooks of asyncio.Queue, LifoQueue and "
                               "PriorityQueue")
        q._getters = _Waiters(self, "get")
        q._putters = _Waiters(self, "put")
        self.queue = q
        self._hold_to_contract(q)
        for base, kind in _KINDS:
            if isinstance(q, base):
                self.run.queue_made(kind, q._maxsize)
                return

    def _hold_to_contract(self, q) -> None:
        """A subclass that overrides a queue call may raise what asyncio.Queue's contract does not
        let that call raise (a KeyError out of get): its overrides are watched, on this queue only,
        and such an exception is a verdict (task-error/queue-raised) before it reaches the program.
        asyncio's own calls keep the contract and run unwatched.
        """
        for call in _CALLS:
            if any(call in cls.__dict__ for cls in type(q).__mro__
                   if cls not in (queues.Queue, queues.LifoQueue, queues.PriorityQueue, object)):
                method = getattr(q, call)
                wrap = _watched_coroutine if inspect.iscoroutinefunction(method) else _watched
                setattr(q, call, wrap(self, call, method))

    def _refuse(self, reason: str) -> UsageError:
        """The error to raise in the program; the loop raises it again from run_program."""
        self.loop.usage_error = UsageError(reason)
        return self.loop.usage_error

    def begin_wait(self, kind: str) -> None:
        task = self.loop.current
        t = -1
        if task is not None:
            t = task._cq_id
            task._cq_waits = kind
        self.run.begin_wait(t, kind)

    def shutdown_by_fault(self, immediate: bool) -> None:
        """The fault plan's shutdown: the real one, not reported as the program's own."""
        if self.queue is not None:
            self.shut_down_by_fault = True
            _shutdown(self.queue, immediate)

    def report_state(self) -> None:
        q = self.queue
        if q is not None:
            # The storage's own length: a subclass's qsize() may count something else.
            self.run.queue_state(q._unfinished_tasks, len(q._queue),
                                 getattr(q, "_is_shutdown", False))


# The queue's calls, and what each may raise besides a cancellation or an injected crash.
_CALLS = ("get", "put", "get_nowait", "put_nowait", "task_done", "join")
_MAY_RAISE = {"get_nowait": (queues.QueueEmpty,), "put_nowait": (queues.QueueFull,),
              "task_done": (ValueError,)}
_ALWAYS_ALLOWED = (exceptions.CancelledError, InjectedCrash, UsageError, GeneratorExit,
                   KeyboardInterrupt, SystemExit)


def _breaks_contract(q, call: str, exc: BaseException) -> bool:
    """Whether `call` raising `exc` is what asyncio.Queue's contract does not allow."""
    if isinstance(exc, _ALWAYS_ALLOWED + _MAY_RAISE.get(call, ())):
        return False
    shut_down = _HAS_SHUTDOWN and isinstance(exc, queues.QueueShutDown)
    return not (shut_down and call not in ("task_done", "join") and q._is_shutdown)


def _report_broken_contract(observer, call: str, exc: BaseException) -> None:
    task = observer.loop.current
    text = f"{type(exc).__qualname__}: {exc}" if str(exc) else type(exc).__qualname__
    observer.run.task_error(task._cq_id if task is not None else -1, call, -1, text)


def _watched(observer, call: str, method):
    q = method.__self__

    def watched(*args, **kwargs):
        try:
            return method(*args, **kwargs)
        except BaseException as exc:
            if _breaks_contract(q, call, exc):
                _report_broken_contract(observer, call, exc)
            raise

    return watched


def _watched_coroutine(observer, call: str, method):
    q = method.__self__

    async def watched(*args, **kwargs):
        try:
            return await method(*args, **kwargs)
        except BaseException as exc:
            if _breaks_contract(q, call, exc):
                _report_broken_contract(observer, call, exc)
            raise

    watched.__qualname__ = method.__qualname__  # the name a task it runs in gets
    return watched


# The wrappers, installed for the duration of a run. Each calls the original, so the real queue
# code runs; on any queue but the observed one they do nothing else.
_init, _put, _put_nowait = queues.Queue.__init__, queues.Queue.put, queues.Queue.put_nowait
_get, _get_nowait = queues.Queue.get, queues.Queue.get_nowait
_task_done, _join = queues.Queue.task_done, queues.Queue.join
_shutdown = getattr(queues.Queue, "shutdown", None)
_PUT_CODE = _put.__code__


def _visit(observer, task, t, point):
    """Asks the fault plan about `point` in the running `task`; raises the crash it may order."""
    outcome = observer.run.visit(t, point)
    if outcome is not None:
        crash = observer.loop.strike(task, point, outcome)
        if crash is not None:
            raise crash


def _end_wait(observer, t):
    """Task `t`'s wait ended without its result: reported, unless the run is over and its
    pending tasks are being closed (GeneratorExit)."""
    if not observer.loop.dropping:
        observer.run.end_wait(t)


def _observed_init(q, maxsize=0):
    _init(q, maxsize)
    # Queues asyncio makes for itself (as_completed) are not the program's.
    if not sys._getframe(1).f_code.co_filename.startswith(_ASYNCIO_DIR):
        _active.adopt(q)


async def _observed_put(q, item):
    observer = _active
    task = observer.loop.current
    if q is not observer.queue or task is None:
        return await _put(q, item)
    _visit(observer, task, task._cq_id, "before-put")
    try:
        return await _put(q, item)
    except BaseException:
        _end_wait(observer, task._cq_id)  # its wait, if it began one, ended without a slot
        raise


async def _observed_get(q):
    observer = _active
    task = observer.loop.current
    if q is not observer.queue or task is None:
        return await _get(q)
    try:
        return await _get(q)
    except BaseException:
        _end_wait(observer, task._cq_id)  # its wait, if it began one, ended without an item
        raise


def _observed_put_nowait(q, item):
    observer = _active
    if q is not observer.queue:
        return _put_nowait(q, item)
    task, t = observer.loop.current, -1
    if task is not None:
        t = task._cq_id
        if sys._getframe(1).f_code is not _PUT_CODE:  # put() was visited when it was called
            _visit(observer, task, t, "before-put")
    _put_nowait(q, item)
    item_id = observer._stored
    observer.run.put(t, item_id, q._unfinished_tasks)


def _observed_get_nowait(q):
    observer = _active
    if q is not observer.queue:
        return _get_nowait(q)
    item = _get_nowait(q)
    task, t = observer.loop.current, -1
    item_id = observer._taken
    if task is not None:
        t = task._cq_id
        held = task._cq_held
        if held:
            held.append(item_id)
        else:
            task._cq_held = [item_id]
        task._cq_fresh = True  # its next resumption is the after-get point
    observer.run.got(t, item_id, q._unfinished_tasks)
    return item


def _observed_task_done(q):
    observer = _active
    if q is not observer.queue:
        return _task_done(q)
    run = observer.run
    task, t, held = observer.loop.current, -1, ()
    if task is not None:
        t = task._cq_id
        held = task._cq_held
    try:
        _task_done(q)
    except ValueError:
        run.acked(t, q._unfinished_tasks, True)
        raise
    # task_done names no item: the engine says which it counts (the oldest this task holds, or
    # else one another task holds), and whoever held it holds it no more.
    item_id = run.acked(t, q._unfinished_tasks, False)
    if held and item_id in held:
        held.remove(item_id)
    elif item_id is not None and item_id >= 0:
        for other in observer.loop.tasks.values():
            if item_id in other._cq_held:
                other._cq_held.remove(item_id)
                break
    if task is not None:
        _visit(observer, task, t, "after-ack")


async def _observed_join(q):
    observer = _active
    if q is not observer.queue:
        return await _join(q)
    run = observer.run
    task = observer.loop.current
    t = task._cq_id if task is not None else -1
    unfinished = q._unfinished_tasks
    run.join_called(t, unfinished)
    if unfinished > 0:
        called = observer.loop.time()
        if task is not None:
            task._cq_waits = "join"
            task._cq_timed_out = False
        try:
            await _join(q)
        except exceptions.CancelledError:
            if task is not None and task._cq_timed_out:
                run.join_timed_out(t, observer.loop.time() - called)
            else:
                _end_wait(observer, t)
            raise
        except BaseException:
            _end_wait(observer, t)
            raise
    run.join_returned(t)


def _observed_shutdown(q, immediate=False):
    observer = _active
    if q is observer.queue:
        observer.run.shutdown(immediate, "program")
    _shutdown(q, immediate)


def _storage_hooks(storage_class):
    """`_put` and `_get` wrappers for one storage class: tag on the way in, untag on the way out."""
    put, get = storage_class.__dict__["_put"], storage_class.__dict__["_get"]

    def observed_put(q, item):
        observer = _active
        if q is not observer.queue:
            return put(q, item)
        tagged = _Tagged(item)
        put(q, tagged)
        tagged.id = observer._stored = observer.run.new_item()

    def observed_get(q):
        observer = _active
        if q is not observer.queue:
            return get(q)
        tagged = get(q)
        if type(tagged) is not _Tagged:
            # Stored by the program itself (`q._queue.appendleft(x)`), not through `_put`: chaosq
            # cannot tell which item this is.
            raise observer._refuse(
                f"an item reached the storage of the program's {type(q).__qualname__} without "
                "_put (the program wrote its storage directly): chaosq sees which item moves "
                "only through the storage hooks _put and _get")
        observer._taken = tagged.id
        return tagged.item

    return observed_put, observed_get


# A coroutine is named after its function: keep "Queue.put" and "Queue.join" for the trace and
# for the task wait_for wraps a join in on 3.11.
_observed_put.__qualname__ = _put.__qualname__
_observed_get.__qualname__ = _get.__qualname__
_observed_join.__qualname__ = _join.__qualname__
_PATCHES = [(queues.Queue, "__init__", _observed_init), (queues.Queue, "put", _observed_put),
            (queues.Queue, "put_nowait", _observed_put_nowait), (queues.Queue, "get", _observed_get),
            (queues.Queue, "get_nowait", _observed_get_nowait),
            (queues.Queue, "task_done", _observed_task_done),
            (queues.Queue, "join", _observed_join)]
if _HAS_SHUTDOWN:
    _PATCHES.append((queues.Queue, "shutdown", _observed_shutdown))
_STORAGE_HOOKS = {cls: _storage_hooks(cls)
                  for cls in (queues.Queue, queues.LifoQueue, queues.PriorityQueue)}
_PATCHES += [(cls, name, hook) for cls, hooks in _STORAGE_HOOKS.items()
             for name, hook in zip(("_put", "_get"), hooks)]
