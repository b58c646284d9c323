"""chaosq.explore, @chaosq.explores and the pytest plugin: explorations run in-process, as a test
suite runs them, and fail with the minimal trace and a token the command line replays.

Needs the package the build assembles (PYTHONPATH=<build>/python-<version>, as CTest sets it; an
entry relative to the repository root works too). When python/chaosq itself is the package
imported (first on sys.path when run from python/), the build's native module is found on
sys.path and used with it. The pytest tests need pytest in this interpreter (Debian's
python3-pytest, for /usr/bin/python3) and are skipped without it.
"""

import asyncio
import contextlib
import functools
import importlib.machinery
import importlib.util
import inspect
import io
import os
import pathlib
import re
import subprocess
import sys
import tempfile
import textwrap
import unittest

import chaosq

ROOT = pathlib.Path(__file__).resolve().parents[2]
# The directory this module imports from as __name__ (python/ for tests.test_testing).
IMPORT_ROOT = pathlib.Path(__file__).resolve().parents[__name__.count(".")]
TOKEN = re.compile(r"\bcq\d+-[A-Za-z0-9_-]+-[0-9a-f]{8}\b")

if str(ROOT) not in sys.path:
    sys.path.append(str(ROOT))  # examples.python.seed, by the name its tokens carry
from examples.python import seed, seed_fixed  # noqa: E402  (needs ROOT on sys.path)


def built_package_root():
    """The directory whose chaosq package has the native module, or None: an entry of sys.path,
    or one of PYTHONPATH taken from the repository root (build/<preset>/python-<version>)."""
    from_root = [ROOT / entry for entry in os.environ.get("PYTHONPATH", "").split(os.pathsep)
                 if entry]
    for base in [pathlib.Path(entry or ".") for entry in sys.path] + from_root:
        if any((base / "chaosq" / f"_native{suffix}").is_file()
               for suffix in importlib.machinery.EXTENSION_SUFFIXES):
            return base.resolve()
    return None


BUILT = built_package_root()
if BUILT is not None and importlib.util.find_spec("chaosq._native") is None:
    # python/chaosq has the same .py files as the build's copy, but not its native module.
    chaosq.__path__.append(str(BUILT / "chaosq"))


def setUpModule():
    if BUILT is None:
        raise unittest.SkipTest("no chaosq package with its native module on sys.path: set "
                                "PYTHONPATH to the build's python-<version> directory")


def command(*args, cwd=ROOT, extra_path=()):
    """Runs a Python command on the built package: (exit status, stdout + stderr)."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(BUILT), *map(str, extra_path)]),
               PYTHONDONTWRITEBYTECODE="1")
    r = subprocess.run([sys.executable, *args], cwd=cwd, env=env, capture_output=True, text=True,
                       timeout=600)
    return r.returncode, f"{r.stdout}{r.stderr}"


async def worker_pool(acknowledge_failures):
    """seed.py's worker pool; acknowledge_failures=False is its bug (no task_done on error)."""
    queue = asyncio.Queue()
    for i in range(6):
        queue.put_nowait(0.1 * (i % 3 + 1))

    async def worker():
        while True:
            job = await queue.get()
            try:
                await asyncio.sleep(job)
            except Exception:
                if not acknowledge_failures:
                    raise
            queue.task_done()

    workers = [asyncio.create_task(worker()) for _ in range(3)]
    await queue.join()
    for task in workers:
        task.cancel()
    await asyncio.gather(*workers, return_exceptions=True)


