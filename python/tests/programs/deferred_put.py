"""A Queue subclass that can put an item later, and counts it twice.

`put_later` raises the unfinished count at once, so that `join()` waits for the deferred item,
then calls `put_nowait` from a timer, which raises the count again. Every item is got and
acknowledged, yet one unit of count is never paid back and `queue.join()` never returns:
join-hang/count-mismatch (the ledger shows every item acknowledged; the count says otherwise).
"""

import asyncio


class DelayQueue(asyncio.Queue):
    def put_later(self, item, delay: float) -> None:
        """Puts `item` after `delay` seconds; join() waits for it meanwhile."""
        self._unfinished_tasks += 1  # so that join() waits for the deferred item...
        self._finished.clear()
        # BUG: ...and put_nowait counts it again when the timer puts it
        asyncio.get_running_loop().call_later(delay, self.put_nowait, item)


async def worker(queue: asyncio.Queue, done: list) -> None:
    while True:
        job = await queue.get()
        try:
            await asyncio.sleep(0.01)
            done.append(job)
        finally:
            queue.task_done()


async def main() -> list:
    queue = DelayQueue()
    done = []
    consumer = asyncio.create_task(worker(queue, done))
    queue.put_nowait("now")
    queue.put_later("retry", 0.5)
    await queue.join()
    consumer.cancel()
    return done
