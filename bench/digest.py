"""Digest quality over real press releases, as the feed delivers them and as markdown (issue 11).

Set: tests/data/press — 10 releases × 6 converters (3 releases held out, see HELDOUT.md) — and
the korea.kr releases tests/data/docs/articles__10..15 (development). Each document goes
through two paths:

- feed: rendered as a korea.kr-style feed item (``<description>`` HTML: ``<h3>`` headings,
  adjacent ``<li>`` items, ``<p>`` paragraphs, ``<table>`` rows; see :func:`feed_html`), then
  parsed by ``parse_feed`` and summarized from the stored article text, as ingest does;
- markdown: the file itself, as ``sokbo summarize FILE`` reads it.

Both paths run in a subprocess (bench/digest_runner.py) for the code of this checkout and for
the baseline: a git worktree of commit 14c7022 with its own venv (``SOKBO_BASELINE``, default
/work/baseline-11, else /work/baseline). Figures: contact people recall (a person = name +
phone, counted among the people whose name the converter kept) and precision, phone precision,
junk fields, bullets per digest, cut bullets (…), bullets with a conversion artefact, digests
without bullets, digests under 3 bullets although the body has ≥ 3 sentences, seconds per
digest. ``--show N`` prints N digests picked at random (``--seed``) as Telegram shows them.
"""

from __future__ import annotations

import argparse
import html
import itertools
import json
import os
import random
import re
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PRESS = ROOT / "tests" / "data" / "press"
DOCS = ROOT / "tests" / "data" / "docs"
HELD_OUT = {"156757801", "156757844", "156759031"}
RELEASES = Path(__file__).resolve().parent / "data" / "releases"
LABELS = Path(__file__).resolve().parent / "data" / "digest_labels.json"
BASELINE_COMMIT = "3810fe8"  # main before issue 19 (the issue-11 baseline was 14c7022)

# --- the set ---------------------------------------------------------------------------------


def _escape_text(line: str) -> str:
    """Text as an HTML producer writes it: ``<총괄>`` and ``&`` escaped, ``<br>`` kept."""
    parts = re.split(r"(<br\s*/?>)", line, flags=re.I)
    return "".join(
        p if re.fullmatch(r"<br\s*/?>", p, re.I) else html.escape(p, False) for p in parts
    )


def feed_html(markdown: str) -> str:
    """A korea.kr-style ``<description>`` body for one markdown release, line by line.

    Headings → ``<h3>``, list lines → adjacent ``<li>`` (no blank lines between them, as the
    feed has), pipe tables → ``<table>``, raw HTML lines kept, other lines → ``<p>``.
    """
    out: list[str] = []
    table: list[str] = []

    def end_table() -> None:
        if table:
            out.append("<table>" + "".join(table) + "</table>")
            table.clear()

    for raw in markdown.splitlines():
        line = raw.strip()
        if line.startswith("SOURCE:") or not line:
            end_table()
            continue
        if line.startswith("|"):
            if re.fullmatch(r"\|?[\s:|-]+\|?", line):
                continue
            cells = [c.strip() for c in line.strip("|").split("|")]
            table.append("<tr>" + "".join(f"<td>{_escape_text(c)}</td>" for c in cells) + "</tr>")
            continue
        end_table()
        if re.match(r"</?(table|tr|td|th|thead|tbody)\b", line, re.I):
            out.append(line)
        elif m := re.match(r"#{1,6}\s+(.*)", line):
            out.append(f"<h3>{_escape_text(m.group(1))}</h3>")
        elif m := re.match(r"(?:[-*+]|\d{1,2}\.)\s+(.*)", line):
            out.append(f"<li>{_escape_text(m.group(1))}</li>")
        else:
            out.append(f"<p>{_escape_text(line)}</p>")
    end_table()
    return "".join(out)


def _title_of(markdown: str) -> str:
    for line in markdown.splitlines():
        if line.startswith("# ") and not re.search(r"보\s*도\s*(참\s*고\s*)?자\s*료", line):
            return line[2:].strip()
    return ""


