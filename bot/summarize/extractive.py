"""The offline digest: the source's own sentences, picked and trimmed, in 보도체.

Sentences come from bot.korean (press-release-aware rules; mecab-ko tags). Each is scored
by position, overlap with the title (character bigrams), figures (금액, 날짜, 비율) and
named agencies; the best 3–5, in source order, become the bullets (docs/summaries.md).
Facts (amounts, dates, regions, contacts) are copied verbatim from the text, so the
extractive digest is grounded by construction. Never raises for odd input.
"""

from __future__ import annotations

import asyncio
import logging
import re
from dataclasses import dataclass

from bot.agencies import agencies_in_name, find_agencies, ranked_agencies, title_agencies
from bot.documents import split_title, structure
from bot.documents.contacts import contacts_of
from bot.documents.phones import PHONE
from bot.korean import join_split_words, repair_spacing, split_sentences, vocabulary
from bot.summarize.base import Document
from bot.summarize.facts import find_amounts, find_dates, find_regions
from bot.topics import DEFAULT_TAXONOMY, Taxonomy
from bot.types import Contact, Labeled, Summary

log = logging.getLogger(__name__)

HEADLINE_MAX = 60
BULLET_MAX = 160  # a whole sentence or nothing: longer ones lose their asides or are skipped
MAX_BULLETS = 5
MIN_BULLETS = 3
UNIT_MAX = 3_000  # characters of one paragraph or item analysed (a real one is far shorter)
MAX_INPUT = 30_000  # characters analysed; longer texts are cut (the lead matters most)


@dataclass(frozen=True)
class Weights:
    """Sentence score = position + title overlap + figures + agencies (see docs)."""

    position: float = 1.0
    title: float = 1.5
    figures: float = 0.5
    agencies: float = 0.3


DEFAULT_WEIGHTS = Weights()

_NOISE = re.compile(
    r"저작권|무단\s*전재|재배포|Copyright|바로가기|누리집\s*(?:바로|이동|가기)|글자크기|인쇄하기|공공누리|"
    r"뉴스댓글|최신뉴스|많이 본|구독|로그인|첨부파일|\.hwpx|\.pdf|SOURCE:|출처\s*:|"
    r"보도시점|등록일|조회수?\s*:|https?://| \| |Translated|기사승인|Last Updated"
)
_ENDED = re.compile(r"(다|음|함|됨|바람)[.!?”\"’']*$|[.!?]$")
_FIGURE = re.compile(r"\d[\d,.]*\s*(조|억|만|천)?\s*(원|%|명|개|건|곳|개사|월|일|년)")
_PAREN_ASIDE = re.compile(r"\s*\((?:장관|청장|차관|위원장|이하|처장|원장)[^()]{0,40}\)")
_SPACES = re.compile(r"\s+")


def _bigrams(text: str) -> set[str]:
    s = re.sub(r"[^0-9A-Za-z가-힣]", "", text)
    return {s[i : i + 2] for i in range(len(s) - 1)}


def to_news_style(sentence: str) -> str:
    """합니다체 → 보도체 (…합니다 → …한다, …있습니다 → …있다), so bullets read alike."""
    s = sentence.strip()
    s = re.sub(r"입니다([.!]?)$", r"이다\1", s)
    s = re.sub(r"습니다([.!]?)$", r"다\1", s)

    def drop_b(m: re.Match[str]) -> str:
        syllable = m.group(1)
        code = ord(syllable) - 0xAC00
        if 0 <= code < 11172 and code % 28 == 17:  # final ㅂ → ㄴ (됩니다 → 된다)
            return chr(ord(syllable) - 17 + 4) + "다" + m.group(2)
        return m.group(0)

    s = re.sub(r"([가-힣])니다([.!]?)$", drop_b, s)
    s = re.sub(r"!+$", ".", s)
    if re.search(r"[가-힣]$", s) and s.endswith("다"):
        s += "."
    return s


