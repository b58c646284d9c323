"""lost_wakeup.py fixed: a cancelled getter that was already woken passes the wake-up on."""

import asyncio

from tests.programs.lost_wakeup import run


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
                    if not self.empty() and not getter.cancelled():
                        self._wakeup_next(self._getters)  # woken, but not taking it: pass it on
                    raise
            return self.get_nowait()


async def main() -> list:
    return await run(DeadlineQueue())
