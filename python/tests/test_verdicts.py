"""Every verdict kind a real asyncio program can earn, reached from Python.

Each test runs `python3 -m chaosq explore tests.programs.X:main` on a small asyncio program with
one planted bug of the kind real code has (tests/programs/, one module per bug) and checks the
signature on the SUMMARY line; a few fixed variants pass every schedule explored, and so do
programs without a bug that look into their queue's storage. The last test checks that this file
accounts for every verdict kind of `chaosq run --schema`: each is either reached below or listed
here as unreachable, with the reason.

Verdict kinds a Python program cannot reach, and why:

- duplicated/got-twice: every item enters the storage through `_put`, which gives it a new id,
  and `_get` takes it out: a get can return an item once. Putting the same object again makes a
  new item. (Only copying an entry of `q._queue` within the storage itself could repeat one.)
- duplicated/never-put: the items a get can take are the ones `_put` stored, and put_nowait()
  reports each as put. (An item written into the storage directly, bypassing `_put`, is
  refused: chaosq cannot tell which item it is. A subclass that re-implements put_nowait()
  around `self._put` instead of calling it is not seen putting, a limitation of the front-end
  that gives false verdicts, not a way to reach this one honestly.)
- duplicated/extra-items: the storage only holds items that came through `_put`, all in the
  ledger. Only a program that writes an item into `q._queue` itself and never takes it out could
  show it, and one that takes it out is refused, as above: not covered.
- order/priority: a PriorityQueue orders items by the program's own comparisons, which the
  ledger cannot know: chaosq judges FIFO and LIFO order only (harness/observed.cpp,
  queue_made).
- livelock/no-suspension: judged only for chaosq's own C++ consumers. A Python task that makes
  queue calls in a loop without ever awaiting never gives control back to the event loop: the
  program hangs chaosq as it hangs asyncio, and no step ends to be judged.

order/fifo, order/lifo and lost/vanished are reached only by a program that rearranges or
clears its queue's storage itself (`q._queue.rotate(1)`, `q._queue.clear()`): asyncio's
storage hands items out in order and never drops one. over-ack/negative-count is reached only by
a program that lowers the count itself (`q._unfinished_tasks -= n`: asyncio's task_done() raises
ValueError instead), and judged at its next task_done(), which finds the count negative. Every
other kind is reached through the public API or a subclass overriding methods other than
`_put`/`_get` (task_done, get, full, or a method of its own), as real code does.

Needs the package assembled by the build (PYTHONPATH=<build>/python-<version>, as CTest sets it).
"""

import asyncio
import os
import pathlib
import re
import subprocess
import sys
import unittest

ROOT = pathlib.Path(__file__).resolve().parents[2]
HAS_SHUTDOWN = hasattr(asyncio.Queue, "shutdown")
SUMMARY = re.compile(
    r"^SUMMARY: (?:violation (\S+) at schedule \d+|no violation in (\d+) schedules)", re.MULTILINE)

# The kinds listed as unreachable above.
UNREACHABLE = {"duplicated/got-twice", "duplicated/never-put",
               "duplicated/extra-items", "order/priority", "livelock/no-suspension"}
# Every verdict kind a test below reaches; the tests add to it as they are defined.
REACHED = set()