def shorten(text: str, limit: int) -> str:
    """``text`` within ``limit`` characters: asides dropped, then cut at a clause boundary."""
    text = _SPACES.sub(" ", _PAREN_ASIDE.sub("", text)).strip()
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    for mark in (", ", "며 ", "고 ", " "):
        pos = cut.rfind(mark)
        if pos >= limit // 2:
            return cut[: pos + (1 if mark == ", " else len(mark) - 1)].rstrip(" ,") + "…"
    return cut.rstrip() + "…"


_ASIDE = re.compile(r"\s*\([^()]{1,80}\)")
_ANY_ASIDE = re.compile(r"\s*[(\[][^()\[\]]{1,120}[)\]]")


def fit_sentence(sentence: str, limit: int = BULLET_MAX) -> str | None:
    """``sentence`` within ``limit`` without cutting it: parenthetical asides are dropped
    (those without figures first); a sentence still too long is None, never "…"."""
    text = _SPACES.sub(" ", sentence).strip()
    if len(text) <= limit:
        return text
    text = _SPACES.sub(" ", _PAREN_ASIDE.sub("", text)).strip()
    if len(text) <= limit:
        return text
    no_figures = _ASIDE.sub(lambda m: "" if not re.search(r"\d", m.group(0)) else m.group(0), text)
    text = _SPACES.sub(" ", no_figures).strip()
    if len(text) <= limit:
        return text
    text = _SPACES.sub(" ", _ANY_ASIDE.sub("", text)).strip()
    return text if len(text) <= limit else None


def headline_of(title: str, fallback: str) -> str:
    """The release's own title without edition prefixes (``[4.14.화.조간]``); a
    보도참고자료-like tag kept in front; within 60 characters by dropping asides, else cut
    between phrases (never mid-word) and ended with "…" (only then)."""
    tag, title = split_title(title)
    title = _SPACES.sub(" ", title).strip() or _SPACES.sub(" ", fallback).strip() or "제목 없음"
    prefix = f"[{tag}] " if tag else ""
    limit = HEADLINE_MAX - len(prefix)
    fitted = fit_sentence(title, limit)
    if fitted is None:  # shortened: cut between phrases, then between words, and marked
        head = title[: limit - 1]
        for sep in (" - ", " – ", " ··· ", "…", " : ", ", ", "·", " "):
            at = head.rfind(sep)
            if at >= limit // 2:
                fitted = head[:at].rstrip(" ,·:-–") + "…"
                break
        fitted = fitted or head.rstrip() + "…"
    return (prefix + fitted)[:HEADLINE_MAX] or "제목 없음"


_MARKER = re.compile(
    r"^(?:[\s□■ㅇ○◦●◇◆▶▷►▸•∙·\-–*➊-➓①-⑳☞◈▣◎❍❙❶-❿\ue000-\uf8ff\U000f0000-\U000fffff]|"
    r"\(\d{1,2}\)\s|\d{1,2}[.)]\s|[가-하][.)]\s)+"
)
_FOOTNOTE = re.compile(r"(?<=[^\s*\d])\*{1,3}|(?<=\s)\*{1,3}(?=\s)")
_SPACE_BEFORE = re.compile(r"\s+([,.)\]」』｣’”%])")
_SPACE_AFTER = re.compile(r"([(\[「『｢‘“])\s+")
_APOSTROPHE_YEAR = re.compile(r"([‘’'])\s+(\d)")
_LETTER_SPACED = re.compile(r"(?:(?<![가-힣])[가-힣] ){4,}")
_ENDED_SENTENCE = re.compile(r"다\.?[\"'”’)]*$")
_NOMINAL_END = re.compile(
    r"(함|임|음|됨|예정|계획|추진|지원|확대|강화|마련|개최|실시|시행|운영|발표|선정|완료)\.?$"
)


def clean_unit(text: str) -> str:
    """One paragraph or item as a reader should see it: bullet markers and footnote stars
    out, spaces the conversion put inside punctuation and before particles/units taken out."""
    return repair_spacing(tidy_unit(text))


