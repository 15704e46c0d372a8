"""Grounding: nothing a digest shows may be absent from the source text.

Every phone number (compared by digits), URL, person name and figure (금액, 날짜, 비율) in a
Summary must occur in the article. An LLM summary that fails is repaired — the offending
contact, bullet, amount or date is dropped and the rule-extracted contacts are used — or,
when too little survives, replaced by the extractive digest. Pure functions; the caller
counts and logs the returned events with the story id.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import Literal

from bot.agencies import agency_names
from bot.documents.phones import PHONE, phone_digits, phones_in
from bot.topics import Taxonomy
from bot.types import Contact, Labeled, Summary

EventKind = Literal[
    "phone_dropped",
    "unsupported_dropped",
    "contact_dropped",
    "bullet_dropped",
    "headline_replaced",
    "amount_dropped",
    "date_dropped",
    "field_dropped",
    "replaced_by_extractive",
]


@dataclass(frozen=True, slots=True)
class GroundingEvent:
    """One repair made to a summary, with the offending text (for logs and counters)."""

    kind: EventKind
    detail: str


# --- canonical text: what the checks compare ----------------------------------------------

# Characters that hide inside an address without showing: zero-width, soft hyphen, bidi marks.
_INVISIBLE = dict.fromkeys(
    [0x00AD, 0x200B, 0x200C, 0x200D, 0x200E, 0x200F, 0x2060, 0xFEFF,
     *range(0x202A, 0x202F), *range(0x2066, 0x206A)],
    None,
)  # fmt: skip
# "bit[.]ly", "bit(dot)ly", "bit{.}ly": addresses written so that filters miss them.
_DEFANGED_DOT = re.compile(r"\s*[\[({]\s*(?:\.|dot|점)\s*[\])}]\s*", re.I)


def canonical(text: str) -> str:
    """NFKC (full-width letters, digits and dots become ASCII), ideographic full stops and
    defanged dots as ".", ``hxxp`` as ``http``, invisible characters removed. Both the digest
    and the source are compared in this form, so a disguise never helps."""
    text = unicodedata.normalize("NFKC", text).translate(_INVISIBLE)
    text = text.replace("\u3002", ".").replace("\ufe12", ".")
    text = _DEFANGED_DOT.sub(".", text)
    return re.sub(r"(?<![a-z])hxxp", "http", text, flags=re.I)


# --- addresses: any scheme, any TLD, punycode, e-mail, IPv4 --------------------------------

_LABEL = r"(?:xn--[a-z0-9-]{1,59}|[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)"
# A TLD is letters (``.site``, ``.ly``, ``.museum``), punycode (``.xn--3e0b707e``) or one of
# the Hangul TLDs, which a particle may follow (``정부.한국에서``).
_TLD = r"(?:xn--[a-z0-9-]{2,59}|[a-z]{2,63}(?![a-z0-9_-]))"
_HOST = (
    rf"(?:{_LABEL}(?:\.{_LABEL})*\.{_TLD}"
    r"|[가-힣0-9-]+(?:\.[가-힣0-9-]+)*\.(?:한국|닷컴|닷넷)(?![a-z0-9-]))"
)
_IPV4 = r"(?:\d{1,3}\.){3}\d{1,3}"
_PATH = r"(?::\d{1,5})?(?:[/?#][A-Za-z0-9\-._~%!$&'()*+,;=:@/?#]*)?"
_ADDRESS = re.compile(
    rf"(?:[a-z][a-z0-9+.-]{{1,15}}://[^\s<>\"'`가-힣]+)"  # any scheme
    rf"|(?<![a-z0-9_.%+-])[a-z0-9._%+-]+@{_HOST}"  # e-mail
    rf"|(?<![a-z0-9._-])(?:{_HOST}|{_IPV4}(?![\d.])){_PATH}",  # bare host, shortener, IP
    re.I,
)
_TRAILING = ".,;:!?'\")]}>"
_ADDRESS_CHAR = re.compile(r"[A-Za-z0-9\-_~%]")


def addresses(text: str) -> list[str]:
    """Every URL-like or domain-like string in ``text`` (canonical form), trailing
    punctuation removed: ``bit.ly/3xYzAbc``, ``apply-now.site``, ``https://x.y/z``,
    ``kim@korea.kr``, ``xn--3e0b707e``-style punycode, ``10.0.0.1:8080``."""
    found = []
    for match in _ADDRESS.finditer(canonical(text)):
        value = match.group(0)
        while value and value[-1] in _TRAILING:
            if value[-1] == ")" and value.count("(") >= value.count(")"):
                break
            value = value[:-1]
        if "." in value or "://" in value:
            found.append(value)
    return found


def _address_in(address: str, source: str) -> bool:
    """The exact address occurs in ``source`` (canonical), as a whole: not the middle of a
    longer host or path (``bit.ly/3x`` is not in ``bit.ly/3xYz``). The host compares
    case-blind, the path exactly; ``http(s)://`` may be left out on either side."""
    bare = re.sub(r"^https?://", "", address, flags=re.I)
    host_end = next((i for i, ch in enumerate(bare) if ch in "/?#"), len(bare))
    for match in re.finditer(re.escape(bare), source, re.I):
        start, end = match.span()
        if start and _ADDRESS_CHAR.match(source[start - 1]):
            continue
        if end < len(source) and _ADDRESS_CHAR.match(source[end]):
            continue
        if source[start + host_end : end] == bare[host_end:]:
            return True
    return False


