"""seed.py fixed: every job is acknowledged, whatever its processing does.

`task_done()` moves into a `finally`, so a job whose processing raises (a bad payload, or the
crash chaosq injects mid-item) is still acknowledged; the worker records the failure and takes
the next job. `join()` returns once every job is done, and the workers are cancelled after it.
Under chaosq every schedule, faults included, ends "complete".
"""

import asyncio

JOBS = 6
WORKERS = 3


async def process(job: float) -> float:
    await asyncio.sleep(job)  # the work
    return job * 2


async def worker(queue: asyncio.Queue, results: list, failures: list) -> None:
    while True:
        job = await queue.get()
        try:
            results.append(await process(job))
        except Exception as exc:
            failures.append((job, exc))
        finally:
            queue.task_done()


async def main() -> tuple:
    queue = asyncio.Queue()
    for i in range(JOBS):
        queue.put_nowait(0.1 * (i % 3 + 1))
    results, failures = [], []
    workers = [asyncio.create_task(worker(queue, results, failures)) for _ in range(WORKERS)]
    await queue.join()
    for task in workers:
        task.cancel()
    await asyncio.gather(*workers, return_exceptions=True)
    return results, failures


if __name__ == "__main__":
    print(asyncio.run(main()))
