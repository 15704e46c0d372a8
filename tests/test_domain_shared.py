"""Topics, agencies, pacing and Korean helpers: pure pieces every issue builds on."""

from __future__ import annotations

from bot.agencies import agency_names, find_agencies, resolve_agency
from bot.korean import split_sentences, stem
from bot.pacing import KeyedBuckets, TokenBucket
from bot.topics import OTHER, build_taxonomy

from .conftest import DOCS


def test_topic_aliases_resolve_to_canonical_names() -> None:
    taxonomy = build_taxonomy()
    assert taxonomy.resolve("인공지능") == "AI"
    assert taxonomy.resolve("ai") == "AI"
    assert taxonomy.resolve("창업벤처") == "창업·벤처"
    assert taxonomy.resolve("지역 특구") is None or taxonomy.resolve("특구") == "지역·특구"
    assert taxonomy.resolve("없는주제") is None


def test_extra_topics_from_config_extend_the_taxonomy() -> None:
    taxonomy = build_taxonomy({"우주": ["우주항공", "위성"]})
    assert taxonomy.resolve("위성") == "우주"
    assert "우주" in taxonomy.classify("위성 발사 성공", "우주항공청이 위성을 발사했다.")


def test_classify_real_release() -> None:
    taxonomy = build_taxonomy()
    text = (DOCS / "seeds__000_6fb3ceb66007639a.txt").read_text(encoding="utf-8")
    topics = taxonomy.classify("딥테크 300억 원으로 지능형 반도체 혁신 촉진", text)
    assert "반도체" in topics and "창업·벤처" in topics
    assert taxonomy.classify("알림", "내용 없음") == [OTHER]


def test_agencies_full_and_short_names_are_one_agency() -> None:
    assert resolve_agency("과학기술정보통신부") == "과기정통부"
    assert resolve_agency("중기부") == "중기부"
    assert "중소벤처기업부" in agency_names("중기부")
    text = "중소벤처기업부(장관 한성숙)는 과학기술정보통신부와 함께 발표했다. 중기부는"
    assert find_agencies(text) == ["중기부", "과기정통부"]


def test_token_bucket_on_a_fake_clock() -> None:
    now = [0.0]
    bucket = TokenBucket(rate=2.0, burst=2, now=lambda: now[0])
    assert bucket.try_take() == 0.0 and bucket.try_take() == 0.0
    assert bucket.try_take() == 0.5
    now[0] = 0.5
    assert bucket.try_take() == 0.0


def test_keyed_buckets_are_per_chat() -> None:
    now = [0.0]
    buckets = KeyedBuckets(rate=1.0, now=lambda: now[0])
    assert buckets.try_take("a") == 0.0
    assert buckets.try_take("a") == 1.0
    assert buckets.try_take("b") == 0.0


def test_korean_sentences_and_stems() -> None:
    assert split_sentences("정부가 투자한다. 거점이다!") == ["정부가 투자한다.", "거점이다!"]
    assert [stem(w) for w in ("반도체를", "딥테크의", "AI를", "300억")] == [
        "반도체",
        "딥테크",
        "AI",
        "300억",
    ]
