"""A worker that retries a job on a transient error and acknowledges every attempt.

`task_done()` sits in the `finally` of the retry loop, so a job that fails once is acknowledged
twice: the count reaches zero while the retry is still running, and `join()` returns with the
job unfinished. The acknowledging worker holds nothing when it acknowledges the second time
(task_done names no item): chaosq counts that as its own job again, not another worker's.
"""

import asyncio

JOBS = 3
WORKERS = 2


async def main() -> None:
    queue = asyncio.Queue()
    for job in range(JOBS):
        queue.put_nowait(job)
    failed_once = set()

    async def worker() -> None:
        while True:
            job = await queue.get()
            while True:
                try:
                    await asyncio.sleep(0.1)  # the work
                    if job == 1 and job not in failed_once:
                        failed_once.add(job)
                        raise ConnectionError("transient")
                    break
                except ConnectionError:
                    continue  # retry
                finally:
                    queue.task_done()  # BUG: once per attempt, not once per job

    workers = [asyncio.create_task(worker()) for _ in range(WORKERS)]
    await queue.join()
    for task in workers:
        task.cancel()
