"""Prompt files: plain Korean text under prompts/ with ``{{name}}`` placeholders.

The prompt version is a short hash of the file's bytes and is stored with every summary,
so a changed prompt yields new cache entries rather than stale ones.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from bot.errors import ConfigError

PROMPTS_DIR = Path(__file__).resolve().parents[2] / "prompts"
ARTICLE_OPEN = "<<<기사>>>"
ARTICLE_CLOSE = "<<<기사 끝>>>"
_PLACEHOLDER = re.compile(r"\{\{(\w+)\}\}")


@dataclass(frozen=True)
class Prompt:
    template: str
    version: str

    def render(self, **values: str) -> str:
        """The prompt with placeholders filled; unknown placeholders are left empty."""
        return _PLACEHOLDER.sub(lambda m: values.get(m.group(1), ""), self.template)


def load_prompt(name: str) -> Prompt:
    """Read ``name`` (a file under prompts/, or a path); ConfigError if missing or unusable."""
    path = Path(name)
    if not path.is_absolute() and not path.exists():
        path = PROMPTS_DIR / name
    try:
        data = path.read_bytes()
    except OSError as e:
        raise ConfigError(f"config key 'llm.prompt' = {name!r}: cannot read {path}: {e}") from e
    template = data.decode("utf-8", "replace")
    if "{{article}}" not in template:
        raise ConfigError(f"config key 'llm.prompt' = {name!r}: the prompt has no {{{{article}}}}")
    return Prompt(template=template, version=hashlib.sha256(data).hexdigest()[:12])


def as_data(article: str, limit: int) -> str:
    """The article cut to ``limit`` characters, with the delimiters made inert inside it."""
    text = article[:limit]
    return text.replace("<<<", "‹‹‹").replace(">>>", "›››")
