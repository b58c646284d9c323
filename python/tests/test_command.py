"""`python3 -m chaosq` end to end, as a user runs it: the seed programs, tokens that replay
across the Python and the C++ command, reports, and bad input.

Needs the package assembled by the build (PYTHONPATH=<build>/python-<version>, as CTest sets it)
and, for the cross-command checks, CHAOSQ_CPP_COMMAND naming the C++ chaosq.
"""

import asyncio
import json
import os
import pathlib
import re
import subprocess
import sys
import tempfile
import unittest

ROOT = pathlib.Path(__file__).resolve().parents[2]
CPP_COMMAND = os.environ.get("CHAOSQ_CPP_COMMAND")
TOKEN = re.compile(r"\bcq\d+-[A-Za-z0-9_-]+-[0-9a-f]{8}\b")


def chaosq(*args, timeout=600):
    """`python3 -m chaosq ARGS` from the repository's top, as a user runs it: the package from
    PYTHONPATH (the build's), and python/ after it, so that the test programs import as
    tests.programs.NAME."""
    path = os.pathsep.join(p for p in (os.environ.get("PYTHONPATH"), str(ROOT / "python")) if p)
    return subprocess.run([sys.executable, "-m", "chaosq", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=timeout, env={**os.environ, "PYTHONPATH": path})


def cpp_chaosq(*args):
    """The C++ command, without the sanitizer runtime a sanitized build preloads for Python (an
    executable linked with its own copy refuses a second)."""
    env = {name: value for name, value in os.environ.items() if name != "LD_PRELOAD"}
    return subprocess.run([CPP_COMMAND, *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=60)


def output(result):
    return f"exit {result.returncode}\n--- stdout\n{result.stdout}\n--- stderr\n{result.stderr}"


class SeedPrograms(unittest.TestCase):
    """The seed document's programs: the worker pool without task_done on its error path, and
    the fix (task_done in finally, the workers cancelled after join)."""

    @classmethod
    def setUpClass(cls):
        # explore's own default crash budget (1) strikes the workers: no other flag needed.
        cls.leak = chaosq("explore", "examples.python.seed:main", "--schedules", "2000")

    def test_the_missing_task_done_is_a_join_hang_naming_the_item_the_worker_and_its_line(self):
        r = self.leak
        self.assertEqual(r.returncode, 1, output(r))
        self.assertIn("SUMMARY: violation join-hang/held-by-crashed", r.stdout, output(r))
        # The item, the task that held it (its coroutine's name) and the fault that struck it.
        self.assertRegex(r.stdout, r"i\d+ \(put by main", output(r))
        self.assertRegex(r.stdout, r"held by worker(#\d+)? when it ended: crash", output(r))
        # Where the waiting join stopped, as a file:line of the program.
        self.assertRegex(r.stdout, r"main at .*seed\.py:\d+", output(r))

    def test_the_fix_passes_every_schedule_explored(self):
        r = chaosq("explore", "examples.python.seed_fixed:main", "--schedules", "2000")
        self.assertEqual(r.returncode, 0, output(r))
        self.assertIn("SUMMARY: no violation in 2000 schedules", r.stdout, output(r))

    def test_the_token_replays_the_same_trace_byte_for_byte(self):
        tokens = TOKEN.findall(self.leak.stdout)
        self.assertTrue(tokens, output(self.leak))
        first = chaosq("replay", tokens[0])
        second = chaosq("replay", tokens[0])
        self.assertEqual(first.returncode, 1, output(first))
        self.assertIn("join-hang/held-by-crashed", first.stdout, output(first))
        self.assertEqual(first.stdout, second.stdout)

    @unittest.skipUnless(CPP_COMMAND, "CHAOSQ_CPP_COMMAND names no C++ chaosq")
    def test_the_cpp_command_decodes_the_token_and_says_it_needs_the_python_runner(self):
        token = TOKEN.findall(self.leak.stdout)[0]
        r = cpp_chaosq("replay", token)
        self.assertEqual(r.returncode, 2, output(r))
        self.assertIn("examples.python.seed:main is a Python program: python3 -m chaosq runs it",
                      r.stdout + r.stderr, output(r))

    def test_json_carries_the_verdict_and_the_token(self):
        r = chaosq("explore", "examples.python.seed:main", "--schedules", "2000", "--json")
        self.assertEqual(r.returncode, 1, output(r))
        report = json.loads(r.stdout)
        text = json.dumps(report)
        self.assertIn("join-hang", text)
        self.assertRegex(text, TOKEN.pattern)


class Golden(unittest.TestCase):
    """A replay prints a pure function of its token: the same bytes in every build (g++ and clang,
    sanitized or not: both test builds run this) and in 3.11 and 3.13 where asyncio itself does
    not differ (3.11's wait_for runs the join in a task of its own: the incident has a file per
    version). CHAOSQ_UPDATE_GOLDEN=1 rewrites the files."""

    GOLDEN = pathlib.Path(__file__).resolve().parent / "golden"

    def check(self, token, name):
        r = chaosq("replay", token)
        self.assertEqual(r.returncode, 1, output(r))
        path = self.GOLDEN / name
        if os.environ.get("CHAOSQ_UPDATE_GOLDEN") == "1":
            path.write_text(r.stdout + r.stderr)
        self.assertEqual(r.stdout + r.stderr, path.read_text())

    def test_the_seed_programs_leak(self):
        self.check("cq6-AhlleGFtcGxlcy5weXRob24uc2VlZDptYWluAAAAAQMAAgAAAQABAAABAAAIP6CNBgAADgAAAAAAAAA"
                   "AAAAAAAAH-9817c3c2", "seed-replay.txt")

    def test_the_incident(self):
        version = f"{sys.version_info[0]}.{sys.version_info[1]}"
        self.check("cq6-Ah1leGFtcGxlcy5weXRob24uaW5jaWRlbnQ6bWFpbgAAAAEDAAIAAAEAAQAAAAAACD-gjQYAAAA-"
                   "e467e70b", f"incident-replay-{version}.txt")


class Reports(unittest.TestCase):
    """The same renderers as the C++ command: an HTML timeline, a YAML reproducer that `run`
    replays."""

    TOKEN = ("cq6-AhlleGFtcGxlcy5weXRob24uc2VlZDptYWluAAAAAQMAAgAAAQABAAABAAAIP6CNBgAADgAAAAAAAAAAAA"
             "AAAAAH-9817c3c2")

    def test_an_html_timeline_with_a_lane_per_task(self):
        with tempfile.TemporaryDirectory() as out:
            page = pathlib.Path(out) / "seed.html"
            r = chaosq("replay", self.TOKEN, "--html", str(page))
            self.assertEqual(r.returncode, 1, output(r))
            html = page.read_text()
            for lane in ("main", "worker#2", "worker#3"):
                self.assertIn(lane, html)

    def test_a_yaml_reproducer_that_run_replays_to_the_same_verdict(self):
        r = chaosq("replay", self.TOKEN, "--as-scenario")
        self.assertEqual(r.returncode, 1, output(r))
        self.assertIn("python: examples.python.seed:main", r.stdout)
        with tempfile.TemporaryDirectory() as out:
            scenario = pathlib.Path(out) / "repro.yaml"
            scenario.write_text(r.stdout)
            ran = chaosq("run", str(scenario))
        self.assertEqual(ran.returncode, 0, output(ran))
        self.assertIn("join-hang/held-by-crashed shown by the pinned run, unacknowledged i1",
                      ran.stdout, output(ran))


class Strategies(unittest.TestCase):
    def test_every_strategy_finds_the_leak(self):
        for strategy in ("random", "pct", "pos", "surw", "dfs", "portfolio"):
            r = chaosq("explore", "examples.python.seed:main", "--strategy", strategy,
                       "--schedules", "3000")
            self.assertEqual(r.returncode, 1, output(r))
            self.assertIn("SUMMARY: violation join-hang/held-by-crashed", r.stdout, output(r))

    def test_dfs_verifies_the_fix_within_its_bounds(self):
        r = chaosq("explore", "examples.python.seed_fixed:main", "--strategy", "dfs",
                   "--preemptions", "1", "--schedules", "100000")
        self.assertEqual(r.returncode, 0, output(r))
        self.assertRegex(r.stdout, r"verified: all \d+ schedules up to 1 preemptions and 1 drawn "
                                   r"fault\(s\)")


class Scenarios(unittest.TestCase):
    """YAML scenarios that name a Python program (`mode: python`, `python: module:function`)."""

    def test_the_bundled_python_scenarios_pass_and_write_junit(self):
        junit = ROOT / "build" / f"python-scenarios-{sys.version_info[0]}.{sys.version_info[1]}.xml"
        r = chaosq("run", "examples/python/scenarios/", "--junit", str(junit))
        self.assertEqual(r.returncode, 0, output(r))
        self.assertIn("SUMMARY: 3 scenario(s): 3 passed", r.stdout, output(r))
        self.assertIn('name="python-incident"', junit.read_text())

    @unittest.skipUnless(hasattr(asyncio.Queue, "shutdown"), "asyncio.Queue.shutdown is new in 3.13")
    def test_shutdowns_drawn_at_any_step_leave_the_fix_passing(self):
        r = chaosq("run", "examples/python/scenarios-3.13/")
        self.assertEqual(r.returncode, 0, output(r))

    @unittest.skipIf(hasattr(asyncio.Queue, "shutdown"), "this Python has asyncio.Queue.shutdown")
    def test_before_3_13_a_shutdown_budget_is_refused_where_the_file_names_the_program(self):
        r = chaosq("run", "examples/python/scenarios-3.13/")
        self.assertEqual(r.returncode, 2, output(r))
        self.assertRegex(r.stdout, r"seed-fixed-shutdown\.yaml:\d+:\d+: error: python: .*"
                                   r"shutdown any: asyncio\.Queue\.shutdown\(\) is new in "
                                   r"Python 3\.13")

    @unittest.skipUnless(CPP_COMMAND, "CHAOSQ_CPP_COMMAND names no C++ chaosq")
    def test_the_cpp_command_refuses_a_python_scenario_naming_its_line(self):
        r = cpp_chaosq("run", "examples/python/scenarios/seed.yaml")
        self.assertEqual(r.returncode, 2, output(r))
        self.assertIn("seed.yaml:8:9: error: python: program examples.python.seed:main is a Python "
                      "program: python3 -m chaosq runs it", r.stdout, output(r))


class CommandLine(unittest.TestCase):
    def test_the_program_may_be_named_with_its_flags_instead(self):
        r = chaosq("explore", "--mode", "python", "--program", "examples.python.seed_fixed:main",
                   "--schedules", "50")
        self.assertEqual(r.returncode, 0, output(r))

    def test_with_json_what_the_program_prints_goes_to_stderr(self):
        r = chaosq("explore", "tests.programs.chatty:main", "--schedules", "20", "--json")
        self.assertEqual(r.returncode, 0, output(r))
        self.assertEqual(json.loads(r.stdout)["stats"]["schedules"], 20, output(r))
        self.assertIn("did job", r.stderr)

    def test_with_json_bad_input_is_json_too(self):
        r = chaosq("explore", "no_such_module_anywhere:main", "--json")
        self.assertEqual(r.returncode, 2, output(r))
        self.assertIn("does not import", json.loads(r.stdout)["message"])


class BadInput(unittest.TestCase):
    """Exit 2 with a message that says what is wrong, never a traceback."""

    def check(self, args, message):
        r = chaosq(*args)
        self.assertEqual(r.returncode, 2, output(r))
        self.assertIn(message, r.stdout + r.stderr, output(r))
        self.assertNotIn("Traceback", r.stdout + r.stderr, output(r))

    def test_a_module_that_does_not_import(self):
        self.check(["explore", "no_such_module_anywhere:main"],
                   "module 'no_such_module_anywhere' does not import: ModuleNotFoundError")

    def test_a_function_the_module_does_not_have(self):
        self.check(["explore", "examples.python.seed:nothing"],
                   "module 'examples.python.seed' has no 'nothing'")

    def test_a_function_that_is_not_a_coroutine_function(self):
        self.check(["explore", "json:dumps"], "json:dumps is not a coroutine function")

    def test_a_corrupt_token(self):
        self.check(["replay", "cq6-AAAA-00000000"], "checksum")

    def test_a_workload_flag_a_python_program_does_not_take(self):
        self.check(["explore", "examples.python.seed:main", "--consumers", "3"],
                   "consumers: a Python program makes its own tasks and queue")


if __name__ == "__main__":
    unittest.main()