# --- phones in any spelling -----------------------------------------------------------------

# Digits as Hangul syllables (공일공-일이삼사-오육칠팔): how a number is read aloud.
_HANGUL_DIGITS = {"공": "0", "영": "0", "일": "1", "이": "2", "삼": "3", "사": "4", "오": "5",
                  "육": "6", "륙": "6", "칠": "7", "팔": "8", "구": "9"}  # fmt: skip
_DIGIT = "0-9" + "".join(_HANGUL_DIGITS)
# Groups of digits parted by what people put between a number's parts (never a comma: that
# is an amount's thousands separator).
_SPELLED_RUN = re.compile(rf"[{_DIGIT}]+(?:[ \t\-.)(/·~_]{{1,3}}[{_DIGIT}]+)*")
_GROUP = re.compile(rf"[{_DIGIT}]+")
_YEAR = re.compile(r"(?:19|20)\d\d")


def _phone_shaped(groups: Sequence[str], separators: Sequence[str], spelled: bool) -> bool:
    """Whether consecutive digit groups make a Korean phone number: a 9-11 digit number
    opening with an area or mobile code (0…, or +82 …), a 1588-style service number, or a
    local number (3-4 and 4 digits, when written with spaces or in words). Parts of 2-4
    digits ending in four, one separator throughout (an area code may close with ")"):
    tables of decimals (``0.82 2.15``) and dates (``04/11/2026 07``) are not numbers."""
    if len(groups) > 1:
        if len(groups[-1]) != 4 or any(not 2 <= len(g) <= 4 for g in groups):
            return False
        kinds = {sep.strip() or " " for sep in separators}
        if separators and separators[0].strip() in (")", "("):
            kinds = {sep.strip() or " " for sep in separators[1:]}
        if len(kinds) > 1:
            return False
    digits = "".join(groups)
    if 9 <= len(digits) <= 11 and digits[0] == "0" and digits[1] != "0":
        return True
    if 10 <= len(digits) <= 12 and digits.startswith("82") and digits[2] != "0":
        return True
    if len(groups) == 2 and len(groups[1]) == 4 and len(groups[0]) in (3, 4):
        if len(groups[0]) == 4 and digits[0] == "1" and digits[1] in "56789":
            return True
        return spelled and not all(_YEAR.fullmatch(g) for g in groups)
    return False


