"""What a word means as a rule (topic, agency, keyword, exclude, feed) and how rules are said
back. Pure: the store is asked only through the ``has_feed`` function it is given."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping

from bot.agencies import followed_agencies, resolve_agency, rule_value
from bot.commands.parse import MAX_KEYWORD, shown
from bot.errors import CommandError
from bot.locales import t
from bot.matching import normalize_word
from bot.topics import Taxonomy
from bot.types import Rule, RuleKind

_KEYWORD = re.compile(r"[0-9a-z가-힣ㄱ-ㅎㅏ-ㅣ·&+#.\-_ ]+")
# the order /list and /status show the kinds in
LISTED_KINDS: tuple[RuleKind, ...] = ("topic", "agency", "keyword", "exclude", "feed")


def is_name(word: str, taxonomy: Taxonomy) -> bool:
    """A topic or agency name: its middle dot does not split it (``창업·벤처``)."""
    return taxonomy.resolve(word) is not None or resolve_agency(word) is not None


def rule_for(word: str, taxonomy: Taxonomy, has_feed: Callable[[int], bool]) -> Rule:
    """What ``word`` means as a rule; CommandError (with a catalog key) when it cannot be one."""
    if word.startswith("-") and len(word) > 1:
        return Rule("exclude", keyword(word[1:]))
    lowered = word.lower()
    if lowered.startswith(("feed:", "피드:")):
        number = lowered.split(":", 1)[1]
        if not number.isdigit() or len(number) > 9:
            raise CommandError(key="rule.feed_format")
        if not has_feed(int(number)):
            raise CommandError(key="rule.feed_missing", number=number)
        return Rule("feed", str(int(number)))
    topic = taxonomy.resolve(word)
    if topic is not None:
        return Rule("topic", topic)
    agency = rule_value(word)
    if agency is not None:
        return Rule("agency", agency)
    return Rule("keyword", keyword(word))


def keyword(word: str) -> str:
    """The stored form of a keyword; CommandError when it cannot be one."""
    value = normalize_word(word)
    if not value:
        raise CommandError(key="rule.keyword_empty")
    if len(value) > MAX_KEYWORD:
        raise CommandError(key="rule.keyword_long", limit=MAX_KEYWORD, word=shown(word))
    if not _KEYWORD.fullmatch(value):
        raise CommandError(key="rule.keyword_chars", word=shown(word))
    return value


def describe(
    lang: str,
    rules: Iterable[Rule],
    labels: Mapping[Rule, str],
    typed: Mapping[Rule, str] | None = None,
) -> str:
    """Rules as the user wrote them, joined: ``반도체, sLLM, 인공지능(AI), 3번 피드``.

    ``typed`` holds the words of this command: a topic or agency named by another name
    shows both (``과학기술정보통신부(과기정통부)``)."""
    parts = []
    for rule in rules:
        label = labels.get(rule, rule.value)
        if rule.kind == "exclude":
            parts.append(f"-{label}")
        elif rule.kind == "feed":
            parts.append(t(lang, "rule.feed_name", number=rule.value))
        elif rule.kind in ("topic", "agency"):
            word = (typed or {}).get(rule, rule.value)
            same = normalize_word(word).replace("·", "") == normalize_word(rule.value).replace(
                "·", ""
            )
            value = rule.value
            if rule.kind == "agency" and (successors := followed_agencies(value)) != (value,):
                value = "·".join(successors)  # 기재부 → 재경부·예산처: what it follows now
                same = False
            parts.append(value if same else f"{shown(word)}({value})")
        else:
            parts.append(label)
    return ", ".join(parts)


def rules_text(lang: str, rules: Iterable[Rule], labels: Mapping[Rule, str]) -> str:
    """The chat's rules by kind, one line each (``· 키워드: sLLM, 딥테크``)."""
    groups: dict[str, list[Rule]] = {}
    for rule in rules:
        groups.setdefault(rule.kind, []).append(rule)
    lines = [t(lang, "list.title")]
    for kind in LISTED_KINDS:
        if kind in groups:
            values = [labels.get(r, r.value) for r in groups[kind]]
            if kind == "feed":
                values = [t(lang, "rule.feed_name", number=v) for v in values]
            lines.append(f"· {t(lang, f'list.kind.{kind}')}: " + ", ".join(values))
    return "\n".join(lines)
