"""Korean text on mecab-ko: one tagger per process, loaded on first use (~0.1 s, ~25 MB).

The tagger maps its dictionary (sys.dic 80 MB, matrix.bin 20 MB): a pipeline pass touches
most of it, and those pages then count in the process's resident set until the tagger goes.
A long-running process calls :func:`release` after each pass; mapping it again costs about a
millisecond, since the pages stay in the page cache.

mecab-ko-dic is the dictionary Elasticsearch's nori analyzer is built on. Its tags (NNG, NNP,
JKO, XSV+EF, SN, …) drive particle stripping, word boundaries for matching, and the repair
of spacing artefacts. Sentence splitting is rule-based on press-release Korean (dates such as
``2026. 4. 13.(월)``, ``’25.5월``, ``1.5배``, quotes, ``※`` notes, list items without a final
period) because the punctuation, not the morphology, decides where a sentence ends there.

Every entry point caps what it analyses (:data:`MAX_ANALYSIS`): a hostile 1 MB title costs
milliseconds, not minutes.
"""

from __future__ import annotations

import bisect
import re
import threading
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

MAX_ANALYSIS = 50_000  # characters one call analyses; the rest is ignored (or split unanalysed)

_lock = threading.Lock()
_tagger: Any = None
# Punctuation and symbols (SL Latin, SN numbers and SH Hanja are words, kept).
_MARKS = frozenset({"SF", "SE", "SSO", "SSC", "SC", "SY"})
# Trailing morphemes a searcher does not mean: particles, endings, 하다/되다/이다 suffixes.
_ENDING_TAGS = ("J", "E", "XSV", "XSA", "VCP")


@dataclass(frozen=True, slots=True)
class Token:
    """One morpheme: its surface form, its mecab-ko-dic tag and its span in the text.

    ``parts`` are the (start, end) spans of a dictionary compound's pieces (해양수산부 →
    해양·수산·부); a plain token has one part, itself.
    """

    form: str
    tag: str
    start: int
    end: int
    parts: tuple[tuple[int, int], ...] = ()

    @property
    def tags(self) -> tuple[str, ...]:
        """The tag's components: ``XSV+EF`` → (XSV, EF)."""
        return tuple(self.tag.split("+"))


def _load() -> Any:
    global _tagger
    tagger = _tagger  # read once: release() may clear the global meanwhile
    if tagger is None:
        with _lock:
            if _tagger is None:
                import mecab

                _tagger = mecab.MeCab()
            tagger = _tagger
    return tagger


def release() -> None:
    """Drop the process's tagger and unmap its dictionary; the next call maps it again.

    A call still running keeps its own reference, so releasing while another thread tags
    is safe.
    """
    global _tagger
    with _lock:
        _tagger = None


def tokens(text: str, limit: int = MAX_ANALYSIS) -> list[Token]:
    """Morphemes of ``text[:limit]`` with their spans (whitespace is not a token)."""
    text = text[:limit]
    if not text.strip():
        return []
    tagger = _load()
    fast = _tokens_from_string(tagger, text)
    return fast if fast is not None else _tokens_from_objects(tagger, text)


def tagged_forms(text: str, limit: int = MAX_ANALYSIS) -> list[tuple[str, str]]:
    """(form, first tag) of each morpheme of ``text[:limit]``: :func:`tokens` without spans.

    For callers that only keep words by tag (grouping features, once per article): reading
    MeCab's text output without building a :class:`Token` and its compound parts halves the
    Python share of the analysis. Same forms and tags as :func:`tokens`, which it falls back to.
    """
    text = text[:limit]
    if not text.strip():
        return []
    tagger = _load()
    try:
        from mecab.mecab import create_lattice

        lattice = create_lattice(text)
        if not tagger._tagger.parse(lattice):
            return [(t.form, t.tags[0]) for t in tokens(text, limit)]
        output = lattice.to_string()
    except (ImportError, AttributeError):
        return [(t.form, t.tags[0]) for t in tokens(text, limit)]
    out: list[tuple[str, str]] = []
    at = 0
    find = text.find
    for line in output.split("\n"):
        surface, tab, feature = line.partition("\t")
        if not tab:
            continue  # EOS and the empty last line
        start = find(surface, at)
        if start < 0 or feature.count(",") != 7 or (start > at and text[at:start].strip()):
            return [(t.form, t.tags[0]) for t in tokens(text, limit)]  # what tokens() reads
        pos = feature[: feature.index(",")]
        out.append((surface, "" if pos == "*" else pos.split("+", 1)[0]))
        at = start + len(surface)
    return out