def spelled_phones(text: str) -> list[str]:
    """Phone numbers in ``text`` however they are written: separators or spaces
    (``010 1234 5678``), full-width digits, Hangul digits (``공일공-일이삼사-오육칠팔``),
    mixed. Runs of digit groups are read left to right and the first phone-shaped window
    from each group is reported, so ordinary words around a number do not hide it."""
    found = []
    for run in _SPELLED_RUN.finditer(canonical(text)):
        parts = list(_GROUP.finditer(run.group(0)))
        groups = ["".join(_HANGUL_DIGITS.get(ch, ch) for ch in m.group(0)) for m in parts]
        text_of = run.group(0)
        start = 0
        while start < len(groups):
            longest = 0
            for end in range(start + 1, min(len(groups), start + 11) + 1):
                seps = [
                    text_of[parts[i].end() : parts[i + 1].start()] for i in range(start, end - 1)
                ]
                spelled = any(not m.group(0).isascii() for m in parts[start:end]) or any(
                    sep not in ("-", ".")
                    for sep in seps  # 157.5100 is a decimal
                )
                if _phone_shaped(groups[start:end], seps, spelled):
                    longest = end
            if longest:
                found.append(text_of[parts[start].start() : parts[longest - 1].end()])
                start = longest
            else:
                start += 1
    return found


def foreign_phones(text: str, facts: SourceFacts) -> list[str]:
    """The phone numbers ``text`` shows, in any spelling, that are not a number of the
    source's contact blocks (compared by digits)."""
    bad = [p for p in phones_in(text) if phone_digits(p) not in facts.contact_phones]
    for phone in spelled_phones(text):
        digits = "".join(_HANGUL_DIGITS.get(ch, ch) for ch in canonical(phone) if ch.isalnum())
        if phone_digits(digits) not in facts.contact_phones and not any(
            phone_digits(b) == phone_digits(digits) for b in bad
        ):
            bad.append(phone)
    return bad


# --- figures ------------------------------------------------------------------------------

# A figure: a number and the unit that follows it ("1조 6,903억원", "9.2%", "4월", "13일").
_FIGURE = re.compile(
    r"\d[\d,]*(?:\.\d+)?\s*(?:조|억|만|천)?\s*(?:원|%|퍼센트|명|개|건|곳|개사|개소|월|일|년|시|분|배|km|대)?"
)

# --- claims: is a bullet said by the source? ------------------------------------------------

# Words whose presence turns a statement around: a bullet that uses one must find it in the
# sentences that support it (취소 / 지원, 인상 / 인하, 한정 ...). Closed classes of the
# language of policy, not words of any one document.
POLARITY = frozenset((
    "취소", "중단", "폐지", "연기", "한정", "제외", "축소", "감축", "삭감", "철회", "보류", "무산",
    "불허", "금지", "불가", "유예", "종료", "탈락", "거부", "반대", "감소", "인하", "하향", "감액",
    "지원", "확대", "선정", "증액", "신설", "증가", "인상", "상향", "허용", "완화", "확정", "의무",
    "면제", "강화", "연장",
))  # fmt: skip
# Negation and restriction: 않/못 (auxiliaries), 없 (adjective), 아니, 안/못 (adverbs),
# 만/뿐 (only): "…하지 않는다", "…에서만".
_NEGATION_FORMS = ("않", "못", "없", "아니", "안", "뿐")
_CONTENT_TAGS = frozenset({"NNG", "NNP", "SL", "SH", "XR"})
SUPPORT_SHARE = 0.6  # of a bullet's content words found in its supporting sentences
MAX_NOVEL = 1  # content words a bullet may use that the whole release never does (a synonym)
# A headline compresses and abbreviates (중기부, 추경): fewer of its words need be found, none
# need be the release's own; its polarity, negations and figures still must hold.
HEADLINE_SHARE = 0.4


@dataclass(frozen=True, slots=True)
class Claim:
    """What a sentence asserts, as the support check compares it."""

    content: frozenset[str]  # nouns (a prefix joined to its noun: 대+기업 → 대기업), roots
    polarity: frozenset[str]  # POLARITY words
    negations: frozenset[str]  # negation / restriction forms
    figures: frozenset[str]  # numbers with their units, squashed