def chaosq(*args, timeout=120):
    """`python3 -m chaosq ARGS`, run from the repository's root as test_command.py does (from
    python/ the sources of the chaosq package, which lack the native module, would come before the
    build's package), with python/ after the caller's PYTHONPATH so that `tests.programs` imports.
    """
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        path for path in (env.get("PYTHONPATH"), str(ROOT / "python")) if path)
    env.setdefault("PYTHONDONTWRITEBYTECODE", "1")
    return subprocess.run([sys.executable, "-m", "chaosq", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=timeout)


def output(result):
    return f"exit {result.returncode}\n--- stdout\n{result.stdout}\n--- stderr\n{result.stderr}"


def explore(program, *flags, schedules=2000):
    return chaosq("explore", f"tests.programs.{program}:main", "--schedules", str(schedules),
                  *flags)


def reaches(signature):
    """Marks a test method as the one that reaches `signature`."""
    REACHED.add(signature)
    return lambda method: method


class Verdicts(unittest.TestCase):
    """One planted bug per verdict kind; each explore finds it well within its schedules."""

    def expect(self, signature, program, *flags, schedules=2000):
        """Explores `program` and checks that the verdict found is `signature`; returns the run."""
        r = explore(program, *flags, schedules=schedules)
        self.assertEqual(r.returncode, 1, output(r))
        found = SUMMARY.findall(r.stdout)
        self.assertEqual(len(found), 1, output(r))
        self.assertEqual(found[0][0], signature, output(r))
        self.assertIn(f"VIOLATION {signature}\n", r.stdout, output(r))
        self.assertNotIn("Traceback", r.stdout + r.stderr, output(r))
        return r

    # ---- join-early ----

    @reaches("join-early/no-zero")
    def test_task_done_that_wakes_join_when_the_queue_is_empty(self):
        r = self.expect("join-early/no-zero", "empty_means_done", "--crash-budget", "0")
        self.assertIn("the unfinished count never reached zero", r.stdout, output(r))

    @reaches("join-early/unacked")
    def test_worker_that_acknowledges_the_previous_job_before_its_first(self):
        r = self.expect("join-early/unacked", "ack_previous", "--crash-budget", "0")
        self.assertRegex(r.stdout, r"never acknowledged", output(r))

    # ---- join-hang ----

    @reaches("join-hang/unconsumed")
    def test_worker_shares_rounded_down_leave_a_job_nobody_takes(self):
        r = self.expect("join-hang/unconsumed", "quota_workers", "--crash-budget", "0")
        self.assertRegex(r.stdout, r"i6 \(put by main at step \d+, never got\)", output(r))

    @reaches("join-hang/held-by-crashed")
    def test_worker_that_acknowledges_only_the_errors_it_expects(self):
        r = self.expect("join-hang/held-by-crashed", "leaks_on_crash", "--crash-budget", "1")
        self.assertRegex(r.stdout, r"held by worker(#\d+)? when it ended: crash", output(r))

    @reaches("join-hang/held-by-cancelled")
    def test_worker_cancelled_while_it_holds_a_header_and_waits_for_the_body(self):
        r = self.expect("join-hang/held-by-cancelled", "pairs_cancelled", "--crash-budget", "0",
                        "--cancel-budget", "1")
        self.assertRegex(r.stdout, r"held by assembler when it ended: cancel at in-get", output(r))

    @reaches("join-hang/never-acked")
    def test_worker_that_skips_duplicates_without_acknowledging_them(self):
        r = self.expect("join-hang/never-acked", "skips_without_ack", "--crash-budget", "0")
        self.assertRegex(r.stdout, r"got by worker(#\d+)? at step \d+", output(r))

    @reaches("join-hang/count-mismatch")
    def test_deferred_put_that_counts_its_item_twice(self):
        r = self.expect("join-hang/count-mismatch", "deferred_put", "--crash-budget", "0")
        self.assertIn("the queue's count is off", r.stdout, output(r))

    # ---- stranded ----

    @reaches("stranded/producer-in-put")
    def test_producer_left_blocked_on_a_full_queue_after_the_consumer_stopped(self):
        r = self.expect("stranded/producer-in-put", "producer_blocked", "--crash-budget", "0")
        self.assertRegex(r.stdout, r"produce#2 is blocked in put since step \d+, forever: the "
                                   r"queue holds 2 of maxsize 2", output(r))

    @reaches("stranded/getter-after-shutdown")
    @unittest.skipUnless(HAS_SHUTDOWN, "asyncio.Queue.shutdown is new in Python 3.13")
    def test_get_copied_from_python_3_12_waits_again_after_shutdown(self):
        r = self.expect("stranded/getter-after-shutdown", "stale_get", "--crash-budget", "0")
        self.assertIn("consume still waits in get", r.stdout, output(r))

    @reaches("stranded/getter-beside-items")
    def test_get_that_loses_the_wake_up_of_a_cancelled_getter(self):
        r = self.expect("stranded/getter-beside-items", "lost_wakeup", "--crash-budget", "0",
                        "--cancel-budget", "1")
        self.assertIn("(a lost wake-up)", r.stdout, output(r))

    # ---- join-late ----

    @reaches("join-late/not-woken")
    def test_task_done_reimplemented_without_waking_join(self):
        r = self.expect("join-late/not-woken", "forgets_wake", "--crash-budget", "0")
        self.assertIn("main, waiting in join since step", r.stdout, output(r))

    # ---- over-ack ----

    @reaches("over-ack/negative-count")
    def test_batch_acknowledgement_without_an_underflow_check(self):
        r = self.expect("over-ack/negative-count", "batch_ack", "--crash-budget", "0")
        self.assertIn("drove the unfinished count to -1", r.stdout, output(r))

    @reaches("over-ack/double-ack")
    def test_worker_that_acknowledges_every_attempt_of_a_retried_job(self):
        r = self.expect("over-ack/double-ack", "acks_twice", "--crash-budget", "0")
        self.assertIn("a second time", r.stdout, output(r))

    @reaches("over-ack/task-done-error")
    def test_worker_that_acknowledges_the_previous_job_before_any_arrived(self):
        r = self.expect("over-ack/task-done-error", "ack_previous_started_first",
                        "--crash-budget", "0")
        self.assertIn("ValueError: task_done() called too many times", r.stdout, output(r))

    # ---- work-unfinished ----

    @reaches("work-unfinished/acked-before-done")
    def test_worker_that_acknowledges_each_attempt_of_a_retried_job_while_others_work(self):
        # The second acknowledgement comes from a worker that holds nothing: it is its own job
        # again, not the job another worker is still processing.
        r = self.expect("work-unfinished/acked-before-done", "retry_acks_each_attempt",
                        "--crash-budget", "0")
        self.assertIn("was still processing i1", r.stdout, output(r))

    @reaches("work-unfinished/acked-before-done")
    def test_worker_that_acknowledges_a_job_as_soon_as_it_takes_it(self):
        r = self.expect("work-unfinished/acked-before-done", "ack_before_work",
                        "--crash-budget", "0")
        self.assertRegex(r.stdout, r"while worker(#\d+)? was still processing i\d+", output(r))

    # ---- lost ----

    @reaches("lost/vanished")
    def test_consumer_that_clears_the_backlog_and_the_stop_signal_with_it(self):
        r = self.expect("lost/vanished", "flush_backlog", "--crash-budget", "0")
        self.assertIn("the queue holds 0 item(s) but 6 were put and never got", r.stdout,
                      output(r))

    # ---- order ----

    @reaches("order/fifo")
    def test_express_lane_that_overtakes_the_events_it_refers_to(self):
        r = self.expect("order/fifo", "urgent_first", "--crash-budget", "0")
        self.assertIn("a fifo queue must hand out i0 first", r.stdout, output(r))

    @reaches("order/lifo")
    def test_put_next_ported_from_fifo_takes_the_wrong_end_of_a_lifo_queue(self):
        r = self.expect("order/lifo", "put_next_lifo", "--crash-budget", "0")
        self.assertIn("a lifo queue must hand out i3 first", r.stdout, output(r))

    # ---- capacity ----

    @reaches("capacity/over-maxsize")
    def test_full_with_an_off_by_one(self):
        r = self.expect("capacity/over-maxsize", "soft_limit", "--crash-budget", "0")
        self.assertIn("the queue held 3 items, maxsize 2", r.stdout, output(r))

    # ---- livelock ----

    @reaches("livelock/step-budget")
    def test_main_that_polls_a_result_count_that_never_arrives(self):
        r = self.expect("livelock/step-budget", "polls_forever", "--crash-budget", "0",
                        "--step-budget", "200", schedules=20)
        self.assertIn("the step budget of 200 steps ran out", r.stdout, output(r))

    # ---- task-error ----

    @reaches("task-error/consumer-raised")
    def test_main_that_raises_on_the_result_of_a_skipped_job(self):
        r = self.expect("task-error/consumer-raised", "main_raises", "--crash-budget", "0")
        self.assertIn("main ended at step", r.stdout, output(r))
        self.assertIn("by KeyError: ''", r.stdout, output(r))

    @reaches("task-error/queue-raised")
    def test_a_subclass_whose_get_raises_what_get_may_not(self):
        r = self.expect("task-error/queue-raised", "raises_from_get", "--crash-budget", "0")
        self.assertIn("'s get raised RuntimeError: queue is paused", r.stdout, output(r))


class FixedVariants(unittest.TestCase):
    """The same programs with their bug fixed pass every schedule, under the same faults."""

    def expect_pass(self, program, *flags, schedules=2000):
        r = explore(program, *flags, schedules=schedules)
        self.assertEqual(r.returncode, 0, output(r))
        self.assertEqual(SUMMARY.findall(r.stdout), [("", str(schedules))], output(r))

    def test_one_acknowledgement_per_job_whatever_its_attempts(self):
        self.expect_pass("acks_twice_fixed", "--crash-budget", "1")

    def test_every_job_acknowledged_in_finally(self):
        self.expect_pass("leaks_on_crash_fixed", "--crash-budget", "1")

    @unittest.skipUnless(HAS_SHUTDOWN, "asyncio.Queue.shutdown is new in Python 3.13")
    def test_every_job_acknowledged_in_finally_with_drawn_shutdowns_too(self):
        # After a drawn shutdown main's next put raises QueueShutDown: the fault's doing, not a
        # task-error of the program's.
        self.expect_pass("leaks_on_crash_fixed", "--crash-budget", "1", "--shutdown", "any")

    def test_a_cancelled_woken_getter_passes_its_wake_up_on(self):
        self.expect_pass("lost_wakeup_fixed", "--crash-budget", "0", "--cancel-budget", "1")


class NoFalseVerdicts(unittest.TestCase):
    """Programs without a bug that look into their queue, which chaosq must not misjudge."""

    def test_a_program_that_looks_for_a_job_in_its_queues_storage(self):
        r = explore("dedup_queue", "--crash-budget", "0", schedules=500)
        self.assertEqual(r.returncode, 0, output(r))

    def test_a_subclass_whose_qsize_counts_something_else(self):
        r = explore("backlog_qsize", "--crash-budget", "0", schedules=500)
        self.assertEqual(r.returncode, 0, output(r))

    def test_an_item_stored_without_put_is_refused_not_judged(self):
        r = explore("put_front", "--crash-budget", "0", schedules=20)
        self.assertNotIn(r.returncode, (0, 1), output(r))
        self.assertNotIn("VIOLATION", r.stdout, output(r))
        self.assertIn("an item reached the storage of the program's FrontQueue without _put",
                      r.stdout, output(r))


class Coverage(unittest.TestCase):
    def test_every_verdict_kind_is_reached_above_or_explained_as_unreachable(self):
        r = chaosq("run", "--schema")
        self.assertEqual(r.returncode, 0, output(r))
        kinds = set(re.findall(r"^\| `([a-z-]+/[a-z-]+)` \|", r.stdout, re.MULTILINE))
        self.assertIn("join-hang/held-by-crashed", kinds, output(r))  # the table was read
        self.assertEqual(REACHED & UNREACHABLE, set())
        self.assertEqual(kinds - REACHED - UNREACHABLE, set(), "neither reached nor explained")
        self.assertEqual((REACHED | UNREACHABLE) - kinds, set(), "not a verdict kind")


if __name__ == "__main__":
    unittest.main()