class ExploreTheSeed(unittest.TestCase):
    """explore() on the seed program (task_done skipped on the error path) and its fix."""

    @classmethod
    def setUpClass(cls):
        cls.leak = chaosq.explore(seed.main, schedules=2000)

    def test_the_missing_task_done_is_a_join_hang_held_by_the_crashed_worker(self):
        r = self.leak
        self.assertFalse(r.passed)
        self.assertEqual(r.program, "examples.python.seed:main")
        self.assertEqual(r.signature, "join-hang/held-by-crashed")
        self.assertRegex(r.summary, r"^violation join-hang/held-by-crashed at schedule \d+ "
                                    r"\(\d+ schedules, seed 1\)$")
        self.assertRegex(r.token, f"^{TOKEN.pattern}$")
        self.assertEqual(r.replay_command, f"python3 -m chaosq replay {r.token}")

    def test_the_failure_has_the_verdict_the_marked_trace_the_item_the_token_and_the_replay(self):
        text = self.leak.failure
        self.assertIn("VIOLATION join-hang/held-by-crashed", text)
        self.assertIn("minimal trace", text)
        self.assertRegex(text, r"(?m)^>\s+\d+\s+worker(#\d+)?\s+crash\s+i\d+")
        self.assertRegex(text, r"(?m)^unacknowledged:\n  i\d+ \(put by main at step \d+, got by "
                               r"worker(#\d+)? .*held by worker(#\d+)? when it ended: crash")
        self.assertIn(f"token: {self.leak.token}\n", text)
        self.assertTrue(text.endswith(f"replay: python3 -m chaosq replay {self.leak.token}"), text)

    def test_the_report_is_the_commands_json(self):
        report = self.leak.report
        self.assertEqual(report["command"], "explore")
        self.assertEqual(report["schedules"], 2000)
        self.assertEqual(report["first_failure"]["token"], self.leak.token)
        self.assertEqual(report["first_failure"]["signature"], self.leak.signature)

    def test_the_command_line_replays_the_token_to_the_same_trace(self):
        status, output = command("-m", "chaosq", "replay", self.leak.token)
        self.assertEqual(status, 1, output)
        self.assertIn("SUMMARY: violation join-hang/held-by-crashed (replayed)", output)
        replayed = output[:output.index("SUMMARY: ")]
        self.assertIn(replayed, self.leak.failure)

    def test_the_fix_passes_every_schedule(self):
        r = chaosq.explore(seed_fixed.main, schedules=2000)
        self.assertTrue(r.passed, r.failure)
        self.assertEqual(r.summary, "no violation in 2000 schedules (seed 1)")
        self.assertEqual((r.failure, r.signature, r.token, r.replay_command),
                         (None, None, None, None))
        self.assertEqual(r.report["stats"]["violations"], 0)

    def test_each_keyword_is_the_flag_of_its_name(self):
        r = chaosq.explore(seed.main, schedules=50, seed=7, crash_budget=0, keep_going=True,
                           crash_points=["mid-item", "after-get"])
        self.assertTrue(r.passed, r.failure)  # no crash drawn: every job is acknowledged
        self.assertEqual((r.report["schedules"], r.report["seed"], r.report["keep_going"]),
                         (50, 7, True))
        self.assertIn("crash-budget=0", r.report["workload"])
        self.assertIn("crash-points=after-get,mid-item", r.report["workload"])

    def test_a_keyword_it_does_not_take_is_a_type_error_naming_it(self):
        with self.assertRaisesRegex(TypeError, r"explore\(\) got an unexpected keyword argument "
                                               r"'schedule' \(did you mean 'schedules'\?\)"):
            chaosq.explore(seed.main, schedule=5)

    def test_a_value_the_command_refuses_is_a_usage_error_in_its_words(self):
        with self.assertRaisesRegex(chaosq.UsageError, r"--seed: -3 is out of range"):
            chaosq.explore(seed.main, seed=-3)


class Decorator(unittest.TestCase):
    """@chaosq.explores: an async def test becomes a plain test that fails with the report."""

    def test_a_violation_is_an_assertion_error_with_the_minimal_trace_and_the_replay(self):
        @chaosq.explores(schedules=2000)
        async def test_leaky_pool():
            await worker_pool(acknowledge_failures=False)

        with self.assertRaises(AssertionError) as caught:
            test_leaky_pool()
        message = str(caught.exception)
        self.assertIn("VIOLATION join-hang/held-by-crashed", message)
        self.assertIn("minimal trace", message)
        self.assertRegex(message, r"(?m)^\s+step\s+task\s+operation")
        self.assertRegex(message, f"(?m)^replay: python3 -m chaosq replay {TOKEN.pattern}$")

    def test_a_test_that_passes_returns_none_and_keeps_its_name(self):
        @chaosq.explores(schedules=300)
        async def test_fixed_pool():
            await worker_pool(acknowledge_failures=True)

        self.assertEqual(test_fixed_pool.__name__, "test_fixed_pool")
        self.assertFalse(inspect.iscoroutinefunction(test_fixed_pool))
        self.assertIsNone(test_fixed_pool())

    def test_test_case_methods_pass_and_fail_under_unittest(self):
        class Pools(unittest.TestCase):
            @chaosq.explores(schedules=2000)
            async def test_leaky(self):
                await worker_pool(acknowledge_failures=False)

            @chaosq.explores(schedules=300)
            async def test_fixed(self):
                await worker_pool(acknowledge_failures=True)

        result = unittest.TestResult()
        unittest.defaultTestLoader.loadTestsFromTestCase(Pools).run(result)
        self.assertEqual((result.testsRun, len(result.errors), len(result.failures)), (2, 0, 1))
        failed, report = result.failures[0]
        self.assertEqual(failed.id().rsplit(".", 1)[1], "test_leaky")
        self.assertIn("VIOLATION join-hang/held-by-crashed", report)
        self.assertRegex(report, f"token: {TOKEN.pattern}")

    def test_a_keyword_it_does_not_take_is_a_type_error_when_decorating(self):
        with self.assertRaisesRegex(TypeError, r"explores\(\) got an unexpected keyword "
                                               r"argument 'crashes'"):
            chaosq.explores(crashes=2)

    def test_it_decorates_coroutine_functions_only(self):
        with self.assertRaisesRegex(TypeError, r"@chaosq.explores decorates an 'async def'"):
            chaosq.explores()(lambda: None)