def claim_of(text: str) -> Claim:
    """The content words, polarity words, negations and figures of ``text`` (analyser)."""
    from bot.korean import Token, tokens

    content: set[str] = set()
    polarity: set[str] = set()
    negations: set[str] = set()
    prefix = ""
    analysed = tokens(text, limit=2000)
    forms = [t.form for t in analysed]

    def additive(at: int, token: Token) -> bool:
        before = forms[at - 1] if at else ""
        after = forms[at + 1] if at + 1 < len(forms) else ""
        return (token.form == "만" and before == "뿐") or (
            token.form in ("뿐", "아니") and (after == "만" or before in ("뿐", "만"))
        )

    for at, token in enumerate(analysed):
        tag = token.tags[0]
        if tag == "XPN":
            prefix = token.form
            continue
        form = prefix + token.form if tag in _CONTENT_TAGS else token.form
        prefix = ""
        if tag in _CONTENT_TAGS:
            content.add(form)
            for word in POLARITY:
                if word in form:
                    polarity.add(word)
        elif additive(at, token):
            continue  # 뿐만 아니라: "not only", nothing denied or restricted
        elif (tag in ("VX", "VA", "VCN", "MAG") and form.startswith(_NEGATION_FORMS)) or (
            tag == "JX" and form in ("만", "뿐")
        ):
            negations.add(form[:1] if form[:1] in "않못없안" else form)
    figures = {_squash(m.group(0)).lower() for m in _FIGURE.finditer(canonical(text))}
    return Claim(frozenset(content), frozenset(polarity), frozenset(negations),
                 frozenset(f for f in figures if f))  # fmt: skip


@dataclass(frozen=True)
class Passage:
    """Source sentences (one, or two neighbours) and what they assert."""

    squashed: str
    claim: Claim


def passages(text: str) -> list[Passage]:
    """Each source sentence and each pair of neighbouring ones, analysed once per release."""
    from bot.korean import split_sentences

    sentences = [s for s in split_sentences(canonical(text)) if s.strip()]
    claims = [claim_of(s) for s in sentences]
    out = []
    for i, sentence in enumerate(sentences):
        out.append(Passage(_squash(sentence + _dates_in_words(sentence)).lower(), claims[i]))
        if i + 1 < len(sentences):
            a, b = claims[i], claims[i + 1]
            joined = Claim(a.content | b.content, a.polarity | b.polarity,
                           a.negations | b.negations, a.figures | b.figures)  # fmt: skip
            pair = sentence + " " + sentences[i + 1]
            out.append(Passage(_squash(pair + _dates_in_words(pair)).lower(), joined))
    return out


def _whole(source: Sequence[Passage]) -> Passage:
    """The whole release as one passage (the union of its passages)."""
    return Passage(
        "".join(p.squashed for p in source[::2]),
        Claim(
            frozenset().union(*(p.claim.content for p in source)),
            frozenset(), frozenset(), frozenset(),
        ),
    )  # fmt: skip


def unsupported(
    text: str, source: Sequence[Passage], share: float = SUPPORT_SHARE, novel: int = MAX_NOVEL
) -> str | None:
    """Why no passage of the source supports ``text`` (None when one does).

    A passage supports a claim when it holds every polarity word, negation and figure of the
    claim and at least ``share`` of its content words (found as words of the passage or
    inside its text: 확정됐다 / 확정되었다, 중소기업 / 중소 기업).
    """
    claim = claim_of(text)
    if not claim.content and not claim.polarity and not claim.negations:
        return None
    whole = _whole(source)
    unheard = sorted(w for w in claim.content if w not in whole.claim.content
                     and w.lower() not in whole.squashed)  # fmt: skip
    if len(unheard) > novel:
        return f"unsupported claim (words the release never uses: {', '.join(unheard)})"
    best = 0.0
    for passage in source:
        if not claim.polarity <= passage.claim.polarity:
            continue
        if not claim.negations <= passage.claim.negations:
            continue
        if any(f not in passage.squashed for f in claim.figures):
            continue
        found = sum(
            1 for w in claim.content if w in passage.claim.content or w.lower() in passage.squashed
        )
        covered = found / len(claim.content) if claim.content else 1.0
        # one synonym may miss in a short claim (추경 for 추가경정예산) when all else holds
        if covered >= share or (claim.content and found >= len(claim.content) - 1 <= 2):
            return None
        best = max(best, covered)
    missing = sorted(claim.polarity | claim.negations)
    said = f"; {'·'.join(missing)}" if missing else ""
    return f"unsupported claim ({best:.0%} of its words in any passage{said})"