def _tokens_from_objects(tagger: Any, text: str) -> list[Token]:
    """Tokens through python-mecab-ko's public ``parse`` (one Python object per morpheme)."""
    out: list[Token] = []
    for m in tagger.parse(text):
        start, end = m.span.start, m.span.end
        feature = m.feature
        parts: tuple[tuple[int, int], ...] = ()
        if feature.type == "Compound" and feature.expression:
            parts = _compound_parts(start, m.surface, feature.expression)
        out.append(Token(m.surface, feature.pos or "", start, end, parts))
    return out


def _tokens_from_string(tagger: Any, text: str) -> list[Token] | None:
    """The same tokens from MeCab's text output (one C call), ~4× faster than python-mecab-ko's
    per-node objects, which cost most of the analysis time. ``None`` when that output cannot
    be read (another python-mecab-ko version, a surface not found in order): use ``parse``.

    Each line is ``surface<TAB>pos,semantic,jongseong,reading,type,start,end,expression``;
    a surface is found in ``text`` after the previous one (only whitespace lies between).
    """
    try:
        from mecab.mecab import create_lattice

        lattice = create_lattice(text)
        if not tagger._tagger.parse(lattice):
            return None
        output = lattice.to_string()
    except (ImportError, AttributeError):
        return None
    out: list[Token] = []
    at = 0
    for line in output.split("\n"):
        surface, tab, feature = line.partition("\t")
        if not tab:
            continue  # EOS and the empty last line
        start = text.find(surface, at)
        fields = feature.split(",")
        if start < 0 or len(fields) != 8 or text[at:start].strip():
            return None  # not the next surface: read the objects instead
        end = start + len(surface)
        pos, kind, expression = fields[0], fields[4], fields[7]
        parts: tuple[tuple[int, int], ...] = ()
        if kind == "Compound" and expression != "*":
            parts = _compound_parts(start, surface, expression)
        out.append(Token(surface, "" if pos == "*" else pos, start, end, parts))
        at = end
    return out


def _compound_parts(start: int, surface: str, expression: str) -> tuple[tuple[int, int], ...]:
    """Spans of a compound's pieces, when the pieces spell the surface exactly."""
    pieces = [p.split("/", 1)[0] for p in expression.split("+")]
    if "".join(pieces) != surface:
        return ()
    spans = []
    at = start
    for piece in pieces:
        spans.append((at, at + len(piece)))
        at += len(piece)
    return tuple(spans)


# --- words -----------------------------------------------------------------------------------


@lru_cache(maxsize=4096)
def stem(word: str) -> str:
    """The word without particles, endings and marks: 반도체를 → 반도체, 딥테크의 → 딥테크."""
    kept = [
        t.form
        for t in tokens(word, limit=200)
        if not t.tags[0].startswith(_ENDING_TAGS) and t.tags[0] not in _MARKS
    ]
    return "".join(kept) or word


@lru_cache(maxsize=4096)
def strip_endings(word: str) -> str:
    """``word`` cut before its trailing particles and verb endings, by surface position.

    딥테크를 → 딥테크, 지원한다 → 지원, 300억을 → 300억, 거점이다 → 거점. Unlike :func:`stem`
    the result is always a prefix of ``word`` (so it can be found as a substring of the text
    the word came from); a Korean cut shorter than two syllables is refused (경로 stays 경로).
    """
    cut = len(word)
    for token in reversed(tokens(word, limit=200)):
        if token.tags[0].startswith(_ENDING_TAGS) or token.tags[0] in _MARKS:
            cut = min(cut, token.start)
        else:
            break
    head = word[:cut]
    if not head or head == word:
        return word
    if len(head) < 2 and "가" <= head[-1] <= "힣":
        return word
    return head


# --- sentences -------------------------------------------------------------------------------

_CLOSERS = "\"'”’」』)]）"
# A candidate end: terminal punctuation, then any closing quotes/brackets.
_END = re.compile(r"[.!?。](?:[" + re.escape(_CLOSERS) + r"])*")
# Notes and list markers that start a new unit even mid-line.
_NOTE_START = re.compile(r"\s(?=※)")
_ENUMERATOR = re.compile(r"(?:^|\s)(?:\d{1,2}|[가-하]|[ivxIVX]{1,4}|[A-Za-z])$")
_ABBREVIATION = re.compile(r"(?:^|[\s(])(?:[A-Z][a-z]{0,3}|[a-z]{1,3}|No|vs|etc|e\.g|i\.e)$")


