"""What ``async with`` closes: holders of HTTP clients or worker processes made on first use."""

from __future__ import annotations

from typing import Self


class Closing:
    """``async with X(...) as x`` gives ``x`` and awaits ``x.aclose()`` on the way out.

    Entering does nothing: the clients or processes behind ``x`` are made when first needed,
    so a holder that is never used costs nothing and ``aclose`` closes only what was made.
    """

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        raise NotImplementedError
