"""A production incident, pinned down: one corrupted payload, and the health check fails forever.

Consumers take payloads from the queue and acknowledge each one only after handling it. One
payload is corrupted: handling it raises ValueError, the consumer dies, and the payload is never
acknowledged. A supervisor sees the consumer die and starts a new one, so the work goes on and
every other payload is handled, yet the queue's unfinished count stays at 1: every health check,
`await asyncio.wait_for(queue.join(), 5)`, times out. main() returns what was handled, the
restarts and the failed checks. Under chaosq every schedule reports the join timeouts, and the
ledger names the payload left unacknowledged and the consumer that died holding it.
"""

import asyncio

PAYLOADS = 5
CORRUPTED = 2  # the id of the corrupted payload
CONSUMERS = 2
HEALTH_CHECKS = 3
CHECK_TIMEOUT = 5
CHECK_INTERVAL = 1


async def consume(queue: asyncio.Queue, handled: list) -> None:
    while True:
        payload = await queue.get()
        if payload["corrupted"]:
            raise ValueError(f"corrupted payload {payload['id']}")
        await asyncio.sleep(0.1)  # handling it
        handled.append(payload["id"])
        queue.task_done()  # acknowledged only on success


async def supervise(queue: asyncio.Queue, consumers: list, handled: list, restarts: list) -> None:
    """Replaces every consumer that ends, and records why it ended."""
    while True:
        done, _ = await asyncio.wait(consumers, return_when=asyncio.FIRST_COMPLETED)
        for task in done:
            consumers.remove(task)
            if task.cancelled():
                restarts.append("cancelled")
            else:
                error = task.exception()
                restarts.append(f"{type(error).__name__}: {error}" if error else "returned")
            consumers.append(asyncio.create_task(consume(queue, handled)))


async def health_check(queue: asyncio.Queue, failures: list) -> None:
    for check in range(HEALTH_CHECKS):
        await asyncio.sleep(CHECK_INTERVAL)
        try:
            await asyncio.wait_for(queue.join(), CHECK_TIMEOUT)
        except TimeoutError:
            failures.append(f"check {check}: join() did not return within {CHECK_TIMEOUT}s")


async def main() -> dict:
    queue = asyncio.Queue()
    for i in range(PAYLOADS):
        queue.put_nowait({"id": i, "corrupted": i == CORRUPTED})
    handled, restarts, failures = [], [], []
    consumers = [asyncio.create_task(consume(queue, handled)) for _ in range(CONSUMERS)]
    supervisor = asyncio.create_task(supervise(queue, consumers, handled, restarts))
    await health_check(queue, failures)
    supervisor.cancel()
    for task in consumers:
        task.cancel()
    return {"handled": sorted(handled), "restarts": restarts, "failures": failures}


if __name__ == "__main__":
    print(asyncio.run(main()))  # 18 s of real time: three intervals and three timeouts
