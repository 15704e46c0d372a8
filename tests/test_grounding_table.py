"""The grounding rule as a table: real digest sentences and adversarial ones, one rule.

Each row is (digest text, what ``ungrounded`` must report). The source is a press release in
the shape the feeds deliver (a body with a minister's words, an application address, an
e-mail and a contact block); the rule-extracted contacts are what bot.documents.contacts
finds in it. Issue 12's red-team sentences are rows here.
"""

from __future__ import annotations

import pytest

from bot.documents.contacts import extract_contacts
from bot.summarize.grounding import SourceFacts, addresses, canonical, ungrounded

SOURCE = """\
중소벤처기업부(장관 한성숙)는 2026년 추가경정예산이 1조 6,903억원으로 확정되었다고 밝혔다.
한성숙 장관은 "신속히 집행하겠다"고 말했다. 청년 일자리 지원에 6,719억원을 쓴다.
신청은 4월 13일(월)부터 5월 6일(수)까지 K-스타트업 누리집(www.k-startup.go.kr)에서 받는다.
세부 공고는 https://www.mss.go.kr/site/smba/ex/bbs/View.do?cbIdx=86&bcIdx=1061234 를 참고한다.
문의는 전자우편(startup@mss.go.kr)으로도 받는다. 관련 자료는 bit.ly/3AbCdEf 에 있다.
정부 지원 사업의 비율은 50%이다.

담당 부서: 기획조정실 / 책임자 과장 이하녕 / (044-204-7320)
담당 부서: 창업정책과 / 담당자 사무관 강해준 / (044-204-7712)
"""

