"""Digests a reader forwards, round 2 (issue 19): the pure middle with plain values."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.cli_commands.summarize import render_text
from bot.documents import build_document
from bot.documents.names import is_name
from bot.korean import join_split_words, respace_letter_spaced, vocabulary
from bot.summarize.extractive import ExtractiveSummarizer, headline_of
from bot.summarize.facts import find_regions
from bot.types import Summary

SUMMARIZER = ExtractiveSummarizer()
NOW = datetime(2026, 12, 7, 3, 0, tzinfo=UTC)


def test_split_words_joined_only_where_the_document_writes_them_whole() -> None:
    words = vocabulary("반도체 투자자들은 공간에서 정부는 장치들이 중소기업의 대상자 필요시")
    text = "반 도체 투 자자 공 간에서 정 부가 장치 들이 중소 기 업의 대상자 가"
    assert join_split_words(text, words) == (
        "반도체 투자자 공간에서 정부가 장치들이 중소 기업의 대상자가"
    )
    # two real words stay apart; numbers and units are not words; contact lines are left
    assert join_split_words("필요 시 이 사업 40만 원", words) == "필요 시 이 사업 40만 원"
    assert join_split_words("사무관 이 경 (043-719-2620)", vocabulary("사무관이")) == (
        "사무관 이 경 (043-719-2620)"
    )
    assert join_split_words("반 도체", frozenset()) == "반 도체"  # no vocabulary: no change


def test_letter_spaced_title_respaced_into_the_documents_words() -> None:
    words = vocabulary("전국 공공도서관 수는 연간 이용자 지역 공동체 거점으로")
    got = respace_letter_spaced("전국 공 공 도 서 관 연 간 이 용 자", words)
    assert got == "전국 공공도서관 연간 이용자"


def test_regions_are_places_the_release_is_about() -> None:
    text = (
        "에너지 대전환의 시기에 경기둔화 우려가 커지고 있다.\n"
        "14일 정부서울청사에서 관계장관회의를 열었다.\n"
        "장관은 14일 서울 마포구에 위치한 동물병원을 방문하여 간담회를 가졌다.\n"
        "본사(서울시 중구 후암로 98)에서 협약을 맺었다.\n"
        "한달빛(대전·대구)보건연합대학과 맺은 협약에 이어 두 번째 모델이다.\n"
        "호남권(목포·광주·제주)에서는 4월 20일부터 직무설명회를 운영한다.\n"
        "| 부산 | 0.91 | 0.99 | 0.71 |"
    )
    assert find_regions(text) == ["광주", "제주"]


def test_ranks_and_titles_with_particles_are_never_names() -> None:
    for word in ("소령", "소방경", "사무관이", "검사", "외무행정관"):
        assert not is_name(word), word
    assert is_name("이 경") and is_name("정유진") and is_name("남궁민수")


def test_headline_is_the_own_title_and_marked_only_when_shortened() -> None:
    short = "중기부, 추경예산 1조 6,903억원 확정"
    assert headline_of(short, "") == short
    long = (
        "관세청, 한-아랍에미리트연합국 포괄적경제동반자협정 발효 즉시 활용 지원 ··· "
        "원산지인증수출자 사전인증 시작 및 수출기업 적기 활용 지원"
    )
    got = headline_of(long, "")
    assert got.endswith("…") and len(got) <= 60
    assert long.startswith(got[:-1])
    assert got[:-1].rstrip() == got[:-1] and long[len(got) - 1] == " "  # between words


def test_release_title_under_the_header_not_a_banner_or_an_attachment() -> None:
    raw = (
        "## 전국지가변동률조사, 부동산거래현황\n\n보도자료\n\n"
        "보도시점 : 2026. 4. 23.(목) 14:00 / 배포 : 2026. 4. 23.(목)\n\n"
        "## ’26년 1분기 전국 지가 0.58% 상승\n\n"
        "국토교통부는 1분기 지가변동률을 발표하였다.\n\n"
        "## 붙임 2026년 지가변동률 통계\n"
    )
    assert build_document(raw).title == "’26년 1분기 전국 지가 0.58% 상승"


def test_a_lead_announcing_a_list_carries_it_and_a_list_yields_bullets() -> None:
    doc = build_document(
        "# 행안부, 집중호우 대비 긴급지시\n\n"
        "행정안전부 장관은 17일 집중호우에 대비해 관계기관에 아래와 같이 긴급지시했다.\n\n"
        "- 산사태 취약지역 주민 사전 대피 철저\n- 하천변 산책로와 지하차도 통제\n"
    )
    [bullet] = SUMMARIZER.summarize_now(doc).bullets
    assert bullet.endswith(
        "긴급지시했다: 산사태 취약지역 주민 사전 대피 철저, 하천변 산책로와 지하차도 통제"
    )
    listed = build_document("# 2026년 상반기 인사\n\n- 기획조정실장 홍길동\n- 정책국장 김철수\n")
    assert SUMMARIZER.summarize_now(listed).bullets == ["기획조정실장 홍길동", "정책국장 김철수"]


def test_text_digest_header_is_korean_with_the_release_time() -> None:
    summary = Summary(headline="제목", bullets=["내용이다."], agencies=["고용부"])
    fresh = render_text(summary, NOW - timedelta(hours=3), NOW)
    assert fresh.splitlines()[:2] == ["[속보] 제목", "고용노동부 · 2026년 12월 7일 09:00 KST"]
    old = render_text(summary, datetime(2022, 5, 3, 1, 0, tzinfo=UTC), NOW)
    assert old.splitlines()[:2] == ["제목", "고용노동부 · 2022년 5월 3일 10:00 KST"]
    unknown = render_text(Summary(headline="제목", bullets=[]), None, NOW)
    assert unknown.splitlines()[1] == "보도자료 · 시각 미상"
    assert "extractive" not in fresh + old + unknown and "07일" not in fresh


def test_closest_word_counts_jamo() -> None:
    from bot.hints import closest_word, words_of

    known = words_of(["반도체 수출 역대 최대", "반도체 지원", "반도 여행"])
    assert known[0] == "반도체"
    assert closest_word("반도채", known) == "반도체"  # one vowel off
    assert closest_word("양자컴퓨터", known) is None


def test_facts_carry_their_noun_merge_duplicates_and_label_only_from_their_head() -> None:
    from bot.summarize.facts import find_amounts, find_dates

    amounts = find_amounts(
        [
            "기업당 최대 2천만 원을 지원한다.",
            "지원금은 최대 2,000만 원이다.",  # the same sum, written another way
            "지원 규모는 55만 원(1인당)이다.",
            "약 3.7억 원 / 3.5억 원",  # no noun next to them: no label
            "총 300억 원 규모의 예산을 투입한다.",
            "화재를 예방하기 위해 긴급히 50억 원을 투입한다.",  # a purpose clause: no noun
        ]
    )
    assert [(a.label, a.value) for a in amounts] == [  # labelled ones first into the four
        ("지원금", "최대 2,000만 원"),
        ("지원 규모", "55만 원(1인당)"),
        ("", "약 3.7억 원"),
        ("예산", "총 300억 원"),
    ]
    dates = find_dates(
        [
            "4월 20일(월)부터 직무설명회를 운영한다.",  # a start, not a 시행일
            "4월 14일(화) 서울에서 간담회를 가졌다.",  # no label word next to it
            "신청은 4월 13일부터 5월 8일까지 받는다.",
            "개정안은 7월 1일부터 시행된다.",
        ]
    )
    assert [(d.label, d.value) for d in dates] == [
        ("신청·접수 기간", "4월 13일부터 5월 8일까지"),
        ("시행일", "7월 1일"),
    ]


def test_topic_needs_its_terms_in_title_or_lead() -> None:
    from bot.topics import DEFAULT_TAXONOMY

    body = (
        "재외동포 지원 정책을 논의했다.\n" + "기타 내용이다.\n" * 5 + "※ 회의는 AI 통신망으로 중계"
    )
    assert "AI" not in DEFAULT_TAXONOMY.classify("재외동포정책위원회 개최", body, lead=body[:20])
    assert "AI" not in DEFAULT_TAXONOMY.classify("추경 확정", "main domain", lead="")


def test_contacts_whole_names_own_departments_no_fragments() -> None:
    from bot.documents.contacts import extract_contacts

    block = (
        "담당 부서: 보건복지부 보건의료정책과 / 책임자: 과장 김철수 (044-202-2300) / "
        "담당자: 사무관 정 유 진 (044-202-2301)"
    )
    assert [(c.department, c.name) for c in extract_contacts(block)] == [
        ("보건의료정책과", "김철수"),
        ("보건의료정책과", "정유진"),  # letter-spaced name joined, not cut to "정 유"
    ]
    row = "| 담당 부서 | 행정안전부 국가재난안전교육원 | 책임자 | 원장 | 박상국 | (041-559-1234) |"
    [person] = extract_contacts(row)
    assert (person.department, person.name) == ("국가재난안전교육원", "박상국")
    ranks = "| 담당 부서 | 국방부 | 책임자 | 소령 | 김민수 | (02-748-1234) |"
    assert [(c.role, c.name) for c in extract_contacts(ranks)] == [("책임자 소령", "김민수")]
    assert extract_contacts("기대효과 사무관 장기 044-202-1111 이 사업은 효과가 크다.") == []


def test_a_list_set_as_marked_paragraphs_follows_its_lead() -> None:
    doc = build_document(
        "# 추경 사업\n\n이번 국토부 소관 추경예산의 사업은 다음과 같다.\n\n"
        "➊ 대중교통비 환급 지원: 1,904억원 증액\n\n"
        "ㅇ 고유가 부담 속에서 환급 기준금액을 낮춘다.\n\n"
        "➋ 전세사기 피해자 최소지원금 지급: 279억원 신설\n"
    )
    [bullet] = [b for b in SUMMARIZER.summarize_now(doc).bullets if "다음과 같" in b]
    assert bullet.endswith("다음과 같다: 대중교통비 환급 지원, 전세사기 피해자 최소지원금 지급")
