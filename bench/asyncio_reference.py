#!/usr/bin/env python3
"""The reference workload on CPython's own asyncio.Queue, schedule by schedule.

The workload (DESIGN.md, "Performance"): one producer putting 1-20 items, 1-4 consumers that
call task_done() in a `finally`, each item crashing mid-item (after the consumer's one
suspension point) with probability 0.2, one joiner that joins once the producer has finished.

Each schedule runs on a deterministic event loop: an asyncio.BaseEventLoop that never touches a
selector or a clock. One step runs one ready handle (one task resume, as in chaosq's loop); which
ready handle runs next is drawn uniformly from a seeded random.Random (a random walk), and so are
the items, the consumers and the crashes. A schedule ends at quiescence (nothing ready): a join
still pending then is a hang, as chaosq decides it. What is left pending is cancelled and run
out before the next schedule, so no schedule leaks into the next.

Rows (schedules per CPU second of this process, `time.process_time`):
  asyncio     asyncio.Queue / LifoQueue / PriorityQueue driven by random.Random
  hypothesis  the same, every choice drawn by Hypothesis (`st.data()`), as a Hypothesis-driven
              harness would draw them; only if `hypothesis` imports (Debian's python3-hypothesis)

With --chaosq-json (Google Benchmark JSON from chaosq_bench) it prints the side-by-side table
with the ratios and a one-line SUMMARY. Timing never decides an exit status: exit 0 unless the
workload itself misbehaves (an error the loop's exception handler saw).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import sys
import time
from asyncio import events

MAX_ITEMS = 20
MAX_CONSUMERS = 4
CRASH_ODDS = 5  # p = 1/5 = 0.2
KINDS = {
    "fifo": asyncio.Queue,
    "lifo": asyncio.LifoQueue,
    "priority": asyncio.PriorityQueue,
}
TARGET_SCHEDULES_PER_S = 1_000_000
TARGET_RATIO = 150
# The engine against the same workload on a minimal scheduler and queue with no harness
# (chaosq_bench's bare_minimal/fifo): the physical limit, of which it should keep this share.
TARGET_MINIMAL_SHARE = 0.70
MINIMAL_ROW = "bare_minimal/fifo"
# Threads mode (`--mode threads`: chaosq::sync threads against the queue.Queue reference) on the
# reference workload: at least this many schedules per second on one core. Its rows are the
# coroutine rows' names with `_threads` appended (engine_reference/fifo_mid_item_threads).
TARGET_THREADS_SCHEDULES_PER_S = 100_000
THREADS_SUFFIX = "_threads"
THREADS_ROW = "engine_reference/fifo_mid_item" + THREADS_SUFFIX


class InjectedFault(Exception):
    """The planted crash: distinct from any error the workload raises itself."""


class DeterministicLoop(asyncio.BaseEventLoop):
    """An event loop that is only ever stepped by `run_schedule`: no selector, no clock."""

    def __init__(self) -> None:
        super().__init__()
        self.unexpected: list[dict] = []
        self.set_exception_handler(lambda _loop, context: self.unexpected.append(context))

    def _process_events(self, event_list) -> None:  # pragma: no cover - never selects
        pass

    def _write_to_self(self) -> None:  # pragma: no cover - single-threaded
        pass


async def producer(q: asyncio.Queue, items: list) -> None:
    for it in items:
        await q.put(it)


async def consumer(q: asyncio.Queue, crashing: set) -> None:
    while True:
        it = await q.get()
        try:
            await asyncio.sleep(0)  # the one suspension point mid-item
            if it in crashing:
                raise InjectedFault(it)
        finally:
            q.task_done()


async def joiner(q: asyncio.Queue, producer_task: asyncio.Task) -> None:
    await producer_task
    await q.join()


def run_schedule(loop: DeterministicLoop, queue_type, items: list, consumers: int,
                 crashing: set, pick) -> tuple[int, bool]:
    """Runs one schedule; `pick(n)` chooses the next of n ready handles. Returns (steps, hung)."""
    events._set_running_loop(loop)
    try:
        q = queue_type()
        p = loop.create_task(producer(q, items))
        tasks = [p]
        for _ in range(consumers):
            tasks.append(loop.create_task(consumer(q, crashing)))
        j = loop.create_task(joiner(q, p))
        tasks.append(j)
        ready = loop._ready
        steps = 0
        while ready:
            n = len(ready)
            i = pick(n) if n > 1 else 0
            if i == 0:
                handle = ready.popleft()
            else:
                handle = ready[i]
                del ready[i]
            if handle._cancelled:
                continue
            steps += 1
            handle._run()
        hung = not j.done()
        # Clean up as chaosq's loop destroys its frames: cancel what is pending, run it out.
        for t in tasks:
            if not t.done():
                t.cancel()
        while ready:
            handle = ready.popleft()
            if not handle._cancelled:
                handle._run()
        for t in tasks:
            if not t.cancelled():
                t.exception()  # retrieved: no "exception was never retrieved" at collection
        return steps, hung
    finally:
        events._set_running_loop(None)


class Row:
    def __init__(self, name: str, kind: str) -> None:
        self.name = name
        self.kind = kind
        self.schedules = 0
        self.steps = 0
        self.hangs = 0
        self.cpu_seconds = 0.0

    def add(self, steps: int, hung: bool) -> None:
        self.schedules += 1
        self.steps += steps
        self.hangs += hung

    def as_dict(self) -> dict:
        n = max(self.schedules, 1)
        return {
            "name": self.name,
            "kind": self.kind,
            "schedules": self.schedules,
            "cpu_seconds": self.cpu_seconds,
            "schedules_per_s": self.schedules / self.cpu_seconds if self.cpu_seconds else 0.0,
            "steps_per_schedule": self.steps / n,
            "hang_percent": 100.0 * self.hangs / n,
        }


def asyncio_row(kind: str, seconds: float, seed: int) -> Row:
    """The workload on CPython asyncio, every choice from one seeded random.Random."""
    rng = random.Random(seed)
    rand = rng.random
    pick = lambda n: int(rand() * n)  # noqa: E731 - the hot path: one call per step
    queue_type = KINDS[kind]
    loop = DeterministicLoop()
    row = Row(f"CPython {platform.python_version()} asyncio.{queue_type.__name__}", kind)
    start = time.process_time()
    try:
        while True:
            for _ in range(200):
                n_items = 1 + int(rand() * MAX_ITEMS)
                consumers = 1 + int(rand() * MAX_CONSUMERS)
                if kind == "priority":
                    items = [(int(rand() * 4), i) for i in range(n_items)]
                else:
                    items = list(range(n_items))
                crashing = {it for it in items if int(rand() * CRASH_ODDS) == CRASH_ODDS - 1}
                row.add(*run_schedule(loop, queue_type, items, consumers, crashing, pick))
            row.cpu_seconds = time.process_time() - start
            if row.cpu_seconds >= seconds:
                break
    finally:
        loop.close()
    if loop.unexpected:
        raise SystemExit(f"asyncio_reference: unexpected errors: {loop.unexpected[:3]}")
    return row


def import_hypothesis():
    """Debian's python3-hypothesis installs for the system Python; 3.13 can import it too."""
    try:
        import hypothesis  # noqa: F401
    except ImportError:
        sys.path.append("/usr/lib/python3/dist-packages")
        try:
            import hypothesis  # noqa: F401,F811
        except ImportError:
            sys.path.pop()
            return None
    import hypothesis
    return hypothesis