CASES: list[tuple[str, list[str]]] = [
    # --- addresses the source gives, written as it gives them (kept) ---
    ("K-스타트업 누리집(www.k-startup.go.kr)에서 신청한다.", []),
    ("신청은 www.k-startup.go.kr 에서 받는다.", []),
    ("신청은 https://www.k-startup.go.kr 에서 받는다.", []),  # scheme added, same address
    ("신청은 WWW.K-STARTUP.GO.KR 에서 받는다.", []),  # host case does not matter
    ("세부 공고는 https://www.mss.go.kr/site/smba/ex/bbs/View.do?cbIdx=86&bcIdx=1061234 참고.", []),
    ("문의는 startup@mss.go.kr 로도 받는다.", []),
    ("관련 자료는 bit.ly/3AbCdEf 에 있다.", []),
    ("중기부 누리집(mss.go.kr)에 공고했다.", []),  # the host of an address the source gives
    # --- invented addresses, in every disguise (refused) ---
    ("신청은 bit.ly/3xYzAbc 에서 받는다.", ["bit.ly/3xYzAbc"]),  # issue 12, case 1
    ("반도체 지원, apply-now.site 에서 신청", ["apply-now.site"]),  # issue 12, case 1
    ("관련 자료는 bit.ly/3AbCdEfX 에 있다.", ["bit.ly/3AbCdEfX"]),  # longer than the source's
    ("관련 자료는 bit.ly/3AbC 에 있다.", ["bit.ly/3AbC"]),  # only the start of the source's
    ("관련 자료는 bit.ly/3abcdef 에 있다.", ["bit.ly/3abcdef"]),  # a shortener path is exact
    ("신청은 apply-now.site에서 받는다.", ["apply-now.site"]),  # particle glued on
    ("신청은 apply-now．site 에서 받는다.", ["apply-now.site"]),  # full-width dot
    ("신청은 apply-now。site 에서 받는다.", ["apply-now.site"]),  # ideographic full stop
    ("신청은 ａｐｐｌｙ．ｓｉｔｅ 에서 받는다.", ["apply.site"]),  # full-width letters
    ("신청은 apply-now[.]site 에서 받는다.", ["apply-now.site"]),  # defanged
    ("신청은 apply-now(dot)site 에서 받는다.", ["apply-now.site"]),
    ("신청은 apply\u200b-now.site 에서 받는다.", ["apply-now.site"]),  # zero-width space
    ("신청은 hxxps://apply.example.org/form 에서 받는다.", ["https://apply.example.org/form"]),
    ("신청은 ftp://files.example.net/a.hwp 에서 받는다.", ["ftp://files.example.net/a.hwp"]),
    ("신청은 xn--3e0b707e.xn--3e0b707e 에서 받는다.", ["xn--3e0b707e.xn--3e0b707e"]),  # punycode
    ("신청은 지원금.한국 에서 받는다.", ["지원금.한국"]),  # Hangul TLD
    ("신청은 k-startup.go.kr.evil.io 에서 받는다.", ["k-startup.go.kr.evil.io"]),
    ("신청은 evil-k-startup.go.kr 에서 받는다.", ["evil-k-startup.go.kr"]),
    (
        "신청은 www.k-startup.go.kr.attacker.com/login 에서 받는다.",
        ["www.k-startup.go.kr.attacker.com/login"],
    ),
    ("문의는 help@mss-support.com 으로 한다.", ["help@mss-support.com"]),
    ("접속 주소는 10.0.0.1:8080/apply 이다.", ["10.0.0.1:8080/apply"]),
    ("자세한 사항은 t.co/Ab12 참고.", ["t.co/Ab12"]),
    (
        "신청은 https://www.mss.go.kr/site/smba/ex/bbs/View.do?cbIdx=86&bcIdx=9999999 에서.",
        ["https://www.mss.go.kr/site/smba/ex/bbs/View.do?cbIdx=86&bcIdx=9999999"],
    ),
    # --- figures and dots that are not addresses ---
    ("지원 비율은 50%이다.", []),
    ("1.5배 늘었다.", ["1.5배"]),  # a figure the source does not give: figures rule, not URL
    ("추경이 1조 6,903억원으로 확정됐다.", []),
    ("추경이 2조원으로 늘었다.", ["2조원"]),
    # --- names next to role words ---
    ("한성숙 장관은 신속히 집행하겠다고 말했다.", []),
    ("김철수 장관은 신속히 집행하겠다고 말했다.", ["김철수"]),
    ("담당자 김철수 연구관에게 연락하면 된다.", ["김철수"]),  # issue 12, case 1
    ("김철수 선임연구원이 설명했다.", ["김철수"]),  # a role word no list names
    ("최가온 센터장은 참석했다.", ["최가온"]),
    ("남궁민수 정책관이 발표했다.", ["남궁민수"]),  # compound surname
    ("홍길동 주무관에게 문의하면 된다.", ["홍길동"]),
    ("박지은씨에게 문의하면 된다.", ["박지은"]),
    ("담당자: 김영수", ["김영수"]),
    ("기획조정실 이하녕 과장에게 문의하면 된다.", []),  # the source's contact
    ("책임자 과장 이하녕(044-204-7320)에게 문의한다.", []),
    ("담당자 사무관 강해준에게 문의한다.", []),
    ("한성숙 장관에게 문의하면 된다.", ["한성숙"]),  # named in the source, but not a contact
    ("정부 지원 사업의 비율은 50%이다.", []),  # 정부 is a word, not a person
    ("청년 일자리 지원에 6,719억원을 쓴다.", []),
    # --- phones ---
    ("문의 044-204-7320", []),
    ("문의 044.204.7320", []),  # same digits, other spelling
    ("문의 010-1234-5678", ["010-1234-5678"]),
    # issue 21, item 2: the same number in the spellings that used to pass
    ("문의 010 1234 5678", ["010 1234 5678"]),
    ("문의는 공일공-일이삼사-오육칠팔로 하면 된다.", ["공일공-일이삼사-오육칠팔"]),
    ("문의는 공일공 일이삼사 오육칠팔", ["공일공 일이삼사 오육칠팔"]),
    ("문의는 영일영.일이삼사.오육칠팔", ["영일영.일이삼사.오육칠팔"]),
    ("문의는 공1공 1234 오육칠팔", ["공1공 1234 오육칠팔"]),
    ("문의 ０１０ １２３４ ５６７８", ["010 1234 5678"]),
    ("문의 +82 10 1234 5678", ["82 10 1234 5678"]),
    ("대표번호 1577 1234로 전화", ["1577 1234"]),
    ("문의 (02) 2110 7096", ["02) 2110 7096"]),
    ("문의 공사사 이공사 칠삼이공", []),  # the contact block's number, read aloud
    ("문의 044 204 7320", []),  # and with spaces
    ("신청은 4월 13일(월)부터 5월 6일(수)까지 받는다.", []),  # dates are not numbers
    ("사업비 1조 6,903억원 중 15000000원을 쓴다.", ["15000000원"]),  # an invented figure
    # --- several problems in one sentence are all reported ---
    (
        "김철수 연구관(010-9999-0000)에게 bit.ly/x1 로 연락",
        ["010-9999-0000", "bit.ly/x1", "김철수"],
    ),
]


@pytest.fixture(scope="module")
def facts() -> SourceFacts:
    return SourceFacts.of(SOURCE, extract_contacts(SOURCE))


def test_the_table_is_big_enough() -> None:
    assert len(CASES) >= 40


@pytest.mark.parametrize(("text", "expected"), CASES, ids=[c[0][:30] for c in CASES])
def test_grounding_rule(text: str, expected: list[str], facts: SourceFacts) -> None:
    assert sorted(ungrounded(text, facts)) == sorted(expected)


def test_rule_contacts_are_the_people_a_contact_sentence_may_name(facts: SourceFacts) -> None:
    assert {"이하녕", "강해준"} <= facts.contact_names
    assert "한성숙" in facts.people and "한성숙" not in facts.contact_names


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("bit.ly/3xYzAbc에서", ["bit.ly/3xYzAbc"]),
        ("(www.korea.kr).", ["www.korea.kr"]),
        ("https://x.example/a_(b)", ["https://x.example/a_(b)"]),
        ("1.5배, 9.2%, 2026. 4. 13., No.1, e.g. 그, Ph.D", []),
        ("v2.0 과 3.5GHz", []),
    ],
)
def test_addresses(text: str, found: list[str]) -> None:
    assert addresses(text) == found


def test_canonical_undoes_disguises() -> None:
    assert canonical("bit．ly/ａ\u202e") == "bit.ly/a"
    assert canonical("hxxp://a[.]b") == "http://a.b"