class Registration(unittest.TestCase):
    """A program that is not importable by its name runs under module:qualname, registered for
    the call; the command line, which imports by name, says it cannot find it."""

    @classmethod
    def setUpClass(cls):
        async def leaky():
            await worker_pool(acknowledge_failures=False)

        cls.name = f"{__name__}:Registration.setUpClass.locals.leaky"
        cls.leak = chaosq.explore(leaky, schedules=2000)

    def test_a_nested_function_runs_under_its_qualified_name(self):
        self.assertEqual(self.leak.program, self.name)
        self.assertEqual(self.leak.signature, "join-hang/held-by-crashed")
        self.assertIn(f"program={self.name} ", self.leak.failure)

    def test_the_failure_says_what_the_command_line_would_say_of_that_name(self):
        module, _, function = self.name.partition(":")
        self.assertIn(f"would refuse it: module '{module}' has no '{function}'", self.leak.failure)

    def test_the_command_line_says_the_module_has_no_such_function(self):
        status, output = command("-m", "chaosq", "replay", self.leak.token,
                                 extra_path=[IMPORT_ROOT])
        self.assertEqual(status, 2, output)
        module, _, function = self.name.partition(":")
        self.assertIn(f"module '{module}' has no '{function}'", output)

    def test_a_registered_name_is_never_imported(self):
        async def fixed():
            await worker_pool(acknowledge_failures=True)

        fixed.__module__ = "no_such_module_for_chaosq"
        r = chaosq.explore(fixed, schedules=100)
        self.assertTrue(r.passed, r.failure)
        self.assertEqual(r.program, "no_such_module_for_chaosq:Registration."
                                    "test_a_registered_name_is_never_imported.locals.fixed")

    def test_arguments_are_bound_with_functools_partial(self):
        r = chaosq.explore(functools.partial(worker_pool, True), schedules=300)
        self.assertTrue(r.passed, r.failure)
        self.assertEqual(r.program, f"{__name__}:worker_pool")

    def test_a_function_it_cannot_call_with_no_arguments_is_a_type_error(self):
        with self.assertRaisesRegex(TypeError, r"is not a coroutine function"):
            chaosq.explore(lambda: seed.main())
        with self.assertRaisesRegex(TypeError, r"worker_pool takes arguments"):
            chaosq.explore(worker_pool)


class Output(unittest.TestCase):
    """The command's output is captured; the program's prints and the process's own are not."""

    SCRIPT = textwrap.dedent("""\
        import asyncio, sys
        import chaosq

        async def main():
            print("program out")
            print("program err", file=sys.stderr)
            queue = asyncio.Queue()
            queue.put_nowait(1)
            await queue.get()
            queue.task_done()
            await queue.join()

        result = chaosq.explore(main, schedules=3)
        print("after", result.passed, result.summary)
        print("after on stderr", file=sys.stderr)
        """)

    def test_descriptors_1_and_2_come_back_and_carry_only_the_programs_and_callers_output(self):
        with tempfile.TemporaryDirectory() as directory:
            script = pathlib.Path(directory, "prints.py")
            script.write_text(self.SCRIPT)
            env = dict(os.environ, PYTHONPATH=str(BUILT), PYTHONDONTWRITEBYTECODE="1")
            r = subprocess.run([sys.executable, str(script)], env=env, capture_output=True,
                               text=True, timeout=600)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout, "program out\n" * 3 + "after True no violation in 3 "
                                                          "schedules (seed 1)\n")
        self.assertEqual(r.stderr, "program err\n" * 3 + "after on stderr\n")

    def test_in_process_sys_stdout_and_the_descriptors_are_as_before(self):
        def identity(fd):
            status = os.fstat(fd)
            return status.st_dev, status.st_ino

        before = [identity(1), identity(2)], len(os.listdir("/proc/self/fd"))
        printed = io.StringIO()
        with contextlib.redirect_stdout(printed):
            chaosq.explore(seed.main, schedules=2000)
            print("still here")
        self.assertEqual(([identity(1), identity(2)], len(os.listdir("/proc/self/fd"))), before)
        self.assertEqual(printed.getvalue(), "still here\n")