def tidy_unit(text: str) -> str:
    """:func:`clean_unit` without the tagger's spacing repair, which costs most of a digest's
    time: candidates are tidied, and only what is shown (bullets, facts) is repaired."""
    text = text.replace("**", "").replace("\xad", "")  # soft hyphens of converted text
    text = _MARKER.sub("", text.strip())
    text = _FOOTNOTE.sub("", text)
    text = _SPACE_BEFORE.sub(r"\1", text)
    text = _SPACE_AFTER.sub(r"\1", text)
    text = _APOSTROPHE_YEAR.sub(r"\1\2", text)
    return _SPACES.sub(" ", text).strip()


_ANNOUNCES = re.compile(r"(?:다음과|아래와)\s*같|다음\s*\d+\s*가지|[:：]$")


def announced_lists(doc: Document) -> dict[str, list[str]]:
    """Paragraphs that announce a list ("…다음과 같다", "아래와 같이 지시했다") → the list's
    items that follow them (the next item blocks, tidied)."""
    blocks = list(doc.body_blocks())
    out: dict[str, list[str]] = {}
    for i, block in enumerate(blocks):
        if block.kind not in ("paragraph", "item") or not _ANNOUNCES.search(block.text):
            continue
        items = []
        for nxt in blocks[i + 1 : i + 12]:
            if nxt.kind != "item" or (block.kind == "item" and nxt.level <= block.level):
                break
            items.append(tidy_unit(nxt.text))
        if items:
            out[tidy_unit(block.text)] = items
    return out


def condensed(items: list[str], room: int) -> str:
    """List items in one line within ``room`` characters: each item's head (before its
    aside or colon), as many whole items as fit; "등" when some were left out."""
    heads = []
    for item in items:
        head = re.split(r"\s*[(:：]|\s[-–]\s", item, maxsplit=1)[0].strip(" .,")
        if len(head) > 40:
            cut = head[:40].rfind(" ")
            head = head[: cut if cut > 10 else 40].rstrip(" ,")
        if head:
            heads.append(head)
    shown: list[str] = []
    for head in heads:
        if len(", ".join([*shown, head])) + 3 > room:
            break
        shown.append(head)
    if not shown:
        return ""
    return ", ".join(shown) + (" 등" if len(shown) < len(heads) else "")


def with_list(bullet: str, items: list[str], limit: int = BULLET_MAX) -> str:
    """A bullet that announces a list, with the list's items after a colon."""
    room = limit - len(bullet) - 1
    listed = condensed(items, room) if room > 10 else ""
    return f"{bullet.rstrip().rstrip('.')}: {listed}" if listed else bullet


def _candidates(doc: Document) -> list[str]:
    """Body sentences worth reading: whole sentences of paragraphs and list items, never
    tables, headings, contact lines, notes (※, *) or boilerplate."""
    out: list[str] = []
    title_grams = _bigrams(doc.title)
    subtitles = {re.sub(r"\W", "", x) for x in doc.lead}
    budget = MAX_INPUT  # characters analysed in all; the lead matters most
    for block in doc.body_blocks():
        if block.kind not in ("paragraph", "item") or budget <= 0:
            continue
        raw = block.text.strip()[:UNIT_MAX]
        if re.sub(r"\W", "", raw) in subtitles and not _ENDED_SENTENCE.search(raw):
            continue  # a subtitle line repeated in the body: a fragment, not a sentence
        budget -= len(raw)
        if not raw or raw.startswith(("※", "*", "|", "<", "[", "#")) or raw.endswith(">"):
            continue
        if _NOISE.search(raw) or PHONE.search(raw) or not re.search(r"[가-힣]", raw):
            continue
        line = tidy_unit(raw)
        if len(line) < 20:
            continue
        for sentence in split_sentences(line):
            if not 20 <= len(sentence) <= 400 or len(re.findall(r"[가-힣]", sentence)) < 8:
                continue
            if not (_ENDED_SENTENCE.search(sentence) or _NOMINAL_END.search(sentence)):
                continue  # a heading, a caption or a fragment, not a sentence
            if sentence.count("“") != sentence.count("”") or sentence.count("(") != sentence.count(
                ")"
            ):
                continue  # a quotation or an aside split in the middle: not a whole sentence
            if _LETTER_SPACED.search(sentence):
                continue  # "김 민 석 국 무 총 리": conversion text no repair can read
            if title_grams and len(_bigrams(sentence) & title_grams) >= 0.8 * len(
                _bigrams(sentence) or {""}
            ):
                continue  # the title again
            out.append(sentence)
    return out