def split_sentences(text: str) -> list[str]:
    """Sentences of ``text`` in order, stripped, empty ones dropped.

    A line break always ends a unit (list items carry no final period); within a line a
    sentence ends at ``.``/``?``/``!`` (with any closing quotes) followed by a space and not
    inside a number or date (``2026. 4. 13.``, ``1.5배``), an enumerator (``1. 개요``) or a
    quotation continued by a particle (``“…했다.”라고``); ``※`` starts a note.
    """
    out: list[str] = []
    for line in text[: MAX_ANALYSIS * 4].splitlines():
        for chunk in _NOTE_START.split(line):
            out.extend(_split_line(chunk))
    return out


def _split_line(line: str) -> list[str]:
    line = line.strip()
    if not line:
        return []
    pieces: list[str] = []
    begin = 0
    for m in _END.finditer(line):
        end = m.end()
        if end >= len(line):
            break
        if not line[end].isspace():
            continue  # 1.5배, ’25.5월, “…다.”라고, 13.(월)
        if not _is_boundary(line, m.start(), end):
            continue
        piece = line[begin:end].strip()
        if piece:
            pieces.append(piece)
        begin = end
    rest = line[begin:].strip()
    if rest:
        pieces.append(rest)
    return pieces


def _is_boundary(line: str, mark: int, end: int) -> bool:
    """Whether the punctuation at ``mark`` (closers up to ``end``) ends a sentence."""
    before = line[:mark]
    after = line[end:].lstrip()
    if not after:
        return True
    if line[mark] == "." and end == mark + 1:
        prev = before[-1:] if before else ""
        if prev.isdigit():
            # 2026. 4. 13. / 제3. … : a number then a period is a date or an enumerator part,
            # unless a sentence-like word follows a long stretch (rare; keep it together).
            return False
        if _ENUMERATOR.search(before) and len(before.strip()) <= 3:
            return False  # "가. 추진 배경", "1. 개요" at the start of a line
        if _ABBREVIATION.search(before):
            return False  # Dr. Kim, No. 5, vs. — Latin abbreviations
    return True


# --- spacing artefacts -----------------------------------------------------------------------

_SPACE = re.compile(r"[ \t\u00a0]+")
# Units that follow a number without a space in edited Korean (원, 명, 일, 개, …): NNBC / NR.
_UNIT_TAGS = frozenset({"NNBC", "NR"})
# Particles (J*) and the copula, never written apart from the word before them.
_PARTICLE_TAGS = ("JKS", "JKC", "JKG", "JKO", "JKB", "JKV", "JKQ", "JX", "JC")


def repair_spacing(text: str) -> str:
    """Re-attach what PDF/HWP conversion split off, by the tags; reword nothing.

    ``해양수산부 는`` → ``해양수산부는`` (a particle alone after a noun), ``2,000 만 원`` →
    ``2,000만 원`` and ``4월 1 일`` → ``4월 1일`` (a unit after a number). A space is removed
    only when the morpheme right after it is a particle or a counter whose preceding token is
    a noun, a number or a closing mark, and the particle is a whole word on its own.
    """
    if " " not in text:
        return text
    toks = tokens(text)
    if not toks:
        return text
    drop: set[int] = set()  # indices of spaces to remove
    for i in range(1, len(toks)):
        prev, tok = toks[i - 1], toks[i]
        gap = text[prev.end : tok.start]
        if gap != " ":
            continue
        word_end = _word_end(text, tok.start)
        lone = tok.start > 0 and text[tok.start - 1] == " " and tok.end == word_end
        particle = tok.tags[0] in _PARTICLE_TAGS or (
            # mecab-ko tags a particle standing alone as a noun at times (무역수지 도,
            # 25.3% 를 → NNG / NNG+JKO): a whole one-syllable word that can only be a particle
            lone and tok.form in _LONE_PARTICLES
        )
        # the particles fill the word: 는 / 에서는 (에서 JKB + 는 JX) / 으로,
        tail = [t for t in toks[i:] if t.start < word_end]
        whole = all(t.tags[0] in _PARTICLE_TAGS for t in tail) and tail[-1].end == word_end
        if particle and (tok.end == word_end or whole) and _nounish(prev):
            # a lone particle word: 해양수산부 는 / 기업 을 / AI 가
            if tok.form in _FREE_WORDS:
                continue
            drop.add(prev.end)
        elif tok.tags[0] in _UNIT_TAGS and prev.tags[-1] == "SN" and _is_unit(text, tok):
            drop.add(prev.end)
        elif prev.tags[-1] == "NNG" and (
            tok.tags[0] == "XSV" or (tok.tags[0] == "VV" and tok.form.startswith(("되", "됐")))
        ):
            # a verbal noun and its 하다/되다 written apart: 논의 되었다, 추진 한다, 증가 하였다
            drop.add(prev.end)
        elif tok.tags[0].startswith("E") and prev.tags[-1] in _STEM_TAGS:
            # an ending alone after a stem or a pre-final ending: 체결 했 다고 → 했다고
            drop.add(prev.end)
    if not drop:
        return text
    return "".join(ch for i, ch in enumerate(text) if i not in drop)


