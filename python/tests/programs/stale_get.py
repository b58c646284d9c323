"""A Queue subclass whose get() was copied from Python 3.12 to count waits, and never updated.

Python 3.13's `shutdown()` wakes every waiting getter, and its own `get()` then raises
QueueShutDown; the copied loop just waits again. The consumer's `except QueueShutDown` never
runs and the consumer waits in get() forever after the queue shut down:
stranded/getter-after-shutdown. (Python 3.13+: shutdown is new in 3.13.)
"""

import asyncio


class CountingQueue(asyncio.Queue):
    waits = 0

    async def get(self):
        # Copied from Python 3.12's asyncio.Queue.get, plus the counter.
        # BUG: 3.13's get() also raises QueueShutDown here once the queue is shut down.
        while self.empty():
            getter = self._get_loop().create_future()
            self._getters.append(getter)
            self.waits += 1
            try:
                await getter
            except:  # noqa: E722 (as the original)
                getter.cancel()
                try:
                    self._getters.remove(getter)
                except ValueError:
                    pass
                if not self.empty() and not getter.cancelled():
                    self._wakeup_next(self._getters)
                raise
        return self.get_nowait()


async def consume(queue: asyncio.Queue, seen: list) -> None:
    while True:
        try:
            item = await queue.get()
        except asyncio.QueueShutDown:
            return
        seen.append(item)
        queue.task_done()


async def main() -> list:
    queue = CountingQueue()
    seen = []
    consumer = asyncio.create_task(consume(queue, seen))
    for n in range(3):
        await queue.put(n)
        await asyncio.sleep(0.01)
    await queue.join()
    queue.shutdown()  # the consumer should see QueueShutDown and return
    await consumer
    return seen
