"""The one error of attachment reading."""

from __future__ import annotations

from bot.errors import SokboError


class AttachmentError(SokboError):
    """An attachment that cannot be read, with the reason in one plain English line."""