def dataset() -> list[dict[str, str]]:
    """Every (document, path) of the benchmark with its release id and set."""
    items: list[dict[str, str]] = []
    titles = {
        p.name.split("__")[1][:-3]: _title_of(p.read_text(encoding="utf-8"))
        for p in PRESS.glob("readhim__*.md")
    }
    for path in sorted(PRESS.glob("*__*.md")):
        _tool, release = path.stem.split("__")
        body = path.read_text(encoding="utf-8")
        part = "held-out" if release in HELD_OUT else "dev"
        truth = str(PRESS / f"{release}.contacts.json")
        for kind in ("feed", "markdown"):
            items.append(
                {
                    "key": f"{kind}:{path.stem}",
                    "kind": kind,
                    "part": part,
                    "release": release,
                    "title": titles.get(release, ""),
                    "body": feed_html(body) if kind == "feed" else body,
                    "source": body,
                    "truth": truth,
                }
            )
    labels = json.loads(LABELS.read_text(encoding="utf-8"))
    held_out = set(labels["held_out"])
    by_release = labels["releases"]
    for path in sorted(RELEASES.glob("*.md")):
        body = path.read_text(encoding="utf-8")
        release = path.stem
        label = by_release[release]
        for kind in ("feed", "markdown", "feed+author"):
            items.append(
                {
                    "key": f"{kind}:releases__{release}",
                    "kind": kind,
                    "part": "held-out" if release in held_out else "dev",
                    "release": release,
                    "title": label["title"],
                    "body": feed_html(body.split("\n", 1)[1]) if kind != "markdown" else body,
                    "source": body,
                    "truth": "",
                    "author": label["ministry"] if kind == "feed+author" else "",
                }
            )
    for path in sorted(DOCS.glob("articles__1[0-5]_*.txt")):
        body = path.read_text(encoding="utf-8")
        for kind in ("feed", "markdown"):
            items.append(
                {
                    "key": f"{kind}:{path.stem}",
                    "kind": kind,
                    "part": "dev",
                    "release": path.stem,
                    "title": _title_of(body),
                    "body": feed_html(body) if kind == "feed" else body,
                    "source": body,
                    "truth": f"{path}.contacts.json",
                }
            )
    for item in list(items):  # a catalog feed is named by its ministry (issue 19)
        label = by_release.get(item["release"])
        if item["kind"] == "feed" and label and label["set"] != "releases":
            items.append({**item, "key": "feed+catalog:" + item["key"].split(":", 1)[1],
                          "kind": "feed+catalog", "feed": label["ministry"]})  # fmt: skip
    return items


# --- running ---------------------------------------------------------------------------------


def baseline_dir() -> Path | None:
    """A git worktree of the baseline commit (``SOKBO_BASELINE`` or a temporary folder),
    made when missing; it runs with this checkout's venv (same dependencies)."""
    where = Path(os.environ.get("SOKBO_BASELINE") or f"/tmp/sokbo-baseline-{BASELINE_COMMIT}")
    if not (where / "bot").exists():
        made = subprocess.run(
            ["git", "-C", str(ROOT), "worktree", "add", "--detach", str(where), BASELINE_COMMIT],
            capture_output=True,
            text=True,
        )
        if made.returncode != 0:
            return None
    head = subprocess.run(
        ["git", "-C", str(where), "rev-parse", "--short", "HEAD"], capture_output=True, text=True
    ).stdout.strip()
    return where if head.startswith(BASELINE_COMMIT[:7]) else None


def run(checkout: Path, items: list[dict[str, str]]) -> dict[str, dict[str, object]]:
    payload = [
        {k: i.get(k, "") for k in ("key", "kind", "title", "body", "author", "feed")} for i in items
    ]
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "digest_runner.py")],
        input=json.dumps(payload, ensure_ascii=False),
        capture_output=True,
        text=True,
        cwd=checkout,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"runner failed in {checkout}:\n{done.stderr[-3000:]}")
    result: dict[str, dict[str, object]] = json.loads(done.stdout)
    return result


# --- measuring -------------------------------------------------------------------------------

_PHONE = re.compile(r"[\d(+][\d()\-. ]{6,}\d")
_LABELS = re.compile(r"담당\s*부서|책임자|담당자|☎|연락처")
_ARTEFACTS = {
    "marker": re.compile(r"^[□■ㅇ○◦●◇◆▶▷►▸•∙·\-–*➊-➓①-⑳]"),
    "star": re.compile(r"\*"),
    "lone particle": re.compile(r"[가-힣0-9)%㎡] (는|은|를|을|에|에서|로|으로|도)(?=[\s,.]|$)"),
    "split unit": re.compile(
        r"\d (만|억|조|천|원|명|개|건|일|월|년|분기|개월|배|곳|회|차)(?=[\s,.)]|$)|\d\. \d"
    ),
    # a verbal noun and its 하다/되다 apart (논의 되었다), not 하게 된다 or 일을 한다
    "split ending": re.compile(
        r"[가-힣](?<![게을를이가도는은지고서며록히로에와과]) "
        r"(되었다|됐다|하였다|했다|한다|된다)\.?$"
    ),
    "letter-spaced": re.compile(r"(?:(?<![가-힣])[가-힣] ){4,}"),
    "space in punctuation": re.compile(r"\S [,.)](?!\S*\d)|\( \S"),
}


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def digits(phone: str) -> str:
    return re.sub(r"\D", "", phone)