def hypothesis_row(kind: str, seconds: float) -> Row | None:
    """The workload with every choice drawn by Hypothesis (generation only, no database)."""
    hyp = import_hypothesis()
    if hyp is None:
        return None
    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis import strategies as st

    queue_type = KINDS[kind]
    loop = DeterministicLoop()
    row = Row(f"CPython asyncio.{queue_type.__name__} + Hypothesis {hyp.__version__}", kind)

    @settings(max_examples=200, database=None, deadline=None, derandomize=True,
              phases=[Phase.generate], suppress_health_check=list(HealthCheck))
    @given(st.data())
    def one_schedule(data) -> None:
        n_items = data.draw(st.integers(1, MAX_ITEMS))
        consumers = data.draw(st.integers(1, MAX_CONSUMERS))
        if kind == "priority":
            items = [(data.draw(st.integers(0, 3)), i) for i in range(n_items)]
        else:
            items = list(range(n_items))
        crashing = {it for it in items
                    if data.draw(st.integers(0, CRASH_ODDS - 1)) == CRASH_ODDS - 1}
        pick = lambda n: data.draw(st.integers(0, n - 1))  # noqa: E731
        row.add(*run_schedule(loop, queue_type, items, consumers, crashing, pick))

    start = time.process_time()
    try:
        while True:
            one_schedule()
            row.cpu_seconds = time.process_time() - start
            if row.cpu_seconds >= seconds:
                break
    finally:
        loop.close()
    return row


