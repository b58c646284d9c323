"""A worker that acknowledges on success and on the errors it expects, but not on any other.

`task_done()` is called in the `try` body and in the `except (ValueError, KeyError)` handler:
an exception of another kind (chaosq's injected crash, standing for a bug in `handle` or a
library's error) ends the worker with its job unacknowledged, and `queue.join()` never
returns: join-hang/held-by-crashed.
"""

import asyncio

JOBS = 4
WORKERS = 2


async def handle(job: int) -> int:
    await asyncio.sleep(0.01)
    if job < 0:
        raise ValueError(f"bad job {job}")
    return job


async def worker(queue: asyncio.Queue, results: list, errors: list) -> None:
    while True:
        job = await queue.get()
        try:
            results.append(await handle(job))
            queue.task_done()
        except (ValueError, KeyError) as error:
            errors.append(error)
            queue.task_done()
        # BUG: any other exception leaves the job unacknowledged


async def main() -> tuple:
    queue = asyncio.Queue()
    results, errors = [], []
    workers = [asyncio.create_task(worker(queue, results, errors)) for _ in range(WORKERS)]
    for job in range(JOBS):
        await asyncio.sleep(0.01)  # jobs arrive over time
        await queue.put(job)
    await queue.join()
    for task in workers:
        task.cancel()
    return results, errors