# --- people -------------------------------------------------------------------------------

# Korean personal names open with a surname: the common one-syllable ones and the compound
# ones (남궁, 황보, …). A closed class of the language, not a list fitted to documents.
_SURNAMES_2 = "남궁|황보|제갈|선우|독고|사공|서문|동방|어금|망절"
_SURNAMES_1 = (
    "김이박최정강조윤장임한오서신권황안송전홍유고문양손배백허남심노하곽성차주우구민류나진"
    "지엄채원천방공현함변염여추도소석선설마길연위표명기반라왕금옥육인맹제모탁국어은편용예"
    "경봉사부가복태목형피두감음빈동온호범좌팽승간상시갈견당계"
)
_NAME = rf"(?:(?:{_SURNAMES_2})[가-힣]{{1,2}}|[{_SURNAMES_1}][가-힣]{{1,2}})"
# Role words are open-ended (연구관, 정책관, 센터장, 선임연구원, 대변인, 대표, 씨 …): a word
# whose head is one of the productive role endings below counts, whatever comes before it.
_ROLE = (
    r"[가-힣]{0,5}(?:관|장|사|원|보|대표|이사|교수|박사|대변인|주임|대리|담당|담당자|책임자|"
    r"실무자|선임|수석|총재|고문|특보|기자|위원|간사|반장|님|씨)"
)
_PARTICLE = r"(?:께서|에게|께|은|는|이|가|을|를|의|과|와|도|에|로|으로|이다|이며|이고|이)?"
_WORD_END = r"(?![가-힣])"
_WORD_START = r"(?<![가-힣])"
# Korean writes a name and its role apart (김철수 연구관, 과장 이하녕, 담당자: 유동욱); only
# 씨/님 attach to the name.
_NAME_THEN_ROLE = re.compile(
    rf"{_WORD_START}({_NAME})(?:\s+(?:{_ROLE})|\s?(?:씨|님)){_PARTICLE}{_WORD_END}"
)
_ROLE_THEN_NAME = re.compile(
    rf"{_WORD_START}(?:{_ROLE})(?:\s+|\s*[:：]\s*)({_NAME}){_PARTICLE}{_WORD_END}"
)
_ROLE_WORD = re.compile(_ROLE)
_NAME_TO_WHOM = re.compile(rf"{_WORD_START}({_NAME})(?:에게|께|한테){_WORD_END}")
# A sentence that tells readers whom to contact: every person it names must be a contact.
_CONTACT_CUE = re.compile(r"문의|연락|담당자|담당\s*부서|책임자|연락처|전화|☎|상담")
MIN_BULLETS = 2


def people_in(text: str) -> set[str]:
    """The names standing next to a role word (``김철수 연구관``, ``과장 이하녕``) or being
    addressed (``김철수에게``) in ``text``."""
    found = set()
    for pattern in (_NAME_THEN_ROLE, _ROLE_THEN_NAME, _NAME_TO_WHOM):
        for match in pattern.finditer(text):
            if not _ROLE_WORD.fullmatch(match.group(1)):  # 연구관에게, 국장 대변인: roles
                found.add(match.group(1))
    return found


@lru_cache(maxsize=4096)
def _common_word(candidate: str) -> bool:
    """The analyser reads ``candidate`` as one ordinary word (정부, 일자리) or a noun with a
    derivational suffix (사업화), not a name (김철수/NNP; 이하녕 → 이하 + 녕: unknown)."""
    from bot.korean import tokens

    found = tokens(candidate, limit=20)
    if len(found) == 1:
        return found[0].form == candidate and found[0].tag != "NNP"
    return found[-1].tag == "XSN" and all(t.tag in ("NNG", "XSN") for t in found)


