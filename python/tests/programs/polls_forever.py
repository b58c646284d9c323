"""A program that waits for its results by polling a counter instead of calling join().

A worker drops a job it cannot parse without recording it, so the counter never reaches the
number of jobs and `main` polls forever (under asyncio, for ever in real time; under chaosq,
until the step budget runs out): livelock/step-budget.
"""

import asyncio

JOBS = ["1", "2", "x", "4"]


async def worker(queue: asyncio.Queue, results: list) -> None:
    while True:
        text = await queue.get()
        try:
            results.append(int(text))
        except ValueError:
            pass  # BUG: a job that fails is neither recorded nor counted
        finally:
            queue.task_done()


async def main() -> list:
    queue = asyncio.Queue()
    for job in JOBS:
        queue.put_nowait(job)
    results = []
    consumer = asyncio.create_task(worker(queue, results))
    while len(results) < len(JOBS):  # waits for results instead of queue.join()
        await asyncio.sleep(0.1)
    consumer.cancel()
    return results
