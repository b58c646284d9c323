"""run_program under FakeRun: scheduling, virtual time, queue events, faults, ends, clean-up."""

import asyncio
import contextlib
import importlib.util
import inspect
import io
import pathlib
import time
import unittest

import chaosq
from chaosq import _observe

from .fake_run import FakeRun

EXAMPLES = pathlib.Path(__file__).resolve().parents[2] / "examples" / "python"
HAS_SHUTDOWN = hasattr(asyncio.Queue, "shutdown")


def load_example(name):
    spec = importlib.util.spec_from_file_location(f"chaosq_example_{name}", EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def line_of(function, marker):
    """The line number of the line of `function` that contains `marker`."""
    lines, first = inspect.getsourcelines(function)
    return first + next(i for i, line in enumerate(lines) if marker in line)


def run(main, **fake):
    """Runs `main` under a FakeRun made of `fake`; returns the FakeRun."""
    fake_run = FakeRun(**fake)
    chaosq.run_program(fake_run, main)
    return fake_run


# ---- programs ----

async def pipeline():
    """Producer, two consumers and two timers; prints the order of events (see `printed`)."""
    queue = asyncio.Queue(maxsize=2)

    async def produce():
        for i in range(5):
            await queue.put(i)
            print("put", i)

    async def consume(name):
        while True:
            item = await queue.get()
            print(name, "got", item)
            await asyncio.sleep(0)
            print(name, "done", item)
            queue.task_done()

    async def tick(name, delay):
        await asyncio.sleep(delay)
        print("tick", name)

    consumers = [asyncio.create_task(consume(f"c{i}")) for i in range(2)]
    ticks = [asyncio.create_task(tick("late", 0.06)), asyncio.create_task(tick("early", 0.03))]
    await produce()
    await queue.join()
    print("joined")
    await asyncio.gather(*ticks)
    for task in consumers:
        task.cancel()
    await asyncio.gather(*consumers, return_exceptions=True)
    print("end")


def printed(function):
    """What running `function()` prints, line by line."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        function()
    return out.getvalue().splitlines()


async def one_worker(seen):
    """One item, one worker that records any exception at its awaits while it holds the item:
    the first after its get (the after-get point), then one mid-item."""
    queue = asyncio.Queue()
    queue.put_nowait("job")

    async def worker():
        item = await queue.get()
        try:
            await asyncio.sleep(0)  # after-get
            await asyncio.sleep(0)  # mid-item
        except Exception as exc:
            seen.append((type(exc), exc.__traceback__.tb_lineno, item))
            raise
        queue.task_done()

    task = asyncio.create_task(worker())
    await asyncio.gather(task, return_exceptions=True)
    return queue


async def turn_order():
    """Timers due now and callbacks scheduled from callbacks: where asyncio's iterations show."""
    loop = asyncio.get_running_loop()

    async def chain(name):
        for i in range(3):
            print(name, i)
            await asyncio.sleep(0)

    loop.call_later(0, print, "timer due now")
    loop.call_soon(lambda: loop.call_soon(print, "soon from soon"))
    handle = loop.call_soon(print, "cancelled")
    handle.cancel()
    await asyncio.gather(chain("a"), chain("b"))
    loop.call_at(loop.time(), print, "timer at now")
    await chain("c")


async def named_worker():
    await asyncio.sleep(0)


async def named_main():
    await asyncio.gather(named_worker(), named_worker(), asyncio.create_task(named_worker()))


class Scheduling(unittest.TestCase):
    def test_all_zero_decisions_print_what_asyncio_run_prints(self):
        expected = printed(lambda: asyncio.run(pipeline()))
        fake = FakeRun()
        self.assertEqual(printed(lambda: chaosq.run_program(fake, pipeline)), expected)
        self.assertEqual(fake.end, "complete")
        self.assertIn("tick early", expected)
        self.assertLess(expected.index("tick early"), expected.index("tick late"))

    def test_timers_due_now_join_at_the_next_iteration_as_in_asyncio(self):
        expected = printed(lambda: asyncio.run(turn_order()))
        self.assertEqual(printed(lambda: chaosq.run_program(FakeRun(), turn_order)), expected)
        self.assertNotIn("cancelled", expected)

    def test_another_decision_changes_the_order(self):
        fifo = printed(lambda: chaosq.run_program(FakeRun(), pipeline))
        other = printed(lambda: chaosq.run_program(FakeRun(decisions=[1]), pipeline))
        self.assertNotEqual(other, fifo)
        self.assertEqual((len(other), other[-1]), (len(fifo), "end"))

    def test_the_same_decisions_give_the_same_calls(self):
        decisions = [1, 0, 2, 1, 1, 0, 3, 1, 2, 2, 1]
        logs = []
        for _ in range(2):
            fake = FakeRun(decisions=decisions)
            printed(lambda: chaosq.run_program(fake, pipeline))
            logs.append(fake.calls)
        self.assertEqual(logs[0], logs[1])
        # Each choice is among the tasks the ready handles resume, in the ready queue's order.
        picks = [call for call in logs[0] if call[0] == "pick"]
        self.assertIn(("pick", [1, 2, 3, 4], 1), picks)

    def test_pick_is_not_called_with_one_ready_handle(self):
        async def alone():
            for _ in range(3):
                await asyncio.sleep(0)

        fake = run(alone)
        self.assertEqual(fake.of("pick"), [])
        self.assertEqual(fake.steps, 4)

    def test_tasks_are_named_after_their_coroutines(self):
        fake = run(named_main)
        self.assertEqual(fake.names,
                         ["named_main", "named_worker", "named_worker#2", "named_worker#3"])
        self.assertEqual(sorted(t for (t,) in fake.of("task_ended")), [0, 1, 2, 3])

    def test_task_names_do_not_depend_on_earlier_runs(self):
        self.assertEqual(run(named_main).names, run(named_main).names)

    def test_tasks_hash_by_creation_order_so_sets_of_tasks_iterate_the_same_every_run(self):
        seen = []

        async def main():
            tasks = [asyncio.create_task(named_worker()) for _ in range(12)]
            done, _ = await asyncio.wait(reversed(tasks))
            seen.append([tasks.index(task) for task in done])

        run(main)
        self.assertEqual(seen, [list(range(12))])


class VirtualTime(unittest.TestCase):
    def test_an_hour_of_sleep_takes_no_time(self):
        times = []

        async def main():
            loop = asyncio.get_running_loop()
            times.append(loop.time())
            await asyncio.sleep(3600)
            times.append(loop.time())

        started = time.monotonic()
        fake = run(main)
        self.assertLess(time.monotonic() - started, 1.0)
        self.assertEqual(times, [0.0, 3600.0])
        self.assertEqual(fake.end, "complete")

    def test_wait_for_join_times_out_in_virtual_time(self):
        seen = []

        async def main():
            queue = asyncio.Queue()
            queue.put_nowait("never done")
            try:
                await asyncio.wait_for(queue.join(), 5)
            except TimeoutError:
                seen.append(asyncio.get_running_loop().time())

        fake = run(main)
        self.assertEqual(seen, [5.0])
        self.assertEqual(fake.end, "complete")
        (joiner,) = fake.of("join_timed_out")
        self.assertIn((joiner[0], 1), fake.of("join_called"))  # the engine begins its wait
        self.assertEqual(fake.timeouts, [5.0])
        self.assertEqual(fake.of("join_returned"), [])

    def test_a_join_under_asyncio_timeout_times_out_too(self):
        async def main():
            queue = asyncio.Queue()
            queue.put_nowait("never done")
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(2):
                    await queue.join()

        fake = run(main)
        self.assertEqual(fake.of("join_timed_out"), [(0,)])

    def test_a_cancelled_join_is_not_timed_out(self):
        async def main():
            queue = asyncio.Queue()
            queue.put_nowait("never done")
            joiner = asyncio.create_task(queue.join())
            await asyncio.sleep(1)
            joiner.cancel()
            await asyncio.gather(joiner, return_exceptions=True)

        fake = run(main)
        self.assertEqual(fake.of("join_called"), [(1, 1)])
        self.assertEqual(fake.of("join_timed_out"), [])
        self.assertEqual(fake.end, "complete")

    def test_a_join_that_returns_in_time_is_not_timed_out(self):
        async def main():
            queue = asyncio.Queue()
            queue.put_nowait(1)

            async def consume():
                await queue.get()
                queue.task_done()

            task = asyncio.create_task(consume())
            await asyncio.wait_for(queue.join(), 5)
            await task

        fake = run(main)
        self.assertEqual(fake.of("join_timed_out"), [])
        self.assertEqual(len(fake.of("join_returned")), 1)
        self.assertEqual(fake.end, "complete")


class Ends(unittest.TestCase):
    def test_a_pending_join_with_nothing_to_run_is_quiescent(self):
        async def main():
            queue = asyncio.Queue()
            queue.put_nowait(1)
            await queue.join()

        fake = run(main)
        self.assertEqual(fake.end, "quiescent")
        self.assertEqual(fake.of("task_ended"), [])
        # The last calls: closing the join left pending reports nothing.
        self.assertEqual(fake.calls[-2:], [("queue_state", 1, 1, False), ("finish", "quiescent")])

    def test_the_step_budget_stops_a_run_that_never_ends(self):
        async def main():
            while True:
                await asyncio.sleep(1)

        fake = run(main, step_budget=10)
        self.assertEqual(fake.end, "step-budget")
        self.assertEqual(fake.steps, 10)

    def test_a_violation_stops_the_run_at_once(self):
        fake = FakeRun(violation_at=3)
        printed(lambda: chaosq.run_program(fake, pipeline))
        self.assertEqual(fake.end, "violation")
        self.assertEqual(fake.steps, 3)
        self.assertEqual(fake.of("end_step")[-1], (False,))
        self.assertEqual(fake.calls[-1], ("finish", "violation"))

    def test_when_the_root_ends_the_others_are_cancelled_and_run_to_their_end_as_asyncio_run_does(self):
        after = []

        async def forever():
            try:
                await asyncio.sleep(10)
            finally:
                after.append(asyncio.get_running_loop().time())

        async def main():
            asyncio.create_task(forever())
            await asyncio.sleep(0)

        fake = run(main)
        self.assertEqual(fake.end, "complete")
        self.assertEqual(fake.of("task_ended"), [(0,), (1,)])
        self.assertEqual(after, [0.0])  # cancelled when main ended, not run to its timer
        self.assertEqual(fake.end, "complete")

    def test_a_task_that_will_not_end_after_the_root_leaves_the_run_quiescent(self):
        async def refuses():
            queue = asyncio.Queue()
            try:
                await asyncio.sleep(10)
            finally:
                await queue.get()  # cancelled, it waits on: nothing will ever come

        async def main():
            asyncio.create_task(refuses())
            await asyncio.sleep(0)

        fake = run(main)
        self.assertEqual(fake.end, "quiescent")
        self.assertEqual(fake.of("task_ended"), [(0,)])

    def test_a_task_made_while_pending_tasks_are_dropped_is_dropped_unreported(self):
        never = []

        async def leaves_a_task_behind():
            never.append(asyncio.Event())
            try:
                await never[0].wait()
            finally:
                asyncio.get_running_loop().create_task(named_worker())

        async def main():
            asyncio.create_task(leaves_a_task_behind())
            await asyncio.Event().wait()

        fake = run(main)
        self.assertEqual(fake.calls[-1], ("finish", "quiescent"))
        self.assertEqual(len(fake.names), 2)

    def test_an_error_escaping_the_root_task_is_reported(self):
        async def main():
            await asyncio.sleep(0)
            raise TypeError("bad payload")

        fake = run(main)
        self.assertEqual(fake.of("task_error"), [(0, "program", -1, "TypeError: bad payload")])
        self.assertEqual(fake.end, "complete")

    def test_injected_crashes_grouped_by_a_task_group_are_not_a_program_error(self):
        async def main(fail):
            queue = asyncio.Queue()
            queue.put_nowait(fail)

            async def work():
                item = await queue.get()
                await asyncio.sleep(0)
                if item:
                    raise TypeError("bad payload")

            async with asyncio.TaskGroup() as group:
                group.create_task(work())

        crashed = run(lambda: main(False), faults={("after-get", 1): "crash"})
        self.assertEqual(crashed.of("task_error"), [])
        failed = run(lambda: main(True))
        self.assertEqual([text for *_, text in failed.of("task_error")],
                         ["ExceptionGroup: unhandled errors in a TaskGroup (1 sub-exception)"])

    def test_an_injected_crash_escaping_the_root_is_not_a_program_error(self):
        async def main():
            queue = asyncio.Queue()
            await queue.put(1)

        fake = run(main, faults={("before-put", 1): "crash"})
        self.assertEqual(fake.of("task_error"), [])
        self.assertEqual(fake.of("put"), [])


class QueueEvents(unittest.TestCase):
    def test_put_get_ack_and_join_are_reported_with_the_count(self):
        async def main():
            queue = asyncio.Queue()
            queue.put_nowait("a")
            await queue.put("b")

            async def consume():
                while True:
                    await queue.get()
                    queue.task_done()

            task = asyncio.create_task(consume())
            await queue.join()
            task.cancel()

        fake = run(main)
        self.assertEqual(fake.of("queue_made"), [("fifo", 0)])
        self.assertEqual(fake.of("put"), [(0, 0, 1), (0, 1, 2)])
        self.assertEqual(fake.of("got"), [(1, 0, 2), (1, 1, 1)])
        self.assertEqual(fake.of("acked"), [(1, 1, False), (1, 0, False)])
        self.assertEqual(fake.of("join_called"), [(0, 2)])
        self.assertEqual(fake.of("join_returned"), [(0,)])
        # The engine begins the join's wait itself (join_called with a count above 0), and
        # writes the trace lines of these events: the runner adds none.
        self.assertEqual(fake.of("begin_wait"), [(1, "get")])
        self.assertEqual(fake.of("note"), [])

    def test_a_full_queue_makes_put_wait(self):
        async def main():
            queue = asyncio.Queue(maxsize=1)

            async def produce():
                await queue.put(1)
                await queue.put(2)

            task = asyncio.create_task(produce())
            await asyncio.sleep(0)
            await queue.get()
            await task

        fake = run(main)
        self.assertEqual(fake.of("queue_made"), [("fifo", 1)])
        self.assertIn((1, "put"), fake.of("begin_wait"))
        self.assertEqual(len(fake.of("put")), 2)

    def test_task_done_too_many_times_is_reported_refused(self):
        seen = []

        async def main():
            queue = asyncio.Queue()
            try:
                queue.task_done()
            except ValueError as exc:
                seen.append(str(exc))

        fake = run(main)
        self.assertEqual(fake.of("acked"), [(0, 0, True)])
        self.assertEqual(seen, ["task_done() called too many times"])

    def test_calls_from_outside_any_task_use_minus_one(self):
        def main():
            queue = asyncio.Queue()
            queue.put_nowait(1)  # before the loop runs anything

            async def drain():
                await queue.get()
                queue.task_done()

            return drain()

        fake = run(main)
        self.assertEqual(fake.of("put"), [(-1, 0, 1)])
        self.assertEqual(fake.of("got"), [(0, 0, 1)])
        self.assertEqual(fake.of("visit")[0], (0, "after-ack", None))

    def test_priority_queue_order_is_the_items_order(self):
        order = []

        async def main():
            queue = asyncio.PriorityQueue()
            for item in [(2, "b"), (1, "x"), (3, "c"), (1, "a"), (2, "a")]:
                queue.put_nowait(item)
            while not queue.empty():
                order.append(await queue.get())

        asyncio.run(main())
        expected, order[:] = list(order), []
        fake = run(main)
        self.assertEqual(order, expected)
        self.assertEqual(fake.of("queue_made"), [("priority", 0)])
        self.assertEqual([item for _, item, _ in fake.of("got")], [3, 1, 4, 0, 2])

    def test_incomparable_priority_items_raise_as_they_would(self):
        seen = []

        async def main():
            queue = asyncio.PriorityQueue()
            queue.put_nowait((1, object()))
            try:
                queue.put_nowait((1, object()))
            except TypeError:
                seen.append((queue.qsize(), queue._unfinished_tasks))

        asyncio.run(main())
        run(main)
        self.assertEqual(len(seen), 2)
        self.assertEqual(seen[0], seen[1])

    def test_lifo_queue_is_reported_as_such(self):
        seen = []

        async def main():
            queue = asyncio.LifoQueue(maxsize=3)
            queue.put_nowait(1)
            queue.put_nowait(2)
            seen.append(await queue.get())

        self.assertEqual(run(main).of("queue_made"), [("lifo", 3)])
        self.assertEqual(seen, [2])

    def test_the_queue_as_completed_makes_is_not_the_programs(self):
        async def main():
            queue = asyncio.Queue()
            queue.put_nowait(1)
            for next_done in asyncio.as_completed([asyncio.sleep(0), asyncio.sleep(1)]):
                await next_done

        fake = run(main)
        self.assertEqual(len(fake.of("queue_made")), 1)
        self.assertEqual(fake.end, "complete")


async def get_and_ack(seen):
    """Gets one item and acknowledges it, recording where an injected crash struck."""
    queue = asyncio.Queue()
    queue.put_nowait("job")
    await queue.get()
    try:
        queue.task_done()
    except chaosq.InjectedCrash as exc:
        seen.append(exc.point)


class Faults(unittest.TestCase):
    def test_a_mid_item_crash_raises_at_the_await_in_the_users_coroutine(self):
        seen = []
        fake = run(lambda: one_worker(seen), faults={("mid-item", 1): "crash"})
        line = line_of(one_worker, "# mid-item")
        self.assertEqual(seen, [(chaosq.InjectedCrash, line, "job")])
        worker = fake.t("one_worker.<locals>.worker")
        self.assertIn(("note", worker, "raise", 0,
                       f"InjectedCrash at test_loop.py:{line} (mid-item)"), fake.calls)
        self.assertEqual(fake.of("acked"), [])
        self.assertEqual(fake.end, "complete")

    def test_a_mid_item_cancel_cancels_the_task_there(self):
        seen = []
        fake = run(lambda: one_worker(seen), faults={("mid-item", 1): "cancel"})
        self.assertEqual(seen, [])  # CancelledError is no Exception
        self.assertEqual(fake.of("acked"), [])
        self.assertIn((1, "mid-item", "cancel"), fake.of("visit"))

    def test_get_returning_and_task_done_starting_are_no_fault_points(self):
        # Nothing interrupts a coroutine between a get's return and its next statement, nor
        # inside task_done: a crash there would strike where no program can protect itself (the
        # `finally` that acknowledges included), so chaosq strikes at suspensions instead.
        async def main():
            queue = asyncio.Queue()
            queue.put_nowait("job")
            await queue.get()
            queue.task_done()

        fake = run(main, faults={("after-get", 1): "crash", ("before-ack", 1): "crash"})
        self.assertEqual([v[1] for v in fake.of("visit")], ["before-put", "after-ack"])
        self.assertEqual(fake.of("acked"), [(0, 0, False)])
        self.assertEqual(fake.end, "complete")

    def test_the_first_suspension_after_a_get_is_the_after_get_point(self):
        seen = []

        async def main():
            queue = asyncio.Queue()
            queue.put_nowait("job")
            await queue.get()
            try:
                await asyncio.sleep(0)  # after-get
                await asyncio.sleep(0)  # mid-item
            except chaosq.InjectedCrash as exc:
                seen.append(exc.point)
            finally:
                queue.task_done()

        fake = run(main, faults={("after-get", 1): "crash"})
        self.assertEqual([v[1] for v in fake.of("visit")], ["before-put", "after-get", "after-ack"])
        self.assertEqual(seen, ["after-get"])
        self.assertEqual(fake.of("acked"), [(0, 0, False)])
        fake = run(main)
        self.assertEqual([v[1] for v in fake.of("visit")],
                         ["before-put", "after-get", "mid-item", "after-ack"])

    def test_an_after_ack_crash_raises_from_task_done_after_counting(self):
        seen = []
        fake = run(lambda: get_and_ack(seen), faults={("after-ack", 1): "crash"})
        self.assertEqual(seen, ["after-ack"])
        self.assertEqual(fake.of("acked"), [(0, 0, False)])
        self.assertEqual(fake.of("queue_state"), [(0, 0, False)])

    def test_before_put_is_visited_once_per_put_even_when_it_waits(self):
        async def main():
            queue = asyncio.Queue(maxsize=1)
            await queue.put(1)

            async def take():
                await queue.get()

            task = asyncio.create_task(take())
            await queue.put(2)  # waits until take() makes room
            await task

        fake = run(main)
        self.assertEqual([v for v in fake.of("visit") if v[1] == "before-put"],
                         [(0, "before-put", None), (0, "before-put", None)])
        self.assertIn((0, "put"), fake.of("begin_wait"))
        self.assertEqual(fake.of("put"), [(0, 0, 1), (0, 1, 2)])

    def test_a_point_is_a_labelled_mid_item_visit(self):
        seen = []

        async def main():
            queue = asyncio.Queue()
            queue.put_nowait("job")
            await queue.get()
            try:
                await chaosq.point("parse")  # the point
            except chaosq.InjectedCrash as exc:
                seen.append((exc.point, exc.__traceback__.tb_lineno))

        fake = run(main, faults={("after-get", 1): "crash"})
        line = line_of(main, "# the point")
        self.assertEqual(seen, [("after-get (parse)", line)])
        self.assertIn(("note", 0, "point", 0, "parse"), fake.calls)
        self.assertIn(("note", 0, "raise", 0,
                       f"InjectedCrash at test_loop.py:{line} (after-get (parse))"), fake.calls)

    def test_a_point_under_plain_asyncio_just_yields(self):
        async def main():
            await chaosq.point("parse")
            return "ok"

        self.assertEqual(asyncio.run(main()), "ok")


async def waiting_getter(seen):
    """A getter that waits on an empty queue: only a fault ends its wait."""
    queue = asyncio.Queue()

    async def getter():
        try:
            await queue.get()
        except BaseException as exc:
            seen.append(type(exc).__name__)
            raise

    task = asyncio.create_task(getter())
    await asyncio.sleep(0)
    await asyncio.sleep(0)
    await asyncio.gather(task, return_exceptions=True)


async def woken_getter(seen):
    """A getter woken by a put; a crash ordered right after the put strikes when it resumes."""
    queue = asyncio.Queue()

    async def getter():
        try:
            await queue.get()
        except Exception as exc:
            seen.append(type(exc).__name__)

    task = asyncio.create_task(getter())
    await asyncio.sleep(0)
    queue.put_nowait("job")
    await task


class WaitingFaults(unittest.TestCase):
    def test_cancel_a_waiting_getter(self):
        seen = []
        fake = run(lambda: waiting_getter(seen),
                   actions=[(1, ("cancel", "waiting_getter.<locals>.getter"))])
        self.assertEqual(seen, ["CancelledError"])
        self.assertEqual(fake.of("between_steps"), [([("cancel", 1)],)])
        self.assertEqual(fake.end, "complete")

    def test_crash_a_waiting_getter(self):
        seen = []
        fake = run(lambda: waiting_getter(seen),
                   actions=[(1, ("crash", "waiting_getter.<locals>.getter"))])
        self.assertEqual(seen, ["InjectedCrash"])
        self.assertEqual(fake.of("end_wait"), [(1,)])  # its wait ended without an item

    def test_crash_a_getter_already_woken_strikes_when_it_resumes(self):
        seen = []
        fake = run(lambda: woken_getter(seen),
                   actions=[(2, ("crash", "woken_getter.<locals>.getter"))])
        self.assertEqual(seen, ["InjectedCrash"])
        self.assertEqual(fake.of("got"), [])
        self.assertEqual(fake.of("queue_state"), [(1, 1, False)])

    @unittest.skipUnless(HAS_SHUTDOWN, "asyncio.Queue.shutdown is new in Python 3.13")
    def test_shutdown_wakes_a_waiting_getter_with_queue_shut_down(self):
        seen = []
        fake = run(lambda: waiting_getter(seen), actions=[(1, ("shutdown", False))])
        self.assertEqual(seen, ["QueueShutDown"])
        self.assertEqual(fake.of("shutdown"), [])  # the plan's own, not the program's
        self.assertEqual(fake.of("queue_state"), [(0, 0, True)])

    @unittest.skipUnless(HAS_SHUTDOWN, "asyncio.Queue.shutdown is new in Python 3.13")
    def test_the_programs_own_immediate_shutdown_is_reported_and_drains(self):
        async def main():
            queue = asyncio.Queue()
            queue.put_nowait(1)
            queue.put_nowait(2)
            await queue.get()
            queue.shutdown(immediate=True)

        fake = run(main)
        self.assertEqual(fake.of("shutdown"), [(True, "program")])
        self.assertEqual(fake.of("got"), [(0, 0, 2)])  # the drained item is not a get
        self.assertEqual(fake.of("queue_state"), [(1, 0, True)])

    @unittest.skipIf(HAS_SHUTDOWN, "Python 3.13 has asyncio.Queue.shutdown")
    def test_shutdown_faults_are_refused_without_queue_shutdown(self):
        with self.assertRaisesRegex(chaosq.UsageError, "Python 3.13"):
            run(lambda: waiting_getter([]), actions=[(1, ("shutdown", False))])


class Observation(unittest.TestCase):
    def test_a_second_queue_is_a_usage_error(self):
        async def main():
            asyncio.Queue()
            asyncio.LifoQueue()

        fake = FakeRun()
        with self.assertRaisesRegex(chaosq.UsageError, "one queue per program"):
            chaosq.run_program(fake, main)
        self.assertIsNone(fake.end)

    def test_a_subclass_overriding_storage_is_a_usage_error(self):
        class Deduplicating(asyncio.Queue):
            def _put(self, item):
                if item not in self._queue:
                    super()._put(item)

        async def main():
            Deduplicating()

        with self.assertRaisesRegex(chaosq.UsageError, "overrides _put/_get"):
            run(main)

    def test_patches_are_restored_after_a_run_that_raised(self):
        classes = (asyncio.Queue, asyncio.LifoQueue, asyncio.PriorityQueue)
        before = [dict(cls.__dict__) for cls in classes]

        async def two_queues():
            asyncio.Queue()
            asyncio.Queue()

        async def interrupted():
            asyncio.Queue().put_nowait(1)
            await asyncio.sleep(0)
            raise KeyboardInterrupt

        for main, error in [(two_queues, chaosq.UsageError), (interrupted, KeyboardInterrupt)]:
            with self.subTest(main.__name__), self.assertRaises(error):
                run(main)
            self.assertEqual([dict(cls.__dict__) for cls in classes], before)
            self.assertIsNone(_observe._active)
            self.assertIsNone(asyncio.events._get_running_loop())
        self.assertEqual(run(lambda: one_worker([])).end, "complete")

    def test_run_program_inside_a_run_is_refused(self):
        async def main():
            run(named_worker)

        fake = run(main)
        self.assertIn("already running", fake.of("task_error")[0][3])
        self.assertEqual(fake.of("queue_made"), [])

    def test_trace_off_makes_no_notes(self):
        fake = FakeRun(trace=False)
        printed(lambda: chaosq.run_program(fake, pipeline))
        self.assertEqual(fake.of("note"), [])
        self.assertEqual(fake.of("where"), [])
        self.assertEqual(fake.end, "complete")

    def test_where_names_the_users_line(self):
        fake = run(lambda: one_worker([]))
        line = line_of(one_worker, "# mid-item")
        # After each step, where the task waits now: what a hang points at.
        self.assertIn(("where", 1, f"one_worker.<locals>.worker at test_loop.py:{line}"),
                      fake.calls)
        self.assertEqual(fake.of("where")[0][0], 0)
        self.assertRegex(fake.of("where")[0][1], r"^one_worker at test_loop\.py:\d+$")


class Examples(unittest.TestCase):
    def test_seed_hangs_in_join_after_a_mid_item_crash(self):
        seed = load_example("seed")
        fake = run(seed.main, faults={("after-get", 1): "crash"})
        self.assertEqual(fake.end, "quiescent")
        self.assertNotIn((0,), fake.of("task_ended"))
        self.assertEqual([t for t, count in fake.of("join_called")], [0])
        self.assertEqual(fake.of("join_returned"), [])
        unfinished, size, _ = fake.of("queue_state")[0]
        self.assertEqual((unfinished, size), (1, 0))

    def test_seed_fixed_completes_after_the_same_crash(self):
        seed_fixed = load_example("seed_fixed")
        fake = run(seed_fixed.main, faults={("after-get", 1): "crash"})
        self.assertEqual(fake.end, "complete")
        self.assertEqual(fake.of("join_returned"), [(0,)])
        self.assertEqual(fake.of("queue_state"), [(0, 0, False)])

    def test_seed_completes_without_faults(self):
        self.assertEqual(run(load_example("seed").main).end, "complete")

    def test_incident_health_checks_time_out_after_the_corrupted_payload(self):
        incident = load_example("incident")
        reports = []

        async def main():
            reports.append(await incident.main())

        fake = run(main)
        self.assertEqual(fake.end, "complete")
        self.assertEqual(len(fake.of("join_timed_out")), incident.HEALTH_CHECKS)
        (report,) = reports
        self.assertEqual(len(report["failures"]), incident.HEALTH_CHECKS)
        self.assertEqual(report["restarts"], ["ValueError: corrupted payload 2"])
        self.assertEqual(report["handled"], [0, 1, 3, 4])
        self.assertEqual(fake.of("queue_state"), [(1, 0, False)])


if __name__ == "__main__":
    unittest.main()
