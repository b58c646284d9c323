"""FakeRun: a pure-Python stand-in for the native engine's per-schedule `Run` object.

It implements exactly the interface `chaosq.run_program` calls, hands out scripted decisions and
faults, and records every call in `calls` as a tuple (method name, arguments...), so tests need
no native module.
"""


class FakeRun:
    """One schedule's decisions and faults, scripted.

    decisions: what `pick(tasks)` returns, in order and reduced into range, then 0.
    faults: {(point, n): outcome}: the n-th `visit` of `point` (counted from 1 over all tasks)
        answers outcome ("crash" or "cancel"); every other visit answers None.
    actions: [(after_step, action)]: `between_steps` gives `action` at its first call after step
        `after_step` at which the action's task is waiting (reported by `begin_wait`, not resumed
        or ended since), as the native fault plan only offers waiting tasks. In ("cancel", name)
        and ("crash", name) the task is named as `add_task` was told; ("shutdown", immediate).
    violation_at: the step whose `end_step` reports a violation.
    """

    def __init__(self, decisions=(), faults=None, actions=(), step_budget=100_000, trace=True,
                 violation_at=None) -> None:
        self.trace = trace
        self.step_budget = step_budget
        self.calls = []
        self.names = []  # task id -> name
        self.end = None
        self._decisions = list(decisions)
        self._faults = dict(faults or {})
        self._visits = {}
        self._actions = list(actions)
        self._violation_at = violation_at
        self._waiting = set()
        self._items = 0
        self.timeouts = []  # the virtual seconds each timed-out join had waited
        self._held = {}  # task -> the items it got and has not acknowledged
        self.steps = 0

    def pick(self, ready: list) -> int:
        value = self._decisions.pop(0) if self._decisions else 0
        index = value % len(ready)
        self.calls.append(("pick", list(ready), index))
        return index

    def woken(self, t: int) -> None:
        self._waiting.discard(t)

    def end_wait(self, t: int) -> None:
        self.calls.append(("end_wait", t))
        self._waiting.discard(t)

    def add_task(self, name: str) -> int:
        self.calls.append(("add_task", name))
        self.names.append(name)
        return len(self.names) - 1

    def task_ended(self, t: int) -> None:
        self.calls.append(("task_ended", t))
        self._waiting.discard(t)

    def queue_made(self, kind: str, maxsize: int) -> None:
        self.calls.append(("queue_made", kind, maxsize))

    def new_item(self) -> int:
        self._items += 1
        return self._items - 1

    def begin_wait(self, t: int, kind: str) -> None:
        self.calls.append(("begin_wait", t, kind))
        self._waiting.add(t)

    def put(self, t: int, item: int, unfinished: int) -> None:
        self.calls.append(("put", t, item, unfinished))

    def got(self, t: int, item: int, unfinished: int) -> None:
        self.calls.append(("got", t, item, unfinished))
        self._held.setdefault(t, []).append(item)

    def acked(self, t: int, unfinished: int, refused: bool) -> int:
        """As the engine: the oldest item `t` got and nobody acknowledged, else -1."""
        self.calls.append(("acked", t, unfinished, refused))
        held = self._held.get(t)
        return held.pop(0) if held else -1

    def join_called(self, t: int, unfinished: int) -> None:
        self.calls.append(("join_called", t, unfinished))

    def join_returned(self, t: int) -> None:
        self.calls.append(("join_returned", t))

    def join_timed_out(self, t: int, after: float = 0.0) -> None:
        self.calls.append(("join_timed_out", t))
        self.timeouts.append(after)

    def shutdown(self, immediate: bool, origin: str) -> None:
        self.calls.append(("shutdown", immediate, origin))

    def visit(self, t: int, point: str):
        outcome = None
        if self._faults:
            count = self._visits[point] = self._visits.get(point, 0) + 1
            outcome = self._faults.get((point, count))
        self.calls.append(("visit", t, point, outcome))
        return outcome

    def between_steps(self):
        if not self._actions:
            return ()
        due = []
        for entry in list(self._actions):
            after_step, action = entry
            if self.steps < after_step:
                continue
            if action[0] != "shutdown":
                t = self.names.index(action[1])
                if t not in self._waiting:
                    continue
                action = (action[0], t)
            self._actions.remove(entry)
            due.append(action)
        if due:
            self.calls.append(("between_steps", due))
        return due

    def begin_step(self, t: int) -> None:
        self.steps += 1
        self._waiting.discard(t)
        self.calls.append(("begin_step", t))

    def end_step(self, unfinished: int = 0) -> bool:
        ok = self.steps != self._violation_at
        self.calls.append(("end_step", ok))
        return ok

    def note(self, t: int, operation: str, item: int, outcome: str) -> None:
        self.calls.append(("note", t, operation, item, outcome))

    def where(self, t: int, text: str) -> None:
        self.calls.append(("where", t, text))

    def task_error(self, t: int, origin: str, item: int, text: str) -> None:
        self.calls.append(("task_error", t, origin, item, text))

    def queue_state(self, unfinished: int, size: int, shut_down: bool) -> None:
        self.calls.append(("queue_state", unfinished, size, shut_down))

    def finish(self, end: str) -> None:
        assert self.end is None, "finish called twice"
        self.end = end
        self.calls.append(("finish", end))

    def of(self, method: str) -> list:
        """The recorded calls of one method, without the method name."""
        return [call[1:] for call in self.calls if call[0] == method]

    def t(self, name: str) -> int:
        """The id of the task `add_task` was told `name`."""
        return self.names.index(name)