def score_sentences(sentences: list[str], title: str, weights: Weights) -> list[float]:
    title_grams = _bigrams(title)
    scores = []
    for i, sentence in enumerate(sentences):
        score = weights.position / (1 + 0.35 * i)
        if title_grams:
            score += weights.title * len(_bigrams(sentence) & title_grams) / len(title_grams)
        score += weights.figures * min(len(_FIGURE.findall(sentence)), 3) / 3
        score += weights.agencies * min(len(find_agencies(sentence)), 2) / 2
        if "“" in sentence or '"' in sentence:  # quotes are colour, not facts
            score -= 0.2
        if _ENDED_SENTENCE.search(sentence):  # a sentence reads better than a list fragment
            score += 0.2
        scores.append(score)
    return scores


def pick_bullets(sentences: list[str], title: str, weights: Weights = DEFAULT_WEIGHTS) -> list[str]:
    scores = score_sentences(sentences, title, weights)
    ranked = sorted(range(len(sentences)), key=lambda i: (-scores[i], i))
    chosen: list[int] = []
    seen: list[set[str]] = []
    fitted = {i: fit_sentence(to_news_style(sentences[i])) for i in ranked}
    for i in ranked:
        if fitted[i] is None:
            continue  # too long even without its asides: another sentence is taken
        grams = _bigrams(sentences[i])
        if any(len(grams & s) > 0.7 * max(len(grams), 1) for s in seen):
            continue  # near-duplicate of a chosen sentence
        chosen.append(i)
        seen.append(grams)
        if len(chosen) == MAX_BULLETS or (len(chosen) >= MIN_BULLETS and scores[i] < 0.6):
            break
    return [repair_spacing(b) for i in sorted(chosen) if (b := fitted[i])]


def _rejoined(bullets: list[str], words: frozenset[str], doc: Document) -> list[str]:
    """Bullets with split words rejoined, each kept as the source wrote it when the joined
    form would read to the grounding check as something the source does not say (a word
    and its particle taken for a name)."""
    out = []
    facts = None
    for bullet in bullets:
        joined = join_split_words(bullet, words)
        if joined != bullet:
            from bot.summarize.grounding import SourceFacts, ungrounded

            facts = facts or SourceFacts.of(doc.text, doc.contacts or ())
            if len(ungrounded(joined, facts)) > len(ungrounded(bullet, facts)):
                joined = bullet
        out.append(joined)
    return out


def _joined(fact: Labeled, words: frozenset[str]) -> Labeled:
    return Labeled(label=fact.label, value=join_split_words(fact.value, words))


def _with_announced(bullet: str, lists: dict[str, list[str]]) -> str:
    """The bullet with its list when its sentence announces one."""
    if not _ANNOUNCES.search(bullet.rstrip(".")) and not bullet.rstrip().endswith(":"):
        return bullet
    squashed = re.sub(r"\s", "", bullet)[:30]
    for lead, items in lists.items():
        if squashed and squashed in re.sub(r"\s", "", to_news_style(lead)):
            return with_list(bullet, items)
    return bullet


def fallback_bullets(doc: Document) -> list[str]:
    """Bullets for a release with no whole sentence to pick (a list of appointees, a notice
    of items): its subtitle lines, else its first list items or lines, tidied and fitted."""
    lines = [tidy_unit(x) for x in doc.lead]
    if not lines:
        lines = [tidy_unit(b.text) for b in doc.body_blocks() if b.kind == "item"]
    if not lines:
        lines = [tidy_unit(b.text) for b in doc.body_blocks() if b.kind == "paragraph"]
    out: list[str] = []
    for line in lines:
        if len(re.findall(r"[가-힣]", line)) < 4 or _NOISE.search(line) or PHONE.search(line):
            continue
        fitted = fit_sentence(to_news_style(line)) or shorten(line, BULLET_MAX)
        if fitted and fitted not in out:
            out.append(repair_spacing(fitted))
        if len(out) == MAX_BULLETS:
            break
    return out


