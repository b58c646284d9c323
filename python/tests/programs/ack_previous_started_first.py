"""ack_previous.py with the workers started before the jobs arrive.

The first `task_done()` of a worker now finds nothing unfinished and raises ValueError
("task_done() called too many times"): over-ack/task-done-error.
"""

import asyncio

from tests.programs.ack_previous import JOBS, WORKERS, worker


async def main() -> list:
    queue = asyncio.Queue()
    results = []
    workers = [asyncio.create_task(worker(queue, results)) for _ in range(WORKERS)]
    for job in range(JOBS):
        await asyncio.sleep(0.1)  # jobs arrive over time
        await queue.put(job)
    await queue.join()
    for task in workers:
        task.cancel()
    return results