def _squash(text: str) -> str:
    return re.sub(r"[\s,·‧]+", "", text)


@dataclass(frozen=True)
class SourceFacts:
    """What the source text contains, in the forms the checks compare."""

    text: str  # canonical
    squashed: str
    phones: frozenset[str]  # every number written in the source
    contact_phones: frozenset[str]  # the numbers of its contact blocks (rule-extracted)
    contact_names: frozenset[str]  # the names of its contact blocks (rule-extracted)
    people: frozenset[str]  # contacts and the names the source shows next to a role
    raw: str = ""  # the text as given, for the support check's passages

    @cached_property
    def passages(self) -> list[Passage]:
        return passages(self.raw or self.text)

    @classmethod
    def of(cls, text: str, contacts: Sequence[Contact] = ()) -> SourceFacts:
        raw, text = text, canonical(text)
        names = frozenset(_squash(canonical(c.name)) for c in contacts if c.name)
        return cls(
            text=text,
            squashed=_squash(text + _dates_in_words(text)).lower(),
            phones=frozenset(phone_digits(p) for p in phones_in(text)),
            contact_phones=frozenset(
                phone_digits(p) for c in contacts for p in phones_in(c.phone or "")
            ),
            contact_names=names,
            people=names | frozenset(people_in(text)),
            raw=raw,
        )


# Releases write a day as "4.9(목)" or "’26. 4. 9.(목)"; a digest writes "4월 9일".
_SHORT_DATE = re.compile(r"(?<![\d.])(\d{1,2})\.\s?(\d{1,2})\.?\s?(?=\((?:월|화|수|목|금|토|일)\))")


def _dates_in_words(text: str) -> str:
    """The source's short dates also written as "4월 9일", so a figure check finds them."""
    return "".join(f" {int(m)}월 {int(d)}일" for m, d in _SHORT_DATE.findall(text))


def _sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.!?。])\s+|\n+", text) if s.strip()]


def ungrounded(text: str, facts: SourceFacts) -> list[str]:
    """What ``text`` shows that the source does not support — the one grounding rule.

    - Phones, in any spelling (``010 1234 5678``, full-width, ``공일공-일이삼사-오육칠팔``),
      must be numbers of the source's contact blocks (a number elsewhere in the text, such
      as an injected "010-1234-5678로 연락", is refused).
    - Addresses (any scheme or none, any TLD, shorteners, punycode, e-mail, IPs, full-width
      or defanged dots) must occur in the source exactly.
    - A name next to a role word must be a person the source names; in a sentence telling
      whom to contact, every such name must be one of the source's contacts.
    - Figures (amounts, dates, ratios) must occur in the source.
    """
    text = canonical(text)
    bad: list[str] = foreign_phones(text, facts)
    rest = PHONE.sub(" ", text)
    for phone in spelled_phones(rest):
        rest = rest.replace(phone, " ")
    for address in addresses(rest):
        if not _address_in(address, facts.text):
            bad.append(address)
    rest = _ADDRESS.sub(" ", rest)
    for sentence in _sentences(rest):
        contact_sentence = bool(_CONTACT_CUE.search(sentence)) or bool(phones_in(sentence))
        for name in sorted(people_in(sentence)):
            if name in (facts.contact_names if contact_sentence else facts.people):
                continue
            if _common_word(name) and (not contact_sentence or name in facts.squashed):
                continue  # 반도체 지원, 정부 지원: an ordinary word next to a role-like ending
            bad.append(name)
    for match in _FIGURE.finditer(rest):
        figure = _squash(match.group(0)).lower()
        if figure and figure not in facts.squashed:
            bad.append(match.group(0).strip())
    return bad


def contact_grounded(contact: Contact, facts: SourceFacts) -> bool:
    """A contact's phones (by digits) must be contact-block numbers; its name a person the
    source names (a contact, or next to a role word)."""
    for phone in phones_in(contact.phone or ""):
        if phone_digits(phone) not in facts.contact_phones:
            return False
    if contact.phone and not phones_in(contact.phone):
        return False
    return not (contact.name and _squash(canonical(contact.name)) not in facts.people)


