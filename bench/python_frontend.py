"""The Python front-end's speed on the seed program, beside a plain Hypothesis harness.

    PYTHONPATH=build/bench/python-3.13 python3 bench/python_frontend.py [--schedules N] [--seconds S]

Rows (schedules per second of wall-clock time, one process, one core):
  chaosq seed       `python3 -m chaosq explore examples.python.seed:main --keep-going`: every
                    schedule runs (the leak does not stop the exploration), one drawn crash each;
                    the rate is the command's own statistics line (the exploration loop: decisions,
                    the program on the controlled loop, the ledger and oracles; no start-up)
  chaosq seed_fixed the same on the fixed program (every schedule passes)
  hypothesis seed   the seed program on the same controlled loop, each choice of the next ready
                    callback drawn by Hypothesis (`st.data()`), as a Hypothesis-driven harness
                    would draw it; no oracle, no fault: only generation and the run
Timing never decides anything here: this prints numbers for the README, not a verdict.
"""

import argparse
import importlib.util
import pathlib
import re
import subprocess
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
RATE = re.compile(r"^statistics: (\d+) schedules in ([0-9.]+) s on 1 thread \((\d+) schedules/s\)",
                  re.M)


def chaosq_row(program: str, schedules: int) -> float:
    """Schedules/s of one exploration of `program`, as the command's statistics line says."""
    r = subprocess.run([sys.executable, "-m", "chaosq", "explore", program, "--keep-going",
                        "--schedules", str(schedules), "--progress", "never"], cwd=ROOT,
                       capture_output=True, text=True, check=False)
    found = RATE.search(r.stdout)
    if r.returncode not in (0, 1) or not found:
        raise SystemExit(f"python_frontend: {program}: exit {r.returncode}\n{r.stdout}{r.stderr}")
    return int(found.group(1)) / float(found.group(2))


class _HypothesisRun:
    """The smallest `Run` for chaosq's loop: Hypothesis picks each ready callback; every event is
    accepted and judged by nothing."""

    trace = False
    step_budget = 100_000

    def __init__(self, data, strategies):
        self.data, self.st = data, strategies
        self.tasks = 0
        self.items = 0

    def pick(self, ready):
        return self.data.draw(self.st.integers(0, len(ready) - 1))

    def add_task(self, name):
        self.tasks += 1
        return self.tasks - 1

    def new_item(self):
        self.items += 1
        return self.items - 1

    def acked(self, *args):
        return -1

    def end_step(self, *args):
        return True

    def between_steps(self):
        return ()

    def visit(self, *args):
        return None

    def _ignore(self, *args):
        return None

    task_ended = woken = where = begin_step = queue_made = begin_wait = end_wait = _ignore
    put = got = join_called = join_returned = join_timed_out = shutdown = _ignore
    task_error = note = queue_state = finish = _ignore


def hypothesis_row(seconds: float) -> float | None:
    try:
        import hypothesis  # noqa: F401
    except ImportError:
        sys.path.append("/usr/lib/python3/dist-packages")  # Debian's python3-hypothesis
        try:
            import hypothesis  # noqa: F401,F811
        except ImportError:
            return None
    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis import strategies as st

    import chaosq

    spec = importlib.util.spec_from_file_location("seed", ROOT / "examples" / "python" / "seed.py")
    seed = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(seed)
    runs = 0

    @settings(max_examples=10**9, deadline=None, database=None, phases=[Phase.generate],
              suppress_health_check=list(HealthCheck))
    @given(st.data())
    def one_schedule(data):
        nonlocal runs
        runs += 1
        chaosq.run_program(_HypothesisRun(data, st), seed.main)
        if time.monotonic() > stop:
            raise _Done

    class _Done(Exception):
        pass

    start = time.monotonic()
    stop = start + seconds
    try:
        one_schedule()
    except _Done:
        pass
    return runs / (time.monotonic() - start)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--schedules", type=int, default=20_000, help="schedules per chaosq row")
    ap.add_argument("--seconds", type=float, default=5.0, help="seconds of the Hypothesis row")
    args = ap.parse_args()
    version = ".".join(map(str, sys.version_info[:3]))
    rows = [(f"chaosq seed (CPython {version})", chaosq_row("examples.python.seed:main",
                                                           args.schedules)),
            (f"chaosq seed_fixed (CPython {version})",
             chaosq_row("examples.python.seed_fixed:main", args.schedules))]
    hyp = hypothesis_row(args.seconds)
    if hyp is not None:
        rows.append((f"hypothesis seed (CPython {version})", hyp))
    width = max(len(name) for name, _ in rows)
    for name, rate in rows:
        ratio = f"  {rate / hyp:5.1f}x hypothesis" if hyp and not name.startswith("hyp") else ""
        print(f"{name:<{width}}  {rate:9,.0f} schedules/s{ratio}")
    print(f"SUMMARY: the Python front-end runs {rows[0][1]:,.0f} schedules/s of the seed program"
          f" (goal: over 5,000)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