def junk_fields(contact: dict[str, str | None]) -> int:
    """Fields carrying what is not theirs: a label, a bracket tag, a phone, punctuation."""
    bad = 0
    for field in ("organization", "department", "name"):
        value = contact.get(field) or ""
        wrong = bool(re.search(r"[<>:|/\[\]()]|\d{3,}", value) or _LABELS.search(value))
        if field == "name" and value:
            wrong = wrong or not re.fullmatch(r"[가-힣]{2,5}|[가-힣] [가-힣]{1,2}", value)
        bad += wrong
    return bad


def artefacts(bullet: str) -> list[str]:
    return [name for name, pattern in _ARTEFACTS.items() if pattern.search(bullet)]


def measure(
    items: Iterable[dict[str, str]], results: dict[str, dict[str, object]]
) -> dict[str, float]:
    expected_people = found_people = returned_pairs = right_pairs = stored_found = 0
    phones_returned = phones_right = junk = 0
    digests = bullets = cut = with_artefact = empty = short = 0
    seconds = 0.0
    for item in items:
        out = results[item["key"]]
        truth = json.loads(Path(item["truth"]).read_text(encoding="utf-8"))
        source = squash(item["source"])
        truth_pairs = {
            (squash(t["name"]), digits(phone))
            for t in truth
            if t.get("name")
            for phone in _PHONE.findall(t.get("phone") or "")
        }
        present = {p for p in truth_pairs if p[0] in source}
        truth_phones = {digits(p) for t in truth for p in _PHONE.findall(t.get("phone") or "")}
        contacts = out["contacts"]
        assert isinstance(contacts, list)
        got_pairs = set()
        for c in contacts:
            for phone in _PHONE.findall(c.get("phone") or ""):
                phones_returned += 1
                phones_right += digits(phone) in truth_phones
                if c.get("name"):
                    got_pairs.add((squash(c["name"]), digits(phone)))
            junk += junk_fields(c)
        expected_people += len(present)
        found_people += len(present & got_pairs)
        stored = out.get("stored") or contacts
        assert isinstance(stored, list)
        stored_pairs = {
            (squash(c["name"]), digits(phone))
            for c in stored
            if c.get("name")
            for phone in _PHONE.findall(c.get("phone") or "")
        }
        stored_found += len(present & stored_pairs)
        returned_pairs += len(got_pairs)
        right_pairs += len(got_pairs & truth_pairs)
        b = out["bullets"]
        assert isinstance(b, list)
        digests += 1
        bullets += len(b)
        cut += sum(1 for x in b if x.rstrip().endswith(("…", "...")))
        with_artefact += sum(1 for x in b if artefacts(x))
        empty += not b
        body_sentences = len(re.findall(r"다\.(?=\s|$|<)", item["source"]))
        short += body_sentences >= 3 and len(b) < 3
        seconds += float(str(out["seconds"]))
    return {
        "documents": digests,
        "people recall": found_people / expected_people if expected_people else 1.0,
        "  recall of the stored copy (feed: uncapped)": (
            stored_found / expected_people if expected_people else 1.0
        ),
        "people precision": right_pairs / returned_pairs if returned_pairs else 1.0,
        "phone precision": phones_right / phones_returned if phones_returned else 1.0,
        "junk fields": junk,
        "bullets per digest": bullets / digests if digests else 0.0,
        "cut bullets (…)": cut,
        "bullets with artefact %": 100 * with_artefact / bullets if bullets else 0.0,
        "digests without bullets": empty,
        "digests < 3 bullets (body ≥ 3 sentences)": short,
        "seconds per digest": seconds / digests if digests else 0.0,
    }


# --- issue 19: agencies, headlines, bullets, whole words, regions, names ----------------------

