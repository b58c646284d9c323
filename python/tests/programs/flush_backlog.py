"""A consumer that sheds load by clearing the queue's backlog, stop signal included.

When it falls behind it drops the stale readings with `queue._queue.clear()` (the usual answer
to "how do I clear an asyncio.Queue?"), which bypasses get(): the readings, and the stop
signal the producer queued after them, vanish without ever being taken. The consumer waits for
a stop that never comes and `main` waits for the consumer forever: lost/vanished.
"""

import asyncio

READINGS = 6
BACKLOG = 3
STOP = None


async def consume(queue: asyncio.Queue, shown: list) -> None:
    while True:
        reading = await queue.get()
        queue.task_done()
        if reading is STOP:
            return
        shown.append(reading)
        await asyncio.sleep(0.1)  # slower than the producer
        if queue.qsize() > BACKLOG:
            queue._queue.clear()  # BUG: drops whatever is queued, the stop signal too


async def produce(queue: asyncio.Queue) -> None:
    for reading in range(READINGS):
        queue.put_nowait(reading)
        await asyncio.sleep(0.01)
    queue.put_nowait(STOP)


async def main() -> list:
    queue = asyncio.Queue()
    shown = []
    consumer = asyncio.create_task(consume(queue, shown))
    await produce(queue)
    await consumer
    return shown