# ---- the side-by-side table ----

def chaosq_rows(path: str) -> list[dict]:
    """Rows from chaosq_bench's Google Benchmark JSON (items_per_second is per CPU second)."""
    with open(path, encoding="utf-8") as f:
        doc = json.load(f)
    rows = []
    for b in doc.get("benchmarks", []):
        name = b.get("name", "")
        if b.get("run_type") == "aggregate" or "error_occurred" in b:
            continue
        if not name.startswith(("engine_reference/", "engine_strategy/", "bare_reference/",
                                "bare_minimal/", "engine_jobs/")):
            continue
        rows.append({
            "name": name,
            "schedules_per_s": b.get("items_per_second", 0.0),
            "steps_per_schedule": b.get("steps/schedule", 0.0),
            "hang_percent": b.get("hang%", 0.0),
        })
    return rows


def describe_chaosq(name: str) -> tuple[str, str]:
    """(kind, description) of a chaosq benchmark name: GROUP/KIND[_MODEL][_traced][_threads]."""
    group, _, case = name.partition("/")
    if group == "engine_jobs":  # engine_jobs/fifo_mid_item/JOBS/real_time
        jobs = case.split("/")[1]
        return "fifo", f"chaosq explore --jobs {jobs}, every oracle (fifo, per wall-clock s)"
    threads = case.endswith(THREADS_SUFFIX)
    case = case.removesuffix(THREADS_SUFFIX)
    kind, _, model = case.partition("_")
    traced = model.endswith("traced")
    model = model.removesuffix("_traced").removesuffix("traced")
    explained = model.endswith("explained")
    model = model.removesuffix("_explained").removesuffix("explained")
    if group == "engine_strategy":
        strategy = {"random": "random walk", "pct": "PCT d=3", "dfs": "DFS, 2 preemptions"}
        return kind, f"chaosq engine, every oracle ({kind}, schedules by {strategy.get(model, model)})"
    if group == "bare_minimal":
        return kind, "minimal scheduler and queue, no harness (the physical limit)"
    if group == "bare_reference":
        how = ", crashes returned, no unwinding" if model == "crash_as_value" else ""
        return kind, f"chaosq sim+queue, no harness ({kind}{how})"
    crashes = {
        "mid_item": "",
        "pinned": ", pinned crashes",
        "any_point": ", crashes at any point",
    }.get(model, f", {model}")
    text = ", traced" if traced else ", verdict text" if explained else ""
    if threads:
        return kind, f"chaosq threads mode, every oracle ({kind}{crashes}{text})"
    return kind, f"chaosq engine, every oracle ({kind}{crashes}{text})"


