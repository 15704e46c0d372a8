"""Parsing search queries into index tokens (pure: text in, values out).

The index stores each text as *tokens*: Latin letters and digits as lower-cased words
(``sLLM`` → ``sllm``, ``300``), every other run of letters (Hangul, Hanja, …) as overlapping
character bigrams (``반도체`` → ``반도 도체``; a one-letter run stays a unigram). A word is
found when its tokens appear consecutively, so a Korean word matches wherever it occurs as a
substring of a run — inside compounds and before any particle — which is exactly what
``LIKE '%word%'`` would find, without scanning.

Queries: words separated by spaces must all match; ``"…"`` is a phrase; ``-word`` or
``-"…"`` excludes. Particles and endings are cut from the end of each word (딥테크를 →
딥테크). Operators of the underlying engines (``OR``, ``NEAR``, ``*``, ``^``, ``col:``) carry
no meaning here: the query is rebuilt from tokens, never passed through.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

from bot.errors import CommandError

MAX_QUERY_CHARS = 300
MAX_TERMS = 8  # words or phrases that must match
MAX_EXCLUDED = 4
MAX_TOKENS = 24  # tokens over the whole query: bounds the posting lists one query reads
MAX_TOKEN_CHARS = 64
MAX_TITLE_TOKENS = 300
MAX_BODY_TOKENS = 16_000  # PostgreSQL keeps positions up to 16383; both engines cut here

_RUN = re.compile(r"[0-9a-z]+|[^\W0-9a-z_]+")
_LATIN = re.compile(r"[0-9a-z]+")
_LATIN_CHARS = frozenset("0123456789abcdefghijklmnopqrstuvwxyz")
_QUOTES = str.maketrans({c: '"' for c in "“”„‟«»「」『』＂″"})
# Characters that are operators somewhere (FTS5, tsquery, regex) and never part of a word.
_NOISE = re.compile(r"[()\[\]{}<>*^:;|!?~\\/=@#$%]")
_OPERATORS = frozenset({"OR", "AND", "NOT", "NEAR"})
_SYLLABLE = re.compile(r"[가-힣]")


def normalize(text: str) -> str:
    """NFKC and lower case: full-width forms and Latin case do not matter."""
    return unicodedata.normalize("NFKC", text).lower()


def _runs(text: str) -> Iterator[str]:
    for match in _RUN.finditer(normalize(text)):
        yield match.group(0)[:MAX_TOKEN_CHARS]


def index_tokens(text: str, limit: int = MAX_BODY_TOKENS) -> list[str]:
    """The tokens stored for ``text``, in order (at most ``limit``)."""
    tokens: list[str] = []
    # every run at once and each run's bigrams by map: this runs over every stored text
    for whole in _RUN.findall(normalize(text)):
        run = whole[:MAX_TOKEN_CHARS]
        # a run is all Latin/digits or has none of them (_RUN): its first letter tells which
        if len(run) == 1 or run[0] in _LATIN_CHARS:
            tokens.append(run)
        else:
            tokens.extend(map(str.__add__, run, run[1:]))
        if len(tokens) >= limit:
            return tokens[:limit]
    return tokens


@dataclass(frozen=True, slots=True)
class Term:
    """A word or phrase: its tokens must appear consecutively.

    ``prefix`` marks the last token as a prefix (a trailing one-letter run such as the
    ``억`` of ``300억`` also matches ``억원``). ``runs`` are the letter runs as typed, for
    marking matches in snippets.
    """

    text: str
    tokens: tuple[str, ...]
    prefix: bool
    runs: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Query:
    text: str
    terms: tuple[Term, ...]
    excluded: tuple[Term, ...]


def make_term(text: str) -> Term | None:
    """The term for ``text`` (a word or phrase), or None when it holds no letters or digits."""
    runs = tuple(_runs(text))
    if not runs:
        return None
    tokens: list[str] = []
    prefix = False
    for i, run in enumerate(runs):
        if _LATIN.fullmatch(run):
            tokens.append(run)
        elif len(run) == 1:
            tokens.append(run)
            prefix = i == len(runs) - 1
        else:
            tokens.extend(run[j : j + 2] for j in range(len(run) - 1))
    return Term(text=text, tokens=tuple(tokens), prefix=prefix, runs=runs)


def _pieces(text: str) -> Iterator[tuple[bool, bool, str]]:
    """(excluded, quoted, text) for each word or phrase; an unclosed quote runs to the end."""
    i, n = 0, len(text)
    while i < n:
        if text[i].isspace():
            i += 1
            continue
        excluded = text[i] == "-" and i + 1 < n and not text[i + 1].isspace()
        if excluded:
            i += 1
        if text[i] == '"':
            end = text.find('"', i + 1)
            end = n if end < 0 else end
            yield excluded, True, text[i + 1 : end]
            i = end + 1
            continue
        end = i
        while end < n and not text[end].isspace() and text[end] != '"':
            end += 1
        yield excluded, False, text[i:end]
        i = end


def parse_query(text: str, strip: Callable[[str], str] = lambda w: w) -> Query:
    """Parse what the user typed; raise CommandError (Korean) when nothing searchable is left.

    ``strip`` cuts particles from a word (bot.korean.strip_endings in production); it is
    applied to unquoted words and to the last word of a phrase.
    """
    text = unicodedata.normalize("NFKC", text or "").translate(_QUOTES).strip()
    if not text:
        raise CommandError(key="search.empty")
    if len(text) > MAX_QUERY_CHARS:
        raise CommandError(key="search.query_too_long", count=len(text), limit=MAX_QUERY_CHARS)
    terms: list[Term] = []
    excluded: list[Term] = []
    for is_excluded, quoted, piece in _pieces(text):
        piece = _NOISE.sub(" ", piece)
        words = [w for w in piece.split() if w not in _OPERATORS and w.strip("-.,'&+_")]
        if not words:
            continue
        if not quoted and len(words) > 1:  # "NEAR(a b)" and the like fall apart into words
            for word in words:
                _add(make_term(_stripped(word, strip)), excluded if is_excluded else terms)
            continue
        words[-1] = _stripped(words[-1], strip)
        _add(make_term(" ".join(words)), excluded if is_excluded else terms)
    if not terms:
        if excluded:
            raise CommandError(key="search.only_excluded")
        raise CommandError(key="search.no_words")
    if all(len(t.tokens) == 1 and t.prefix for t in terms):
        raise CommandError(key="search.one_syllable")
    if len(terms) > MAX_TERMS or len(excluded) > MAX_EXCLUDED:
        raise CommandError(key="search.too_many_terms", terms=MAX_TERMS, excluded=MAX_EXCLUDED)
    if sum(len(t.tokens) for t in (*terms, *excluded)) > MAX_TOKENS:
        raise CommandError(key="search.too_many_tokens")
    return Query(text=text, terms=tuple(terms), excluded=tuple(excluded))


def _stripped(word: str, strip: Callable[[str], str]) -> str:
    return strip(word) if _SYLLABLE.fullmatch(word[-1:]) else word


def _add(term: Term | None, into: list[Term]) -> None:
    if term is not None and all(t.tokens != term.tokens or t.prefix != term.prefix for t in into):
        into.append(term)


def fts5_match(query: Query) -> str:
    """The SQLite FTS5 MATCH expression; every token is quoted, so nothing is an operator."""

    def phrase(term: Term) -> str:
        return '"' + " ".join(term.tokens) + '"' + (" *" if term.prefix else "")

    expression = " AND ".join(phrase(t) for t in query.terms)
    if query.excluded:
        expression = f"({expression}) NOT ({' OR '.join(phrase(t) for t in query.excluded)})"
    return expression


def tsquery(query: Query) -> str:
    """The PostgreSQL tsquery literal (lexemes quoted; cast with ``CAST(:q AS tsquery)``)."""

    def lexeme(token: str) -> str:
        return "'" + token.replace("\\", "\\\\").replace("'", "''") + "'"

    def phrase(term: Term) -> str:
        body = " <-> ".join(lexeme(t) for t in term.tokens)
        return f"({body}{':*' if term.prefix else ''})"

    expression = " & ".join(phrase(t) for t in query.terms)
    for term in query.excluded:
        expression += f" & !{phrase(term)}"
    return expression


def tsvector_literal(title: str, body: str) -> str:
    """A tsvector literal with explicit positions (title weighted A, body D).

    Built here rather than by ``to_tsvector`` so PostgreSQL's parser (whose idea of a letter
    depends on the server locale) never re-splits the tokens: both engines see the same ones.
    """
    positions: dict[str, list[str]] = {}
    title_tokens = index_tokens(title, MAX_TITLE_TOKENS)
    for i, token in enumerate(title_tokens, start=1):
        positions.setdefault(token, []).append(f"{i}A")
    start = len(title_tokens) + 2  # a gap, so no phrase spans title and body
    for i, token in enumerate(index_tokens(body, MAX_BODY_TOKENS), start=start):
        positions.setdefault(token, []).append(str(min(i, 16383)))
    return " ".join(
        "'" + t.replace("\\", "\\\\").replace("'", "''") + "':" + ",".join(p[:256])
        for t, p in positions.items()
    )


def highlight_pattern(terms: tuple[Term, ...]) -> re.Pattern[str] | None:
    """A case-insensitive pattern that finds the terms in original text (runs may be split
    by punctuation or spaces, as the index ignores them)."""
    alternatives = sorted(
        (r"[\W_]*".join(re.escape(run) for run in t.runs) for t in terms), key=len, reverse=True
    )
    return re.compile("|".join(alternatives), re.IGNORECASE) if alternatives else None


def tag_token(kind: str, name: str) -> str:
    """The FTS5 token that stands for an agency (``kind`` "a") or topic ("t") of a document.

    Hex of the name behind a Hangul prefix: one token for FTS5 whatever the name holds, and
    one that mixes Hangul with Latin/digits, which ``index_tokens`` and ``make_term`` never
    produce, so no word of a text or a query can equal it.
    """
    return f"태그{kind}{name.encode().hex()}"


def tag_tokens(agencies: Sequence[str], topics: Sequence[str]) -> list[str]:
    """A document's agencies and topics as FTS5 tag tokens."""
    return [tag_token("a", a) for a in agencies] + [tag_token("t", t) for t in topics]
