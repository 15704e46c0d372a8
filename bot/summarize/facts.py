"""Facts a digest lists beside its bullets: amounts, dates and regions, copied verbatim.

Each value is a substring of the source (spacing artefacts repaired), so the facts are
grounded by construction. A label is given only when the words around the value say what
it is (신청 기간 needs an application sentence, an amount's noun is its grammatical head);
otherwise it is absent, never guessed: a date without one is left out, an amount is shown
without a label.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from bot.korean import Token, repair_spacing, tokens
from bot.types import Labeled

REGIONS: Mapping[str, tuple[str, ...]] = {
    "서울": ("서울특별시", "서울시", "서울"),
    "부산": ("부산광역시", "부산"),
    "대구": ("대구광역시", "대구"),
    "인천": ("인천광역시", "인천"),
    "광주": ("광주광역시", "광주"),
    "대전": ("대전광역시", "대전"),
    "울산": ("울산광역시", "울산"),
    "세종": ("세종특별자치시", "세종시"),
    "경기": ("경기도", "경기"),
    "강원": ("강원특별자치도", "강원도", "강원"),
    "충북": ("충청북도", "충북"),
    "충남": ("충청남도", "충남"),
    "전북": ("전북특별자치도", "전라북도", "전북"),
    "전남": ("전라남도", "전남"),
    "경북": ("경상북도", "경북"),
    "경남": ("경상남도", "경남"),
    "제주": ("제주특별자치도", "제주도", "제주"),
}
_REGION_WORD = re.compile(
    "|".join(sorted((re.escape(n) for ns in REGIONS.values() for n in ns), key=len, reverse=True))
)
_REGION_OF = {n: short for short, ns in REGIONS.items() for n in ns}

_AMOUNT = re.compile(
    r"(?:(?:총|최대|약)\s?)?\d[\d,]*(?:\.\d+)?\s?"
    r"(?:조(?:\s?\d[\d,]*\s?억)?|억(?:\s?\d[\d,]*\s?(?:천만|만))?|천만|만)\s?원"
)
_DAY = r"\d{1,2}\s?월\s?\d{1,2}\s?일(?:\s?\([월화수목금토일]\))?"
_DATE_RANGE = re.compile(
    rf"{_DAY}(?:\s?\d{{1,2}}\s?시)?\s*(?:부터|~|∼|-)\s*(?:{_DAY}|\d{{1,2}}\s?일(?:\([월화수목금토일]\))?)"
    rf"(?:\s?\d{{1,2}}\s?시)?(?:\s?까지)?"
)
_DATE = re.compile(rf"(?:\d{{4}}\s?년\s?)?{_DAY}|\d{{4}}\.\s?\d{{1,2}}\.\s?\d{{1,2}}\.?")


# What a noun phrase is made of (SN for 1인당's 1, XSN for 기업당's 당, XPN for 국토부's 부).
_NOUN_TAGS = frozenset({"NNG", "NNP", "NNB", "NNBC", "NR", "NP", "SL", "SH", "SN", "XSN", "XPN"})
_PUNCT_TAGS = frozenset({"SF", "SE", "SSO", "SSC", "SC", "SY"})
# Words that stand between an amount and its noun without being either: a rate (월, 연,
# 1인당, 기업당), a bound (최대, 최소, 총, 약, 각) or a time (올해 2,475억 원을 투입).
_BETWEEN = re.compile(
    r"(?:월|연|연간|매월|매년|각|총|약|최대|최소|올해|내년|지난해|작년|금년|향후|당해)"
)
# What may follow an amount that a subject before it is (지원금은 2,000만 원이다, 공시지가는
# 31조 원으로, 합계액이 2천만 원 이하인); any other continuation makes the subject the one
# who acts (정부는 50억 원을 투입, 해수부가 1만 원 내에서 지원).
_PREDICATE_AFTER = frozenset({"이하", "이상", "미만", "초과"})


def _between(word: list[Token]) -> bool:
    """A rate or a bound: 월, 최대, 1인당, 기업당 (당 a suffix: 수당 is a noun)."""
    last = word[-1]
    return bool(
        _BETWEEN.fullmatch("".join(t.form for t in word))
        or (last.form == "당" and last.tags[0] == "XSN")
    )


_SUBJECT = frozenset({"은", "는", "이", "가"})
_FUND_AFTER = re.compile(
    r"^\s*(?:규모|상당)?\s*의\s*(?:[가-힣]{2,4}\s)?"
    r"([가-힣]{0,8}(?:비|금|액|예산|자금|기금|투자|지원|수당|보조금))"
    r"(?=[은는이가을를의에도로과와]?(?:[^가-힣]|$))"
)
_VAGUE = frozenset({"경우", "때", "중", "등", "대상", "기준", "대비", "소관", "범위"})
_HEAD_NOUN = frozenset({"규모", "금액", "예산", "비용", "총액", "액수", "한도", "단가"})
_JOINERS = frozenset("·･・/-")  # 보급·확산 지원사업: 확산 is half of a pair, not a modifier
_WINDOW = 48  # characters before an amount that its noun phrase may take


def _words(tokens: list[Token], text: str) -> list[list[Token]]:
    """Tokens grouped into written words (eojeol); each punctuation mark is a word of its own."""
    words: list[list[Token]] = []
    for tok in tokens:
        joined = (
            words and tok.start == words[-1][-1].end and not text[tok.start : tok.end].isspace()
        )
        punct = tok.tags[0] in _PUNCT_TAGS or (words and words[-1][-1].tags[0] in _PUNCT_TAGS)
        if joined and not punct:
            words[-1].append(tok)
        else:
            words.append([tok])
    return words


def _noun_part(word: list[Token]) -> tuple[list[Token], list[Token]]:
    """(the nouns the word ends its noun phrase with, the particles after them); ([], …) when
    the word is not a noun with particles (a verb, an adverb, a verb made a noun with
    하기/되기). A determiner stays with its noun (총산출); a verb made a noun stands as one
    when nothing follows it (가구원 돌보기 113.6조원: an item of a list)."""
    end = len(word)
    while end and word[end - 1].tags[0].startswith("J"):
        end -= 1
    begin = end
    while begin and word[begin - 1].tags[0] in _NOUN_TAGS:
        begin -= 1
    if (
        begin == end == len(word) >= 2
        and word[-1].tags[0] == "ETN"
        and all(t.tags[0] == "VV" for t in word[:-1])
    ):
        return word, []
    if begin and word[begin - 1].tags[0] == "MM":
        begin -= 1
    if begin == end or (begin and word[begin - 1].tags[0] not in {"MAJ", "JC"}):
        return [], word[end:]  # 및참여활동 (a lost space) keeps its noun; 증가한 has none
    return word[begin:end], word[end:]


def _names_a_thing(nouns: list[Token]) -> bool:
    """A noun phrase with a content noun and no number or unit in it ('26년, 4억원씩, 5년간,
    달러 and 1천 are amounts and times, not what an amount is of)."""
    tags = {t.tags[0] for t in nouns}
    return bool(tags & {"NNG", "NNP", "SL", "ETN"}) and not tags & {"SN", "NR", "NNBC"}


def _surface(text: str, toks: list[Token]) -> str:
    return text[toks[0].start : toks[-1].end]


def _bare_noun(text: str, word: list[Token]) -> str:
    """The word when it is a noun alone (no particle), of a kind that can name a thing."""
    nouns, particles = _noun_part(word)
    name = _surface(text, nouns) if nouns else ""
    if particles or not nouns or word[0] is not nouns[0]:
        return ""
    if len(name) < 2 or name in _VAGUE or _between(word) or not _names_a_thing(nouns):
        return ""  # not 월, 1인당, '26년
    return name


def _is_predicate(tokens: list[Token], at: int) -> bool:
    """Whether the amount ending at ``at`` is what its clause says of the subject: followed
    (past a bracket) by a copula, 으로/로/에서/에 (31조 원으로 증가, 58조 원에서, 40조 원에
    육박), a comparison (이하, 이상), a comma or nothing."""
    depth = 0
    for tok in tokens:
        if tok.start < at:
            continue
        if tok.form in "(（":
            depth += 1
        elif tok.form in ")）":
            depth -= 1
        elif not depth:
            tag = tok.tags[0]
            return (
                tag == "VCP"
                or (tag == "JKB" and tok.form in {"으로", "로", "에서", "에"})
                or tok.form in _PREDICATE_AFTER
                or tok.form in {",", "，", "."}
            )
    return True


def amount_noun(sentence: str, start: int, end: int) -> str:
    """The noun an amount is of, from the sentence's structure; "" when none is (then the
    amount is shown without a label).

    - A money noun joined after it by 의 (``300억 원 규모의 예산`` → 예산).
    - Else the noun phrase written just before it (past rates and bounds: 월, 1인당, 최대):
      a bare noun (``추경예산 1조 원``, ``기준금액(2천만 원)``), an object (``훈련수당을 월
      40만 원``), a destination (``민생안정에 4,952억 원``), or a subject whose predicate the
      amount is (``지원금은 2,000만 원이다``, ``공시지가는 31조 원으로``) — not a subject
      that acts on it (``정부는 50억 원을 투입``). A verbal noun in -화 (최소화에) or a verb
      (예방하기 위해, 증가한) is not what an amount is of. A bare noun just before the phrase
      joins it (``지원 규모``, ``승합 자동차``).
    """
    if (m := _FUND_AFTER.match(sentence[end : end + 24])) and m.group(1) not in _VAGUE:
        return m.group(1)  # "9억 원의 예산": the amount names its noun after it
    lo = max(0, start - _WINDOW)
    text = sentence[lo : end + 16]
    toks = tokens(text)
    words = _words([t for t in toks if t.end <= start - lo], text)
    if lo and words and words[0][0].start == 0:
        words = words[1:]  # the window may have cut it
    i = len(words) - 1
    if i >= 0 and words[i][0].form in "(（" and words[i][0].end == start - lo:
        i -= 1  # 기준금액(2천만 원): the amount in brackets after its noun
        if i < 0 or words[i][-1].end != words[i + 1][0].start:
            return ""
    while i >= 0 and _between(words[i]):
        i -= 1
    if i < 0:
        return ""
    nouns, particles = _noun_part(words[i])
    if not nouns:
        return ""
    # 최소화에 4,622억 원: a verb made with -화 says what is done, not what it is done to;
    # it names the spending only with its object (피해 최소화)
    verbal = nouns[-1].form == "화" and nouns[-1].tags[0] == "XSN"
    marks = "".join(p.form for p in particles)
    if marks in _SUBJECT and not _is_predicate(toks, end - lo):
        return ""
    if marks and not (marks in _SUBJECT or marks in {"을", "를", "에", "에는", "에도"}):
        return ""  # 패키지로, 국토부의, 2027년까지: not what the amount is of
    name = _surface(text, nouns)
    if name in _VAGUE and not particles and i:
        # 인구감소지역의 경우 월 80만 원: the noun the vague one is of
        nouns, particles = _noun_part(words[i - 1])
        if "".join(p.form for p in particles) != "의" or not nouns:
            return ""
        name, i = _surface(text, nouns), i - 1
    if len(name) < 2 or name in _VAGUE or not _names_a_thing(nouns):
        return ""
    whole = words[i][0] is nouns[0]  # 및참여활동: what stands before 및 is another item
    joined = i and text[words[i - 1][0].start - 1 : words[i - 1][0].start] in _JOINERS
    if (
        whole
        and i
        and not joined
        and (before := _bare_noun(text, words[i - 1]))
        and len(before + name) < 14
    ):
        name = f"{before} {name}"  # 지원 규모, 승합 자동차, 열풍 조성
    elif verbal and len(nouns) < 3:
        return ""
    return name


_UNIT_WON = (("조", 10**12), ("천억", 10**11), ("억", 10**8), ("천만", 10**7), ("만", 10**4))


def won(value: str) -> int | None:
    """The amount in 원 (``최대 2천만 원`` = ``최대 2,000만 원`` = 20,000,000), for merging
    duplicates written two ways."""
    text = re.sub(r"[\s,]", "", value)
    text = re.sub(r"^(총|최대|최소|약)", "", text).removesuffix("원")
    total = 0.0
    for unit, size in _UNIT_WON:
        if m := re.match(rf"(\d+(?:\.\d+)?)?{unit}", text):
            total += float(m.group(1) or 1) * size
            text = text[m.end() :]
    if text:
        if m := re.fullmatch(r"(\d+(?:\.\d+)?)(천)?", text):
            total += float(m.group(1)) * (1000 if m.group(2) else 1)
        else:
            return None
    return int(total) if total else None


_APPLY = re.compile(r"신청|접수|모집|공모")


def _label_for_date(sentence: str, start: int = 0, end: int = 0, is_range: bool = False) -> str:
    """A label said by the words right next to the date, or "" (then it is not shown).

    신청·접수 기간 for a range with 신청/접수/모집 beside it (신청 마감 for "…까지"); 시행일 for
    "부터 시행/적용" or "시행"; 종료일 for "…까지"; 행사일 for 개최/열린다 after it in the
    clause; 발표일 for 발표 right after.
    A posting or meeting date with none of these words next to it gets no label."""
    after = sentence[end : end + 14]
    near = sentence[max(0, start - 14) : start] + " " + after
    if _APPLY.search(near) and (is_range or re.match(r"\s*까지", after)):
        return "신청·접수 기간" if is_range else "신청 마감"
    if re.match(r"\s*(?:\([월화수목금토일]\))?\s*부터\s*[^,.]{0,6}?(신청|접수|모집)", after):
        return "신청 시작일"
    if re.match(r"\s*(?:부터\s*)?(?:시행|적용|발효)", after):
        return "시행일"
    if not is_range and re.match(r"\s*까지(?!의)", after):  # "…까지의 기간": a rule, not a day
        return "종료일"  # "5월 10일까지 열리는": when it ends, not a day of the event
    wide = sentence[end : end + 60]
    if re.match(r"\s*(?:[^,.]{0,30}?에서\s*)?[^,.]{0,24}?(개최|열린|열리|열려|개막)", wide):
        return "행사일"
    if re.match(r"\s*[^,.]{0,6}?발표", after):
        return "발표일"
    return ""


_AMOUNT_TAIL = re.compile(r"^\((?:1인당|연간|월|가구당|개소당|기업당|1개사당|건당)[^()]{0,6}\)")


_PART_OF_NUMBER = re.compile(r"[\d천백십조억만.,]")


def find_amounts(sentences: list[str], limit: int = 4) -> list[Labeled]:
    """Amounts with their noun (``훈련수당: 월 최대 40만 원``), or with no label where the
    sentence names none; the same sum written twice (2천만 원 / 2,000만 원) shown once, with a
    label if any of its mentions has one. Into the ``limit`` go labelled amounts first, those
    in the running text before those in brackets (``남자(156.6조원)``: an aside), then the
    rest; they are listed in the order the text gives them."""
    found: dict[object, tuple[int, bool, Labeled]] = {}
    for sentence in sentences:
        if sum(1 for _, aside, f in found.values() if f.label and not aside) >= limit:
            break  # what follows cannot be shown
        for m in _AMOUNT.finditer(sentence):
            if _PART_OF_NUMBER.match(sentence[m.start() - 1 : m.start()]):
                continue  # 1천[204억 원]: the pattern caught the tail of a longer number
            value = m.group(0).strip()
            key: object = won(value) or re.sub(r"[\s,]|^(총|최대|약)", "", value)
            if key in found and found[key][2].label:
                continue
            label = amount_noun(sentence, m.start(), m.end())
            if key in found and not label:
                continue
            aside = sentence[m.start() - 1 : m.start()] in ("(", "（")
            if tail := _AMOUNT_TAIL.match(sentence[m.end() :]):
                value += tail.group(0)
            fact = Labeled(label=label[:40], value=repair_spacing(value)[:120])
            found[key] = (found[key][0] if key in found else len(found), aside, fact)
    ranked = sorted(found.values(), key=lambda f: (not f[2].label, f[1], f[0]))[:limit]
    return [fact for _, _, fact in sorted(ranked, key=lambda f: f[0])]


def find_dates(sentences: list[str], limit: int = 3) -> list[Labeled]:
    out: dict[str, Labeled] = {}
    for sentence in sentences:
        ranges = list(_DATE_RANGE.finditer(sentence))
        matches = ranges or list(_DATE.finditer(sentence))
        for m in matches:
            value = m.group(0).strip()[:120]
            key = re.sub(r"\s", "", value)
            if any(key in k for k in out):
                continue
            label = _label_for_date(sentence, m.start(), m.end(), bool(ranges))
            if label and key not in out and len(out) < limit:
                out[key] = Labeled(label=label, value=repair_spacing(value))
    return list(out.values())


# What may follow a region's name in the same word: a particle, 지역/권/내, or nothing.
_REGION_TAIL = re.compile(
    r"(?:에서는|에서도|에서|에는|에도|으로|지역|권역|권|내|은|는|이|가|을|를|의|에|과|와|도|로|만)?"
    r"(?![가-힣])"
)
_AFTER_PAREN = re.compile(r"[^()]*\)(?=[가-힣])(?!(?:에서|에|은|는|이|가|을|를|의|과|와|도|로|등))")
# A meeting's or visit's venue is where a briefing was held, not what the release is about.
_GATHERING = re.compile(
    r"회의|간담회|협약|위촉|발대식|출범식|선포식|기념식|브리핑|방문|주재|면담|접견|시상식|설명회|토론회"
)
_VENUE = re.compile(
    r"^(?:\s?[가-힣]+(?:구|군|시|동|청사|센터|광장|홀|호텔))*\s?(?:에서|에\s?위치|소재)"
)
# A street address (서울시 중구 후암로 98): where a building stands, not a subject.
_ADDRESS = re.compile(r"^\s?(?:[가-힣]+(?:시|도)\s?)?[가-힣]+(?:구|군)\s?[가-힣0-9]+(?:로|길)\s?\d")


def find_regions(text: str, limit: int = 5) -> list[str]:
    """Regions the release is about, from its sentences (tables are not passed in).

    A name counts only as a word of its own (``서울에서``, ``서울지역``), never inside
    another word (대전환, 경기둔화, 정부서울청사, 서울대, 부산본부세관) or a name in
    brackets (한달빛(대전·대구)보건연합대학); the place where a meeting or a visit was
    held (``서울 종로구에서 간담회``) is its venue, not its subject."""
    found: dict[str, None] = {}
    for sentence in re.split(r"(?<=[.!?])\s+|\n", text):
        if len(re.findall(r"[가-힣]", sentence)) < 12 or sentence.count("|") > 2:
            continue  # a flattened table row or a caption, not a sentence
        gathering = bool(_GATHERING.search(sentence))
        for m in _REGION_WORD.finditer(sentence):
            if m.start() > 0 and re.match(r"[가-힣]", sentence[m.start() - 1]):
                continue  # inside a longer word
            rest = sentence[m.end() :]
            if not _REGION_TAIL.match(rest):
                continue
            if _AFTER_PAREN.match(rest) and "(" in sentence[: m.start()][-20:]:
                continue  # 한달빛(대전·대구·광주)보건연합대학: part of a name
            if (gathering and _VENUE.match(rest)) or _ADDRESS.match(rest):
                continue
            found.setdefault(m.group(0), None)
    by_region: dict[str, str] = {}
    for name in found:
        by_region.setdefault(_REGION_OF[name], name)
    return list(by_region.values())[:limit]
