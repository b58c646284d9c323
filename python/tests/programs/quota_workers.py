"""Workers that each take a fixed share of the jobs, computed with integer division.

7 jobs over 3 workers is 2 each: the seventh job is never taken, and `queue.join()` never
returns: join-hang/unconsumed.
"""

import asyncio

JOBS = 7
WORKERS = 3


async def worker(queue: asyncio.Queue, share: int, results: list) -> None:
    for _ in range(share):
        job = await queue.get()
        await asyncio.sleep(0.01)
        results.append(job)
        queue.task_done()


async def main() -> list:
    queue = asyncio.Queue()
    for job in range(JOBS):
        queue.put_nowait(job)
    results = []
    share = JOBS // WORKERS  # BUG: rounds down, so JOBS % WORKERS jobs have no worker
    workers = [asyncio.create_task(worker(queue, share, results)) for _ in range(WORKERS)]
    await queue.join()
    await asyncio.gather(*workers)
    return results