_RANKS = re.compile(
    r"^(?:장관|차관|실장|국장|과장|팀장|센터장|단장|부장|차장|계장|파트장|사무관|서기관|주무관|"
    r"연구관|연구사|검사|소령|중령|대령|소방경|소방위|경정|경감|경위|총경|주무|직원|담당|책임|"
    r"담당자|책임자|대변인|위원장|청장|처장|원장|부이사관|이사관|행정관|외무행정관|전문관|"
    r"전문위원|책임컨설턴트|컨설턴트|선임|수석|연구원|교수|대표|회장)$"
)
_LEADING_TAGS = re.compile(r"^(?:\s*[\[(【<][^\])】>]{1,20}[\])】>]\s*)+")
# particles and suffixes that never start a word: "장치 들이", "정부 가"
_PARTICLE = re.compile(
    r"은|는|이|가|을|를|에|의|로|으로|와|과|도|에서|부터|까지|들이|들은|들을|들의"
)


def _quotes(text: str) -> str:
    return re.sub(r"[‘’‛′`]", "'", re.sub(r"[“”″]", '"', text))


_ASIDES = re.compile(r"\s*\([^()]{1,40}\)")


def own_title(headline: str, title: str) -> bool:
    """The headline is the release's own title: the same words (tags aside, spacing aside),
    or its front part ending at a word boundary and marked "…"."""
    head = squash(_LEADING_TAGS.sub("", _quotes(headline)))
    spaced = " ".join(_LEADING_TAGS.sub("", _quotes(title)).split())
    whole = squash(spaced)
    if not head or not whole:
        return False
    if head in (whole, squash(_ASIDES.sub("", spaced))):  # asides like (UAE) may go
        return True
    if not head.endswith("…") or not whole.startswith(head[:-1]):
        return False
    count = 0
    for i, ch in enumerate(spaced):  # the cut falls between words, not inside one
        if not ch.isspace():
            count += 1
        if count == len(head) - 1:
            rest = spaced[i + 1 : i + 2]
            return rest in ("", " ") or not rest.isalnum()
    return False


def split_words(bullet: str, document: str) -> list[str]:
    """Spaces inside a word the same document writes whole: "반 도체" where the release has
    "반도체". A pair counts when the first word is a lone syllable, or the second is a lone
    particle or starts with the plural suffix 들 (no word starts with one), and the joined
    form is written whole in the document."""
    whole = set(re.findall(r"[가-힣]+", document))
    found = []
    words = [w.strip("‘’'\"“”()[]「」,.·") for w in bullet.split()]
    for left, right in itertools.pairwise(words):
        if not re.fullmatch(r"[가-힣]+", left) or not (m := re.match(r"[가-힣]+", right)):
            continue
        right = m.group(0)
        if not (len(left) == 1 or _PARTICLE.fullmatch(right) or right.startswith("들")):
            continue
        if any((left + right) in w for w in whole):
            found.append(f"{left} {right}")
    return found


def measure19(items: Iterable[dict[str, str]], results: dict[str, dict[str, object]],
              labels: dict[str, dict[str, object]]) -> dict[str, float]:  # fmt: skip
    n = agency_hit = own = empty = bullets = split = 0
    regions = regions_ok = names = names_ok = ranks = 0
    for item in items:
        out = results[item["key"]]
        label = labels[item["release"]]
        n += 1
        wanted = str(label["agency"])
        agency_hit += wanted in [str(a) for a in out.get("agencies") or []]  # type: ignore[union-attr]
        own += any(
            own_title(str(out["headline"]), str(t))
            for t in (label["title"], label.get("title_alt") or label["title"])
        )
        b = [str(x) for x in out["bullets"]]  # type: ignore[attr-defined]
        empty += not b
        bullets += len(b)
        split += sum(1 for x in b if split_words(x, item["source"]))
        allowed = set(label.get("regions") or [])  # type: ignore[arg-type]
        for region in out.get("regions") or []:  # type: ignore[union-attr]
            regions += 1
            regions_ok += _REGION_SHORT.get(str(region), str(region)) in allowed
        people = {squash(str(p)) for p in label.get("people") or []}  # type: ignore[union-attr]
        if people:
            for c in out["contacts"]:  # type: ignore[attr-defined]
                name = squash(c.get("name") or "")
                if name:
                    names += 1
                    names_ok += name in people
                    ranks += bool(_RANKS.match(name))
    return {
        "digests": n,
        "agency recall": agency_hit / n if n else 1.0,
        "headline = own title": own / n if n else 1.0,
        "zero-bullet digests": empty,
        "bullets": bullets,
        "bullets with a split word %": 100 * split / bullets if bullets else 0.0,
        "regions shown": regions,
        "region precision": regions_ok / regions if regions else 1.0,
        "unsupported regions": regions - regions_ok,
        "contact names shown": names,
        "contact-name precision": names_ok / names if names else 1.0,
        "contact names wrong": names - names_ok,
        "  of which ranks as names": ranks,
    }