# Particles that are also free-standing words in edited Korean (및 is MAJ; 등 NNB; these are
# the J-tagged forms that conversion artefacts never produce alone on purpose).
_FREE_WORDS = frozenset({"와", "과", "및"})
# Tags a word never ends with: a verb or adjective stem, a derivational suffix, a pre-final ending.
_STEM_TAGS = frozenset({"VV", "VA", "VX", "XSV", "XSA", "EP"})
# Particles that are never a word of their own in edited Korean (unlike 이, 가, 의: 이 사업).
_LONE_PARTICLES = frozenset(
    {"는", "은", "를", "을", "도", "로", "으로", "에", "에서", "에게", "까지"}
)


def _word_end(text: str, at: int) -> int:
    """Where the word starting at ``at`` ends: at a space, or at punctuation after it
    (``으로,`` is the whole word ``으로``)."""
    end = at
    while end < len(text) and not text[end].isspace():
        if end > at and text[end] in ",.;:!?)]":
            break
        end += 1
    return end


def _nounish(token: Token) -> bool:
    last = token.tags[-1]
    if last == "SY":  # %, ㎡, ㎢ after a number: 25.3% 를
        return bool(re.search(r"[%㎡㎢㎞㎏℃)]$", token.form))
    return last.startswith(("NN", "NP", "NR", "SN", "SL", "SH", "XSN")) or last == "SSC"


# Counters written after a number: 만/억/조 (NR) and NNBC units such as 원, 명, 일, 개, 건.
_UNIT_WORD = re.compile(r"^(?:[만억조천백십]|[가-힣]{1,2})(?=$|[\s,.)·~%]|[가-힣])")


def _is_unit(text: str, tok: Token) -> bool:
    """A counter directly spelled after a number (2,000 만, 1 일), not a noun that follows it."""
    return bool(_UNIT_WORD.match(text[tok.start : tok.end])) and len(tok.form) <= 2


# --- words split by a space the document itself writes whole ----------------------------

_HANGUL_WORD = re.compile(r"[가-힣]{2,}")  # a run of two syllables or more
# What may follow a word's stem inside the same word: particles and the plural 들.
_WORD_TAIL = frozenset(
    [
        "은",
        "는",
        "이",
        "가",
        "을",
        "를",
        "의",
        "에",
        "에서",
        "에서는",
        "에게",
        "로",
        "으로",
        "와",
        "과",
        "도",
        "만",
        "들",
        "들이",
        "들은",
        "들을",
        "들의",
        "들에",
        "들과",
        "들도",
        "이다",
        "으로서",
        "까지",
        "부터",
        "에는",
        "에도",
        "로서",
        "로써",
        "처럼",
        "보다",
    ]
)


def vocabulary(text: str) -> frozenset[str]:
    """The Hangul words a document writes (runs of two syllables or more), and each run
    without its particle (정부는 → 정부)."""
    runs = set(_HANGUL_WORD.findall(text[: MAX_ANALYSIS * 4]))
    out = set(runs)
    for run in runs:
        n = len(run)  # a particle of one to three syllables, leaving two or more
        if n >= 3 and run[-1] in _WORD_TAIL:
            out.add(run[:-1])
        if n >= 4 and run[-2:] in _WORD_TAIL:
            out.add(run[:-2])
        if n >= 5 and run[-3:] in _WORD_TAIL:
            out.add(run[:-3])
    return frozenset(out)