def lead_of(doc: Document, body: str) -> str:
    """The release's front: its subtitle lines and the first lines of its body."""
    return "\n".join((*doc.lead, *body.split("\n")[:3]))


def agencies_of(doc: Document, contacts: list[Contact], body: str) -> list[str]:
    """The release's agencies from every signal, most trusted first: who the source says
    issued it (OpenAPI MinisterCode / feed author), the feed's name (catalog feeds are named
    by the ministry), the header's 부처, the title's prefix, the contact block's
    organisations; then the title and lead, or the whole text when nothing else named one."""
    signals = [doc.author, doc.source or "", doc.organization or "", *title_agencies(doc.title)]
    for contact in contacts:
        signals += [contact.organization or "", contact.department or ""]
    lead = "\n".join((doc.title, *doc.lead, *body.split("\n")[:3]))
    return ranked_agencies(signals, lead=lead, text=f"{doc.title}\n{body}")


class ExtractiveSummarizer:
    """Summarizer protocol without any network: the offline default and the LLM's fallback."""

    name = "extractive"

    def __init__(
        self, taxonomy: Taxonomy = DEFAULT_TAXONOMY, weights: Weights = DEFAULT_WEIGHTS
    ) -> None:
        self.taxonomy = taxonomy
        self.weights = weights

    async def summarize(self, doc: Document) -> Summary:
        """In a worker thread: tagging a long release must not hold the event loop."""
        return await asyncio.to_thread(self.summarize_now, doc)

    def summarize_now(self, doc: Document) -> Summary:
        """The digest of ``doc``; a minimal one (title only) if anything goes wrong."""
        try:
            return self._summarize(doc)
        except Exception:  # hostile text must never stop the pipeline
            log.exception("extractive summary failed (story %s)", doc.story_id)
            return Summary(
                headline=headline_of(doc.title, doc.text[:80]),
                bullets=[],
                source_url=doc.url,
                topics=[self.taxonomy.names[-1]] if self.taxonomy.names else [],
            )

    def _summarize(self, doc: Document) -> Summary:
        doc = structure(doc)
        title = doc.title.strip()
        words = vocabulary(f"{title}\n{doc.text}")
        sentences = _candidates(doc)[:400]
        bullets = pick_bullets(sentences, title, self.weights)
        lists = announced_lists(doc)
        if lists:
            bullets = [_with_announced(b, lists) for b in bullets]
        if not bullets:
            bullets = fallback_bullets(doc)
        bullets = _rejoined(bullets, words, doc)
        facts_from = [title, *sentences]
        body = doc.body_text()[:MAX_INPUT]
        organization = doc.organization
        for named in (doc.author, doc.source or ""):
            if organization is None and named and agencies_in_name(named):
                organization = named
        contacts = (
            list(doc.contacts)
            if doc.contacts is not None
            else contacts_of(doc, organization=organization)
        )
        title = join_split_words(repair_spacing(title), words)
        return Summary(
            headline=headline_of(
                f"[{doc.tag}] {title}" if doc.tag else title, bullets[0] if bullets else ""
            ),
            bullets=bullets,
            topics=self.taxonomy.classify(title, body, lead=lead_of(doc, body)),
            agencies=agencies_of(doc, contacts, body),
            regions=find_regions(f"{title}\n{body}"),
            key_dates=[_joined(f, words) for f in find_dates(facts_from)],
            amounts=[_joined(f, words) for f in find_amounts(facts_from)],
            contacts=contacts,
            source_url=doc.url,
            summarizer="extractive",
            prompt_version="",
        )