def threads_lines(by_name: dict) -> list[str]:
    """Each threads-mode row against the coroutine-mode row of the same workload."""
    lines = []
    for name, row in by_name.items():
        if not name.startswith("engine_reference/") or not name.endswith(THREADS_SUFFIX):
            continue
        coroutines = by_name.get(name.removesuffix(THREADS_SUFFIX))
        rate = row["schedules_per_s"]
        case = name.partition("/")[2]
        if coroutines is None or not coroutines["schedules_per_s"]:
            lines.append(f"threads / coroutines: {case} {rate:,.0f}/s (no coroutine row)")
            continue
        lines.append(f"threads / coroutines: {case} {rate:,.0f}/s against "
                     f"{coroutines['schedules_per_s']:,.0f}/s = "
                     f"{rate / coroutines['schedules_per_s']:.2f}")
    return lines


def print_table(py_rows: list[Row], cq_rows: list[dict], machine: str) -> str:
    base = {r.kind: r.as_dict()["schedules_per_s"] for r in py_rows if "Hypothesis" not in r.name}
    print()
    print("Reference workload: 1 producer, 1-20 items, 1-4 consumers acking in `finally`, each item")
    print("crashing mid-item with p=0.2, join after the producer, uniform random-walk schedule.")
    print(f"Machine: {machine}. Rates are per CPU second of one process (one core), but for")
    print("the --jobs rows: explore's schedules per wall-clock second on that many threads.")
    print()
    header = f"{'runner':<66} {'schedules/s':>12} {'steps/sch':>9} {'hang%':>6} {'vs asyncio':>10}"
    print(header)
    print("-" * len(header))
    for r in py_rows:
        d = r.as_dict()
        ratio = d["schedules_per_s"] / base[r.kind] if base.get(r.kind) else 0.0
        label = f"{d['name']} ({r.kind})"
        print(f"{label:<66} {d['schedules_per_s']:>12,.0f} "
              f"{d['steps_per_schedule']:>9.2f} {d['hang_percent']:>6.1f} {ratio:>9.2f}x")
    for c in cq_rows:
        kind, label = describe_chaosq(c["name"])
        ratio = f"{c['schedules_per_s'] / base[kind]:.1f}x" if base.get(kind) else "-"
        print(f"{label:<66} {c['schedules_per_s']:>12,.0f} {c['steps_per_schedule']:>9.2f} "
              f"{c['hang_percent']:>6.1f} {ratio:>10}")
    by_name = {c["name"]: c for c in cq_rows}
    engine = by_name.get("engine_reference/fifo_mid_item")
    minimal = by_name.get(MINIMAL_ROW)
    share = None
    if engine is None or minimal is None or not minimal["schedules_per_s"]:
        print(f"engine / minimal loop: - (needs engine_reference/fifo_mid_item and {MINIMAL_ROW})")
    else:
        share = engine["schedules_per_s"] / minimal["schedules_per_s"]
        print(f"engine / minimal loop: {share:.2f} (target \u2265 {TARGET_MINIMAL_SHARE:.2f}; "
              f"fifo_mid_item {engine['schedules_per_s']:,.0f}/s against "
              f"{minimal['schedules_per_s']:,.0f}/s)")
    for line in threads_lines(by_name):
        print(line)
    print()
    # The reference draws mid-item crashes from the decision stream (crash_points: mid-item);
    # the pinned variant runs the same workload with its crashes fixed per workload.
    headline = by_name.get("engine_reference/fifo_mid_item") or by_name.get(
        "engine_reference/fifo_pinned")
    if headline is None or not base.get("fifo"):
        summary = "SUMMARY: incomplete: need engine_reference/fifo_mid_item (or fifo_pinned) " \
                  "and the asyncio fifo row"
    else:
        rate = headline["schedules_per_s"]
        ratio = rate / base["fifo"]
        verdicts = []
        if rate >= TARGET_SCHEDULES_PER_S:
            verdicts.append("1M/s target met")
        else:
            verdicts.append(f"{TARGET_SCHEDULES_PER_S / rate:.1f}x short of 1M/s")
        if share is None:
            verdicts.append("engine / minimal loop: no minimal row")
        else:
            met = "met" if share >= TARGET_MINIMAL_SHARE else "not met"
            verdicts.append(f"engine / minimal loop {share:.2f} "
                            f"(target \u2265 {TARGET_MINIMAL_SHARE:.2f} {met})")
        if ratio >= TARGET_RATIO:
            verdicts.append(f"{TARGET_RATIO}x target met")
        else:
            verdicts.append(f"{TARGET_RATIO / ratio:.1f}x short of {TARGET_RATIO}x")
        which = headline["name"].partition("/")[2]
        threads = by_name.get(THREADS_ROW)
        if threads is not None and threads["schedules_per_s"]:
            t_rate = threads["schedules_per_s"]
            met = "met" if t_rate >= TARGET_THREADS_SCHEDULES_PER_S else "not met"
            of = f" = {t_rate / engine['schedules_per_s']:.2f} of coroutines" if engine else ""
            verdicts.append(f"threads mode {t_rate:,.0f}/s{of} "
                            f"(target \u2265 {TARGET_THREADS_SCHEDULES_PER_S // 1000}k/s {met})")
        summary = (f"SUMMARY: chaosq {rate:,.0f} schedules/s ({which}, every oracle) "
                   f"vs CPython asyncio {base['fifo']:,.0f}/s = {ratio:.1f}x; "
                   + "; ".join(verdicts))
    jobs = sorted((int(c["name"].split("/")[2]), c["schedules_per_s"]) for c in cq_rows
                  if c["name"].startswith("engine_jobs/"))
    if len(jobs) >= 2 and jobs[0][0] == 1:
        n, rate_n = jobs[-1]
        print(f"scaling: --jobs {n} runs {rate_n / jobs[0][1]:.2f}x the schedules of --jobs 1 "
              f"per wall-clock second")
    print(summary)
    return summary