_REGION_SHORT = {
    "서울특별시": "서울", "서울시": "서울", "부산광역시": "부산", "대구광역시": "대구",
    "인천광역시": "인천", "광주광역시": "광주", "대전광역시": "대전", "울산광역시": "울산",
    "세종특별자치시": "세종", "세종시": "세종", "경기도": "경기", "강원특별자치도": "강원",
    "강원도": "강원", "충청북도": "충북", "충청남도": "충남", "전북특별자치도": "전북",
    "전라북도": "전북", "전라남도": "전남", "경상북도": "경북", "경상남도": "경남",
    "제주특별자치도": "제주", "제주도": "제주",
}  # fmt: skip


def report19(items: list[dict[str, str]], new: dict[str, dict[str, object]],
             base: dict[str, dict[str, object]] | None) -> None:  # fmt: skip
    labels = json.loads(LABELS.read_text(encoding="utf-8"))["releases"]
    print("\n== issue 19 (labelled releases: bench/data/digest_labels.json)")
    for part in ("dev", "held-out"):
        releases = sorted({i["release"] for i in items if i["part"] == part})
        print(f"\n-- {part}: {len(releases)} releases")
        columns: list[tuple[str, dict[str, float]]] = []
        for kind in ("feed", "markdown", "feed+author", "feed+catalog"):
            chosen = [i for i in items if i["part"] == part and i["kind"] == kind]
            if not chosen:
                continue
            if base is not None:
                columns.append((f"{kind} base", measure19(chosen, base, labels)))
            columns.append((f"{kind} new", measure19(chosen, new, labels)))
        names = list(columns[0][1])
        print(f"{'':32}" + "".join(f"{title:>19}" for title, _ in columns))
        for name in names:
            print(f"{name:32}" + "".join(f"{_fmt(v[name]):>19}" for _, v in columns))


def _fmt(value: float) -> str:
    if isinstance(value, int) or (float(value).is_integer() and value > 1.5):
        return str(int(value))
    return f"{value:.3f}" if value < 10 else f"{value:.1f}"


def report(items: list[dict[str, str]], new: dict[str, dict[str, object]],
           base: dict[str, dict[str, object]] | None) -> None:  # fmt: skip
    for part in ("dev", "held-out"):
        print(
            f"\n== {part} set "
            + (
                "(releases 156757801, 156757844, 156759031)"
                if part == "held-out"
                else "(7 releases × 6 converters + articles 10-15)"
            )
        )
        columns: list[tuple[str, dict[str, float]]] = []
        for kind in ("feed", "markdown"):
            chosen = [i for i in items if i["part"] == part and i["kind"] == kind and i["truth"]]
            if base is not None:
                columns.append((f"{kind} {BASELINE_COMMIT}", measure(chosen, base)))
            columns.append((f"{kind} new", measure(chosen, new)))
        names = list(columns[0][1])
        print(f"{'':44}" + "".join(f"{title:>18}" for title, _ in columns))
        for name in names:
            print(f"{name:44}" + "".join(f"{_fmt(values[name]):>18}" for _, values in columns))


