"""acks_twice.py fixed: one acknowledgement per job, whatever its attempts do."""

import asyncio

from tests.programs.acks_twice import ATTEMPTS, JOBS, WORKERS, TransientError, handle


async def worker(queue: asyncio.Queue, results: dict) -> None:
    while True:
        job = await queue.get()
        try:
            for attempt in range(ATTEMPTS):
                try:
                    results[job] = await handle(job, attempt)
                    break
                except TransientError:
                    continue
        finally:
            queue.task_done()  # once per job


async def main() -> dict:
    queue = asyncio.Queue()
    for job in range(JOBS):
        queue.put_nowait(job)
    results = {}
    workers = [asyncio.create_task(worker(queue, results)) for _ in range(WORKERS)]
    await queue.join()
    for task in workers:
        task.cancel()
    await asyncio.gather(*workers, return_exceptions=True)
    return results
