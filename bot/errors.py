"""The error tree of sokbo.

Every error the bot raises on purpose derives from :class:`SokboError`; library
errors are wrapped at the edge with ``raise ... from e`` so callers catch one root::

    SokboError
     ├── ConfigError          invalid settings (the CLI exits with status 2)
     ├── FeedError            a feed could not be fetched or parsed
     │    ├── FetchError        network, HTTP status, size cap, redirects
     │    └── ParseError        nothing usable in the document
     ├── StoreError           the database refused or is unreachable
     ├── SummarizeError       the LLM path failed (the extractive path never does)
     └── CommandError         a chat command was invalid (carries a catalog key and a reply)
"""

from __future__ import annotations

from typing import Any


class SokboError(Exception):
    """Root of every error sokbo raises on purpose."""


class ConfigError(SokboError, ValueError):
    """Settings are invalid; the message names the key, the value and what is allowed."""


class FeedError(SokboError):
    """A feed could not be turned into articles."""


class FetchError(FeedError):
    """Fetching failed; ``retry_after`` is set when the server asked us to wait."""

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class ParseError(FeedError):
    """The document held nothing that could be recovered."""


class StoreError(SokboError):
    """The database failed."""


class SummarizeError(SokboError):
    """The LLM summarizer failed; callers fall back to the extractive digest."""


class CommandError(SokboError):
    """A chat command was invalid.

    Raised with a catalog ``key`` (and the values it needs) so the answer can be given in the
    chat's language; ``reply`` is the Korean text, for callers that have no chat (the CLI).
    A plain ``reply`` string is still accepted.
    """

    def __init__(self, reply: str = "", *, key: str | None = None, **values: Any) -> None:
        if key is not None:
            from bot.locales import t

            reply = t("ko", key, **values)
        super().__init__(reply)
        self.reply = reply
        self.key = key
        self.values = values

    def text(self, lang: str) -> str:
        """The reply in ``lang`` (the Korean ``reply`` when it came without a key)."""
        if self.key is None:
            return self.reply
        from bot.locales import t

        return t(lang, self.key, **self.values)
