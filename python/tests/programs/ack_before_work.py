"""A worker that acknowledges a job as soon as it takes it, "so that a crash cannot leak it".

The count reaches zero while the last jobs are still being processed, so `main`'s
`queue.join()` returns early and the results it reads are incomplete:
work-unfinished/acked-before-done.
"""

import asyncio

JOBS = 5
WORKERS = 2


async def process(job: int) -> int:
    await asyncio.sleep(0.05)
    return job + 100


async def worker(queue: asyncio.Queue, results: list) -> None:
    while True:
        job = await queue.get()
        queue.task_done()  # BUG: acknowledged before the work is done
        results.append(await process(job))


async def main() -> list:
    queue = asyncio.Queue()
    results = []
    workers = [asyncio.create_task(worker(queue, results)) for _ in range(WORKERS)]
    for job in range(JOBS):
        await queue.put(job)
    await queue.join()
    for task in workers:
        task.cancel()
    return results