def machine_line() -> str:
    model = platform.processor() or "unknown CPU"
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return f"{model}, {os.cpu_count()} CPUs, {platform.system()} {platform.release()}"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=3.0, help="CPU seconds per row")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--kinds", default="fifo,lifo,priority",
                    help="queue kinds for the asyncio rows (comma-separated)")
    ap.add_argument("--hypothesis", choices=["auto", "off"], default="auto",
                    help="add the Hypothesis row (fifo) when hypothesis imports")
    ap.add_argument("--json", help="write the rows to this file")
    ap.add_argument("--chaosq-json", help="chaosq_bench --benchmark_format=json output: "
                    "print the side-by-side table and a SUMMARY line")
    args = ap.parse_args()

    rows = []
    for kind in [k for k in args.kinds.split(",") if k]:
        if kind not in KINDS:
            ap.error(f"unknown kind {kind}")
        rows.append(asyncio_row(kind, args.seconds, args.seed))
        print(f"asyncio_reference: {rows[-1].name} ({kind}): "
              f"{rows[-1].as_dict()['schedules_per_s']:,.0f} schedules/s", flush=True)
    if args.hypothesis == "auto":
        row = hypothesis_row("fifo", args.seconds)
        if row is None:
            print("asyncio_reference: hypothesis does not import: no Hypothesis row")
        else:
            rows.append(row)
            print(f"asyncio_reference: {row.name}: "
                  f"{row.as_dict()['schedules_per_s']:,.0f} schedules/s", flush=True)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump({"machine": machine_line(), "rows": [r.as_dict() for r in rows]}, f,
                      indent=1)
    if args.chaosq_json:
        print_table(rows, chaosq_rows(args.chaosq_json), machine_line())
    return 0


if __name__ == "__main__":
    sys.exit(main())