def _written_whole(joined: str, words: frozenset[str], ordered: list[str]) -> bool:
    """``joined`` is a word the document writes: as it is, as a word plus a particle, or
    (three syllables or more) as the start of a longer word (``ordered``: ``words`` sorted)."""
    if joined in words:
        return True
    for cut in range(len(joined) - 1, 1, -1):
        if joined[:cut] in words and joined[cut:] in _WORD_TAIL:
            return True
    if len(joined) < 3:
        return False
    at = bisect.bisect_right(ordered, joined)
    return at < len(ordered) and ordered[at].startswith(joined)


_PHONE_LIKE = re.compile(r"\d{2,4}\s?[-.)]\s?\d{3,4}\s?[-.]\s?\d{4}")


@lru_cache(maxsize=8)
def _sorted(words: frozenset[str]) -> list[str]:
    return sorted(words)


@lru_cache(maxsize=8)
def _joined_words(words: frozenset[str]) -> str:
    """The document's words, each after a newline: one string to search for pieces."""
    return "\n" + "\n".join(words)


def _inside_a_word(piece: str, words: frozenset[str]) -> bool:
    """``piece`` (three to six syllables) is written inside one of the document's words, not
    at its start (중소기업의 has 기업의)."""
    if not 3 <= len(piece) <= 6:
        return False
    text = _joined_words(words)
    at = text.find(piece, 1)
    while at != -1:
        if text[at - 1] != "\n":  # a piece holds no newline: it lies inside one word
            return True
        at = text.find(piece, at + 1)
    return False


_HANGUL_HEAD = re.compile(r"[가-힣]*")


def _is_hangul(char: str) -> bool:
    return "가" <= char <= "힣"


def _is_word_char(char: str) -> bool:
    return "0" <= char <= "9" or "A" <= char <= "Z" or "a" <= char <= "z" or _is_hangul(char)


def join_split_words(text: str, words: frozenset[str]) -> str:
    """Remove a space conversion put inside a word, where the document writes the word whole
    elsewhere (``반 도체`` → ``반도체`` when it has ``반도체``; ``장치 들이`` → ``장치들이``).
    Only a pair whose first part is one syllable, or whose second part starts with a particle
    or 들, is a candidate: two real words (필요 시, 이 사업) stay apart."""
    if " " not in text or not words:
        return text
    if "\n" in text:
        return "\n".join(join_split_words(line, words) for line in text.split("\n"))
    if _PHONE_LIKE.search(text):
        return text  # a contact line: "사무관 이 경" is a rank and a name, not 사무관이
    ordered = _sorted(words)
    parts = text.split(" ")
    out = [parts[0]]
    for part in parts[1:]:
        head = _HANGUL_HEAD.match(part)  # the Hangul word this part starts with
        right = head.group() if head else ""
        last = out[-1]
        # a candidate: the word before is one syllable, or this one is a particle or 들…
        start = -1
        if right and right not in _FREE_WORDS and last and _is_hangul(last[-1]):
            if right in _WORD_TAIL or right.startswith("들"):
                start = len(last) - 1
                while start and _is_hangul(last[start - 1]):
                    start -= 1
            elif len(last) == 1 or not _is_hangul(last[-2]):
                start = len(last) - 1
        # … and the word before is a whole Hangul word after punctuation: "40만 원" stays
        if (
            start >= 0
            and (start == 0 or not _is_word_char(last[start - 1]))
            and (
                _written_whole(last[start:] + right, words, ordered)
                or _inside_a_word(last[start:] + right, words)
            )
        ):
            out[-1] += part
        else:
            out.append(part)
    return " ".join(out)


_LETTER_RUN = re.compile(r"(?<![가-힣])(?:[가-힣] ){2,}[가-힣](?![가-힣])")


def respace_letter_spaced(text: str, words: frozenset[str]) -> str:
    """Letter-spaced conversion text (``공 공 도 서 관 연 간``) re-spaced into the words the
    document writes (``공공도서관 연간``): longest known word first, a particle joined to
    the word before it; syllables no known word covers are joined together."""

    def segment(m: re.Match[str]) -> str:
        run = m.group(0).replace(" ", "")
        out: list[str] = []
        stray = False  # the last piece is made of syllables no known word covers
        i = 0
        while i < len(run):
            size = next(
                (n for n in range(min(8, len(run) - i), 1, -1) if run[i : i + n] in words), 0
            )
            if size:
                out.append(run[i : i + size])
                stray = False
                i += size
                continue
            piece = run[i]
            if out and (stray or piece in _WORD_TAIL):
                out[-1] += piece  # a particle, or the next syllable of an unknown word
            else:
                out.append(piece)
                stray = True
            i += 1
        return " ".join(out)

    return _LETTER_RUN.sub(segment, text)
