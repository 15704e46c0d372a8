"""Every command's names: the English one (also its catalog key and handler's name), the
Korean one and the others people type. Pure data; :mod:`bot.commands.core` maps each to its
handler, ``/help`` lists them in this order."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class CommandSpec:
    """One command: its English name (also its catalog key), its Korean name, other names."""

    name: str
    korean: str
    aliases: tuple[str, ...] = ()
    changes: bool = False  # changes the chat's settings: admins only in groups


COMMANDS: tuple[CommandSpec, ...] = (
    CommandSpec("start", "시작"),
    CommandSpec("help", "도움말", ("도움", "사용법")),
    CommandSpec("subscribe", "구독", ("sub",), changes=True),
    CommandSpec("unsubscribe", "해지", ("해제", "구독해지", "구독취소", "unsub"), changes=True),
    CommandSpec("list", "목록", ("구독목록",)),
    CommandSpec("mode", "모드", ("방식",), changes=True),
    CommandSpec("time", "시간", ("시각",), changes=True),
    CommandSpec("pause", "일시정지", ("멈춤", "stop"), changes=True),
    CommandSpec("resume", "재개", (), changes=True),
    CommandSpec("digest", "요약"),
    CommandSpec("search", "검색"),
    CommandSpec("status", "상태"),
    CommandSpec("topics", "주제"),
    CommandSpec("agencies", "기관", ("부처",)),
    CommandSpec("sources", "피드", ("출처", "feeds")),
    CommandSpec("lang", "언어", ("language",), changes=True),
)
# every name a command answers to (lower case) → its spec
COMMAND_NAMES: dict[str, CommandSpec] = {
    name.lower(): spec for spec in COMMANDS for name in (spec.name, spec.korean, *spec.aliases)
}
