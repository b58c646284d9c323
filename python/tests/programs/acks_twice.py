"""A worker that retries a flaky job and acknowledges every attempt, not the job.

`task_done()` sits in the `finally` of the retry loop's body, so a job that fails once and then
succeeds is acknowledged twice: over-ack/double-ack. acks_twice_fixed.py moves the `finally`
out of the retry loop.
"""

import asyncio

JOBS = 4
WORKERS = 2
ATTEMPTS = 3


class TransientError(Exception):
    pass


async def handle(job: int, attempt: int) -> int:
    await asyncio.sleep(0.01)
    if job == 0 and attempt == 0:  # the flaky one: fails once, then works
        raise TransientError(f"job {job} timed out")
    return job * job


async def worker(queue: asyncio.Queue, results: dict) -> None:
    while True:
        job = await queue.get()
        for attempt in range(ATTEMPTS):
            try:
                results[job] = await handle(job, attempt)
                break
            except TransientError:
                continue
            finally:
                queue.task_done()  # BUG: once per attempt, not once per job


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