def show(
    items: list[dict[str, str]], results: dict[str, dict[str, object]], n: int, seed: int
) -> None:
    """N random dev digests through the Telegram renderer, tags removed (what a user reads)."""
    sys.path.insert(0, str(ROOT))
    from datetime import UTC, datetime

    from bot.locales import t
    from bot.messages import Alert
    from bot.render.telegram import has_more_contacts, render_message
    from bot.types import Contact, Labeled, Summary

    pool = [i for i in items if i["part"] == "dev"]
    for item in random.Random(seed).sample(pool, n):
        out = results[item["key"]]
        summary = Summary(
            headline=str(out["headline"])[:60] or "제목 없음",
            bullets=list(out["bullets"]),  # type: ignore[arg-type]
            key_dates=[Labeled(label=a, value=b) for a, b in out["dates"]],  # type: ignore[attr-defined]
            amounts=[Labeled(label=a, value=b) for a, b in out["amounts"]],  # type: ignore[attr-defined]
            contacts=[Contact(**c) for c in out["contacts"]],  # type: ignore[attr-defined]
        )
        alert = Alert(
            0, summary, "정책브리핑", datetime(2026, 4, 16, 3, tzinfo=UTC), "https://www.korea.kr/x"
        )
        text = "\n\n".join(render_message(alert))
        plain = html.unescape(re.sub(r"<[^>]+>", "", text))
        if has_more_contacts(alert):
            plain += f"\n[ {t('ko', 'render.all_contacts')} ]  (inline button)"
        print(f"\n----- {item['key']}\n{plain}")


JUDGED = Path(__file__).resolve().parent / "data" / "digest_judged.json"
JUDGE_KEYS = (  # 10 releases: 6 OpenAPI items (MinisterCode as author), 4 feed items
    "feed+author:releases__156755000", "feed+author:releases__156755013",
    "feed+author:releases__156755036", "feed+author:releases__156755014",
    "feed+author:releases__156755019", "feed+author:releases__156755044",
    "feed:readhim__156754934", "feed:readhim__156756008", "feed:readhim__156757801",
    "feed:articles__13_gt_중소벤처기업부_156754259",
)  # fmt: skip


def judge_text(out: dict[str, object]) -> str:
    """One digest as plain text (what a reader sees), the same renderer for both sides."""
    lines = [f"제목: {out['headline']}", f"기관: {', '.join(out.get('agencies') or [])}"]  # type: ignore[arg-type]
    lines += [f"• {b}" for b in out["bullets"]]  # type: ignore[attr-defined]
    lines += [f"- {a}: {b}" for a, b in [*out["dates"], *out["amounts"]]]  # type: ignore[misc]
    for c in out["contacts"][:3]:  # type: ignore[index]
        fields = ("organization", "department", "role", "name", "phone")
        lines.append("문의: " + " ".join(str(c[f]) for f in fields if c.get(f)))
    return "\n".join(lines)


def judged_report() -> None:
    """The judged sample (bench/data/digest_judged.json): mean score per criterion and overall,
    before (baseline) and after, per part."""
    data = json.loads(JUDGED.read_text(encoding="utf-8"))
    print(f"\n== judged sample ({len(data['digests'])} digests; rubric in {JUDGED.name})")
    criteria = list(data["rubric"]["criteria"])
    for side in ("before", "after"):
        rows = [d[side] for d in data["digests"]]
        means = {c: sum(r[c] for r in rows) / len(rows) for c in criteria}
        overall = sum(sum(r[c] for c in criteria) / len(criteria) for r in rows) / len(rows)
        parts = "  ".join(f"{c} {v:.2f}" for c, v in means.items())
        print(f"{side:7} mean {overall:.2f}   {parts}")
    for part in ("dev", "held-out"):
        chosen = [d for d in data["digests"] if d["part"] == part]
        if chosen:
            b = [sum(d["before"][c] for c in criteria) / len(criteria) for d in chosen]
            a = [sum(d["after"][c] for c in criteria) / len(criteria) for d in chosen]
            before, after = sum(b) / len(b), sum(a) / len(a)
            print(f"  {part}: {len(chosen)} digests, before {before:.2f} → after {after:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--show", type=int, default=0, help="print N random dev digests")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--no-baseline", action="store_true")
    parser.add_argument("--judge", action="store_true", help="print the 10 judged digests")
    args = parser.parse_args()
    items = dataset()
    new = run(ROOT, items)
    base_dir = None if args.no_baseline else baseline_dir()
    base = run(base_dir, items) if base_dir is not None else None
    where = f"{BASELINE_COMMIT} in {base_dir} (a subprocess, this venv)"
    print(f"bench-digest: {len(items)} digests; baseline: {where if base_dir else 'not found'}")
    report(items, new, base)
    report19(items, new, base)
    if JUDGED.exists():
        judged_report()
    if args.judge:
        for key in JUDGE_KEYS:
            print(f"\n===== {key}")
            if base is not None:
                print("--- before\n" + judge_text(base[key]))
            print("--- after\n" + judge_text(new[key]))
    if args.show:
        show(items, new, args.show, args.seed)


if __name__ == "__main__":
    main()
