"""A worker that skips duplicate jobs and forgets to acknowledge the ones it skips.

The `continue` of the duplicate check bypasses `task_done()`, so each duplicate stays
unfinished forever and `queue.join()` never returns: join-hang/never-acked.
"""

import asyncio

JOBS = ["a", "b", "a", "c"]  # "a" comes twice
WORKERS = 2


async def worker(queue: asyncio.Queue, seen: set, done: list) -> None:
    while True:
        job = await queue.get()
        if job in seen:
            continue  # BUG: a skipped job is never acknowledged
        seen.add(job)
        await asyncio.sleep(0.01)  # the work
        done.append(job)
        queue.task_done()


async def main() -> list:
    queue = asyncio.Queue()
    for job in JOBS:
        queue.put_nowait(job)
    seen, done = set(), []
    workers = [asyncio.create_task(worker(queue, seen, done)) for _ in range(WORKERS)]
    await queue.join()
    for task in workers:
        task.cancel()
    return done