PYTEST_HEADER = textwrap.dedent("""\
    import asyncio
    import os

    import chaosq
    import pytest


    """)
# The same worker pool as above, its source copied into the file pytest runs.
PYTEST_TESTS = PYTEST_HEADER + inspect.getsource(worker_pool) + textwrap.dedent("""\


    @pytest.mark.chaosq(schedules=2000)
    async def test_leaky_pool():
        await worker_pool(acknowledge_failures=False)


    @pytest.mark.chaosq(schedules=300)
    async def test_fixed_pool():
        await worker_pool(acknowledge_failures=True)


    @pytest.mark.chaosq(schedules=20)
    async def test_counted():
        with open(os.environ["COUNT_FILE"], "a") as count:
            count.write("run\\n")
        await worker_pool(acknowledge_failures=True)


    class TestPools:
        @pytest.mark.chaosq(schedules=300)
        async def test_fixed_pool_method(self):
            await worker_pool(acknowledge_failures=True)


    @chaosq.explores(schedules=2000)
    async def test_decorated_leaky_pool():
        await worker_pool(acknowledge_failures=False)


    @pytest.mark.chaosq(schedule=3)
    async def test_misspelled_keyword():
        await worker_pool(acknowledge_failures=True)
    """)


@unittest.skipUnless(importlib.util.find_spec("pytest"),
                     f"pytest is not installed for {sys.executable} (Debian: python3-pytest, "
                     f"for /usr/bin/python3)")
class PytestPlugin(unittest.TestCase):
    """-p chaosq.pytest_plugin: marked async def tests are explored, the options override."""

    def pytest(self, *options):
        """Runs pytest on PYTEST_TESTS: (exit status, output, schedules test_counted ran)."""
        with tempfile.TemporaryDirectory() as directory:
            pathlib.Path(directory, "test_pools.py").write_text(PYTEST_TESTS)
            count = pathlib.Path(directory, "count")
            count.touch()
            env = dict(os.environ, PYTHONPATH=str(BUILT), PYTHONDONTWRITEBYTECODE="1",
                       COUNT_FILE=str(count))
            r = subprocess.run([sys.executable, "-m", "pytest", "-p", "chaosq.pytest_plugin",
                                "-p", "no:cacheprovider", "test_pools.py", *options],
                               cwd=directory, env=env, capture_output=True, text=True,
                               timeout=600)
            runs = len(count.read_text().splitlines())
        return r.returncode, r.stdout + r.stderr, runs

    def test_the_leaky_tests_fail_with_the_trace_and_the_token_and_the_fixed_ones_pass(self):
        status, output, runs = self.pytest()
        self.assertEqual(status, 1, output)
        self.assertIn("3 failed, 3 passed", output)
        self.assertRegex(output, r"FAILED test_pools.py::test_leaky_pool\b")
        self.assertRegex(output, r"FAILED test_pools.py::test_decorated_leaky_pool\b")
        self.assertIn("@pytest.mark.chaosq: explore() got an unexpected keyword argument "
                      "'schedule' (did you mean 'schedules'?)", output)
        self.assertIn("VIOLATION join-hang/held-by-crashed", output)
        self.assertRegex(output, f"replay: python3 -m chaosq replay {TOKEN.pattern}")
        self.assertEqual(runs, 20)

    def test_the_command_line_overrides_every_marked_tests_schedules_and_seed(self):
        _, output, runs = self.pytest("--chaosq-schedules", "7")
        self.assertEqual(runs, 7, output)
        _, output, _ = self.pytest("--chaosq-seed", "5")
        self.assertRegex(output, r"chaosq: violation join-hang/held-by-crashed at schedule \d+ "
                                 r"\(\d+ schedules, seed 5\) exploring test_pools:test_leaky_pool")


if __name__ == "__main__":
    unittest.main()