def _labeled(
    items: Iterable[Labeled], facts: SourceFacts, kind: EventKind, events: list[GroundingEvent]
) -> list[Labeled]:
    kept: list[Labeled] = []
    for item in items:
        bad = ungrounded(f"{item.label} {item.value}", facts)
        if bad:
            events.append(GroundingEvent(kind, f"{item.label}: {item.value} ({', '.join(bad)})"))
        else:
            kept.append(item)
    return kept


def ground(
    summary: Summary,
    source_text: str,
    *,
    rule_contacts: Sequence[Contact],
    fallback: Summary,
    taxonomy: Taxonomy,
    source_url: str = "",
) -> tuple[Summary, list[GroundingEvent]]:
    """``summary`` with everything the source does not support removed, and what was removed.

    Falls back to ``fallback`` (the extractive digest) when fewer than two bullets survive.
    Contacts always come from the rules when the rules found any.
    """
    facts = SourceFacts.of(source_text, rule_contacts)
    events: list[GroundingEvent] = []

    bullets: list[str] = []
    for bullet in summary.bullets:
        bad = ungrounded(bullet, facts)
        if bad:
            kind: EventKind = "phone_dropped" if foreign_phones(bullet, facts) else "bullet_dropped"
            events.append(GroundingEvent(kind, f"{bullet} ({', '.join(bad)})"))
        elif why := unsupported(bullet, facts.passages):
            events.append(GroundingEvent("unsupported_dropped", f"{bullet} ({why})"))
        else:
            bullets.append(bullet)
    if len(bullets) < min(MIN_BULLETS, len(summary.bullets) or MIN_BULLETS):
        events.append(GroundingEvent("replaced_by_extractive", f"{len(bullets)} bullets left"))
        return fallback, events

    headline = summary.headline
    bad = ungrounded(headline, facts)
    if bad:
        kind = "phone_dropped" if foreign_phones(headline, facts) else "headline_replaced"
        events.append(GroundingEvent(kind, f"headline: {headline} ({', '.join(bad)})"))
        headline = fallback.headline
    elif why := unsupported(headline, facts.passages, share=HEADLINE_SHARE, novel=len(headline)):
        events.append(GroundingEvent("unsupported_dropped", f"headline: {headline} ({why})"))
        headline = fallback.headline

    for contact in summary.contacts:
        if not contact_grounded(contact, facts):
            events.append(GroundingEvent("contact_dropped", _describe(contact)))
    if rule_contacts:
        contacts = list(rule_contacts)
    else:
        contacts = [c for c in summary.contacts if contact_grounded(c, facts)]

    def present(values: Iterable[str], what: str) -> list[str]:
        kept = []
        for value in values:
            if _squash(value).lower() in facts.squashed and not ungrounded(value, facts):
                kept.append(value)
            else:
                events.append(GroundingEvent("field_dropped", f"{what}: {value}"))
        return kept

    agencies = []
    for agency in summary.agencies:
        if any(_squash(n).lower() in facts.squashed for n in agency_names(agency)):
            agencies.append(agency)
        else:
            events.append(GroundingEvent("field_dropped", f"agency: {agency}"))
    topics = [t for t in summary.topics if t in taxonomy.names]
    repaired = summary.model_copy(
        update={
            "headline": headline,
            "bullets": bullets,
            "contacts": contacts,
            "amounts": _labeled(summary.amounts, facts, "amount_dropped", events),
            "key_dates": _labeled(summary.key_dates, facts, "date_dropped", events),
            "agencies": agencies,
            "regions": present(summary.regions, "region"),
            "topics": topics or fallback.topics,
            "source_url": source_url or fallback.source_url,
        }
    )
    return Summary.model_validate(repaired.model_dump()), events


def _describe(contact: Contact) -> str:
    parts = (contact.organization, contact.department, contact.role, contact.name, contact.phone)
    return " ".join(p for p in parts if p)
