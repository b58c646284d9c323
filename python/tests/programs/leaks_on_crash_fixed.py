"""leaks_on_crash.py fixed: every job is acknowledged in `finally`, whatever ends its handling,
and an unexpected error is recorded instead of ending the worker."""

import asyncio

from tests.programs.leaks_on_crash import JOBS, WORKERS, handle


async def worker(queue: asyncio.Queue, results: list, errors: list) -> None:
    while True:
        job = await queue.get()
        try:
            results.append(await handle(job))
        except Exception as error:
            errors.append(error)
        finally:
            queue.task_done()


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
