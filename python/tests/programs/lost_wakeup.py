"""A Queue subclass whose get() takes a deadline, and loses the wake-up of a cancelled getter.

When a getter woken by a put is cancelled before it runs (its deadline, a shutdown, chaosq's
drawn cancellation), asyncio's own get() passes the wake-up on to the next getter; this one
just re-raises. The last job stays in the queue while the other worker waits in get() beside it
forever: stranded/getter-beside-items. lost_wakeup_fixed.py passes the wake-up on.
"""

import asyncio

JOBS = 3
WORKERS = 2


class DeadlineQueue(asyncio.Queue):
    async def get(self, timeout: float | None = None):
        async with asyncio.timeout(timeout):
            while self.empty():
                getter = self._get_loop().create_future()
                self._getters.append(getter)
                try:
                    await getter
                except BaseException:
                    getter.cancel()
                    if getter in self._getters:
                        self._getters.remove(getter)
                    raise  # BUG: a wake-up this getter already received is lost
            return self.get_nowait()


async def worker(queue: asyncio.Queue, done: list, all_done: asyncio.Event) -> None:
    while True:
        job = await queue.get()
        try:
            await asyncio.sleep(0.01)
            done.append(job)
            if len(done) == JOBS:
                all_done.set()
        finally:
            queue.task_done()


async def run(queue: asyncio.Queue) -> list:
    done, all_done = [], asyncio.Event()
    workers = [asyncio.create_task(worker(queue, done, all_done)) for _ in range(WORKERS)]
    for job in range(JOBS):
        await asyncio.sleep(0.1)  # jobs arrive over time
        queue.put_nowait(job)
    await all_done.wait()
    for task in workers:
        task.cancel()
    return done


async def main() -> list:
    return await run(DeadlineQueue())
