"""The worker pool of the asyncio.Queue documentation, with the classic bug: ack only on success.

main() puts the jobs, starts three workers, waits for `queue.join()`, then cancels the workers.
Each worker gets a job, processes it (an await) and calls `task_done()` only if processing
returned. When processing raises (a bad payload, a timeout, or the crash chaosq injects mid-item),
the worker dies holding its job unacknowledged: the unfinished count never returns to zero, and
`join()` hangs. chaosq reports the run "quiescent" with main still waiting in join.
seed_fixed.py is the fix.
"""

import asyncio

JOBS = 6
WORKERS = 3


async def process(job: float) -> float:
    await asyncio.sleep(job)  # the work
    return job * 2


async def worker(queue: asyncio.Queue, results: list) -> None:
    while True:
        job = await queue.get()
        results.append(await process(job))
        queue.task_done()  # BUG: never reached when process() raises


async def main() -> list:
    queue = asyncio.Queue()
    for i in range(JOBS):
        queue.put_nowait(0.1 * (i % 3 + 1))
    results = []
    workers = [asyncio.create_task(worker(queue, results)) for _ in range(WORKERS)]
    await queue.join()
    for task in workers:
        task.cancel()
    await asyncio.gather(*workers, return_exceptions=True)
    return results


if __name__ == "__main__":
    print(asyncio.run(main()))
