"""How fast run_program runs an example, and whether memory stays flat over many runs.

    PYTHONPATH=python python3 python/tests/bench_seed.py [--runs 20000] [--example seed]

Runs examples/python/<example>.py under FakeRun with all-zero decisions and tracing off, as an
exploration's fast path does, and prints schedules per CPU second and the process's resident
memory and live objects after the first tenth of the runs and at the end. Not a test: timing
never decides anything here.
"""

import argparse
import gc
import importlib.util
import pathlib
import platform
import sys
import time

import chaosq

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from fake_run import FakeRun  # noqa: E402 - beside this script, which is not in a package here

EXAMPLES = pathlib.Path(__file__).resolve().parents[2] / "examples" / "python"


def resident_kib() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return -1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20_000)
    parser.add_argument("--example", default="seed")
    args = parser.parse_args()
    spec = importlib.util.spec_from_file_location(args.example, EXAMPLES / f"{args.example}.py")
    example = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(example)

    checkpoint = max(1, args.runs // 10)
    measuring = 0.0  # CPU time spent measuring memory, not running
    started = time.process_time()
    for i in range(1, args.runs + 1):
        fake = FakeRun(trace=False)
        chaosq.run_program(fake, example.main)
        if i == checkpoint:
            before = time.process_time()
            gc.collect()
            early = (resident_kib(), len(gc.get_objects()))
            measuring = time.process_time() - before
    seconds = time.process_time() - started - measuring
    gc.collect()
    late = (resident_kib(), len(gc.get_objects()))
    print(f"CPython {platform.python_version()}: {args.example}.py under FakeRun, all-zero "
          f"decisions, trace off: {args.runs} schedules, {fake.steps} steps and end "
          f"'{fake.end}' each")
    print(f"  {args.runs / seconds:,.0f} schedules per CPU second")
    print(f"  after {checkpoint} runs: {early[0]} KiB resident, {early[1]} live objects")
    print(f"  after {args.runs} runs: {late[0]} KiB resident, {late[1]} live objects")


if __name__ == "__main__":
    main()
