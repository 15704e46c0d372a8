"""A loopback "ministry world": every feed of the source catalog served on 127.0.0.1 at its own
path, each with the habits SOURCES.md reports for it — zone-less, dotted, Java and dc:date
dates, a 405 that wants POST, a 307-to-itself cookie gate that also wants a browser-like
User-Agent, the link in CDATA, the channel repeated as an item, doubled entities and HWP/office
debris, session ids in relative links that change per request, tracking parameters, an
EUC-KR → UTF-8 switch between polls, a slow first byte — plus a news site's home page that
announces its feed, and a page that announces none.

The releases are written for these tests (titles, bodies and contacts invented, in the shape
of real 보도자료). ``expected()`` says what the bot should store for each feed.
"""

from __future__ import annotations

import itertools
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler
from urllib.parse import urlsplit

from bot.clock import KST
from bot.sources.catalog import catalog
from tests.feed_server import LoopbackServer

# The world's "now": after every release below.
NOW = datetime(2026, 10, 1, 9, 0, tzinfo=KST).astimezone(UTC)


@dataclass(frozen=True)
class Release:
    title: str
    lead: str  # the first sentence of the body
    department: str
    person: str
    phone: str
    when: datetime  # KST

    def html(self) -> str:
        return (
            f"<p>{self.lead}</p><p>{DETAILS.get(self.title, '')}</p>"
            f"<p>담당 부서: {self.department} 담당자: {self.person} 연락처: {self.phone}</p>"
        )


def _r(title: str, lead: str, dept: str, person: str, phone: str, *when: int) -> Release:
    return Release(title, lead, dept, person, phone, datetime(*when, tzinfo=KST))  # type: ignore[misc]


RELEASES: dict[str, list[Release]] = {
    "재정경제부": [
        _r(
            "2026년 하반기 경제정책방향 발표",
            "재정경제부는 하반기 경제정책방향을 발표했다.",
            "경제정책총괄과",
            "김재정",
            "044-215-2711",
            2026,
            9,
            29,
            10,
            0,
            5,
        ),
        _r(
            "국고채 발행계획 공고",
            "재정경제부는 10월 국고채 발행계획을 공고했다.",
            "국채과",
            "이국채",
            "044-215-5131",
            2026,
            9,
            28,
            14,
            30,
            0,
        ),
    ],
    "금융위원회": [
        _r(
            "청년 자산형성 지원 확대",
            "금융위원회는 청년 자산형성 지원을 확대한다고 밝혔다.",
            "서민금융과",
            "박금융",
            "02-2100-2611",
            2026,
            9,
            30,
            12,
            0,
            0,
        ),
        _r(
            "가상자산 이용자 보호 강화방안",
            "금융위원회는 가상자산 이용자 보호 강화방안을 마련했다.",
            "가상자산과",
            "최보호",
            "02-2100-2991",
            2026,
            9,
            29,
            9,
            0,
            0,
        ),
    ],
    "국토교통부": [
        _r(
            "공공임대주택 2만호 공급 착수",
            "국토교통부는 공공임대주택 공급에 착수했다.",
            "공공주택정책과",
            "정주택",
            "044-201-4512",
            2026,
            9,
            30,
            11,
            0,
            0,
        ),
        _r(
            "고속도로 휴게소 개선 계획",
            "국토교통부는 고속도로 휴게소 개선 계획을 내놓았다.",
            "도로운영과",
            "한도로",
            "044-201-3921",
            2026,
            9,
            27,
            6,
            0,
            0,
        ),
    ],
    "과학기술정보통신부": [
        _r(
            "AI 반도체 실증 사업 착수",
            "과학기술정보통신부는 AI 반도체 실증 사업에 착수했다.",
            "인공지능기반정책과",
            "윤지능",
            "044-202-6241",
            2026,
            9,
            23,
            0,
            0,
            0,
        ),
        _r(
            "양자 기술 인력 양성 계획",
            "과학기술정보통신부는 양자·기술 인력 양성 계획을 발표했다.",
            "양자혁신기술개발과",
            "송양자",
            "044-202-4631",
            2026,
            9,
            22,
            0,
            0,
            0,
        ),
    ],
    "보건복지부": [
        _r(
            "어르신 돌봄 서비스 확대",
            "보건복지부는 어르신 돌봄 서비스를 확대한다.",
            "노인정책과",
            "오복지",
            "044-202-3451",
            2026,
            9,
            30,
            8,
            0,
            0,
        ),
    ],
    "산업통상부": [
        _r(
            "수출 바우처 2차 모집",
            "산업통상부는 수출 바우처 2차 모집을 시작했다.",
            "무역정책과",
            "강수출",
            "044-203-4011",
            2026,
            9,
            30,
            15,
            0,
            0,
        ),
        _r(
            "산업단지 에너지 효율 지원",
            "산업통상부는 산업단지 에너지 효율 지원을 늘린다.",
            "산업입지정책과",
            "조산단",
            "044-203-4411",
            2026,
            9,
            26,
            10,
            0,
            0,
        ),
    ],
    "기후에너지환경부": [
        _r(
            "미세먼지 계절관리제 시행",
            "기후에너지환경부는 미세먼지 계절관리제를 시행한다.",
            "대기환경정책과",
            "임대기",
            "044-201-6851",
            2026,
            7,
            8,
            15,
            0,
            0,
        ),
        _r(
            "탄소중립 실천 포인트 확대",
            "기후에너지환경부는 탄소중립 실천 포인트를 확대한다.",
            "기후적응과",
            "노탄소",
            "044-201-6951",
            2026,
            7,
            7,
            9,
            30,
            0,
        ),
    ],
    "외교부": [
        _r(
            "재외국민 안전 공관장 회의",
            "외교부는 재외국민 안전 공관장 회의를 열었다.",
            "재외국민보호과",
            "서외교",
            "02-2100-7581",
            2026,
            9,
            29,
            16,
            0,
            0,
        ),
    ],
    "인사혁신처": [
        _r(
            "공무원 유연근무 확대",
            "인사혁신처는 공무원 유연근무를 확대한다.",
            "인사혁신기획과",
            "문인사",
            "044-201-8311",
            2026,
            9,
            25,
            10,
            0,
            0,
        ),
    ],
    "중소벤처기업부": [
        _r(
            "스마트공장 보급사업 공고",
            "중소벤처기업부는 스마트공장 보급사업을 공고했다.",
            "스마트제조혁신정책과",
            "배중기",
            "044-204-4711",
            2026,
            9,
            30,
            10,
            0,
            0,
        ),
        _r(
            "창업기업 판로 지원 확대",
            "중소벤처기업부는 창업기업 판로 지원을 확대한다.",
            "창업정책총괄과",
            "홍창업",
            "044-204-7311",
            2026,
            9,
            29,
            10,
            0,
            0,
        ),
    ],
}
# What each release is about, in a sentence or two of its own (real releases share little
# beyond their contact block; near-duplicate grouping must not see one story in two).
DETAILS = {
    "2026년 하반기 경제정책방향 발표": "내수 회복을 위해 소비 쿠폰 지급을 연말까지 연장하고 "
    "수출 중소기업의 환율 부담을 덜어 주는 보증을 늘린다.",
    "국고채 발행계획 공고": "10월에는 3년물과 10년물을 중심으로 모두 12조 5천억 원어치를 "
    "경쟁 입찰로 발행하며 비경쟁 인수 한도는 유지한다.",
    "청년 자산형성 지원 확대": "만 19세에서 34세 사이 청년이 매달 적금을 부으면 정부가 "
    "기여금을 더 얹어 주고 납입 한도도 70만 원으로 올린다.",
    "가상자산 이용자 보호 강화방안": "거래소는 이용자 예치금을 은행에 맡기고 해킹 사고에 "
    "대비한 보험에 들어야 하며 시세 조종에는 과징금을 물린다.",
    "공공임대주택 2만호 공급 착수": "수도권 역세권 부지에 신혼부부와 고령자를 위한 "
    "임대주택을 짓고 입주자 모집은 내년 봄에 시작한다.",
    "고속도로 휴게소 개선 계획": "낡은 화장실과 주차장을 고치고 전기차 급속 충전기를 "
    "휴게소마다 네 대 이상 새로 설치한다.",
    "AI 반도체 실증 사업 착수": "국산 신경망처리장치를 데이터센터와 공공 클라우드에 "
    "넣어 성능과 전력 효율을 검증하고 결과를 공개한다.",
    "양자 기술 인력 양성 계획": "대학원 양자 전공 과정을 새로 열고 해외 연구소 연수를 "
    "지원하여 석박사 인재를 길러 낸다.",
    "어르신 돌봄 서비스 확대": "혼자 사는 노인 가구에 방문 간호와 식사 배달을 묶어 "
    "제공하고 응급 안전 알림 장비를 보급한다.",
    "수출 바우처 2차 모집": "해외 전시회 참가비와 통번역, 인증 취득 비용을 바우처로 "
    "쓸 수 있으며 신청은 온라인으로만 받는다.",
    "산업단지 에너지 효율 지원": "노후 설비를 고효율 전동기와 히트펌프로 바꾸는 공장에 "
    "교체 비용 절반을 보조한다.",
    "미세먼지 계절관리제 시행": "12월부터 석 달 동안 노후 경유차 운행을 제한하고 "
    "석탄발전소 가동을 줄이며 공사장 먼지 단속을 강화한다.",
    "탄소중립 실천 포인트 확대": "다회용기를 쓰거나 전자영수증을 받으면 쌓이는 포인트 "
    "항목을 늘리고 적립 한도를 연간 7만 원으로 높인다.",
    "재외국민 안전 공관장 회의": "분쟁 지역 체류 국민의 철수 계획을 점검하고 영사 "
    "콜센터의 야간 응대 인력을 보강하기로 했다.",
    "공무원 유연근무 확대": "주 4.5일 근무를 시범 도입하고 육아기 공무원의 재택근무 "
    "허용 기간을 자녀 초등학교 졸업 때까지 늘린다.",
    "스마트공장 보급사업 공고": "제조 데이터를 모으는 센서와 공정 관리 소프트웨어 구축에 "
    "기업당 최대 2억 원까지 지원하며 신청은 이달 말까지다.",
    "창업기업 판로 지원 확대": "공공기관이 창업기업 제품을 시범 구매하고 대형 유통망 "
    "입점 상담회를 분기마다 연다.",
}
# One release each from the bodies whose feeds have no reported quirk.
PLAIN = {
    "행정안전부": (
        "지방자치단체 재난 대응 훈련",
        "행정안전부는 지방자치단체 재난 대응 훈련을 연다.",
        "지진과 산불이 겹친 상황을 가정해 시군구 상황실과 소방, 경찰이 함께 대피 지시를 "
        "내리는 순서를 점검한다.",
    ),
    "통일부": (
        "이산가족 화상 상봉 신청 접수",
        "통일부는 이산가족 화상 상봉 신청을 받는다.",
        "고령 이산가족을 우선 배정하고 영상 편지 제작을 돕는 촬영 인력을 지역별로 보낸다.",
    ),
    "문화체육관광부": (
        "지역 축제 관광 활성화 지원",
        "문화체육관광부는 지역 축제 관광을 지원한다.",
        "숙박 할인권을 축제 기간에 맞춰 풀고 외국인 관광객용 통역 안내소를 늘린다.",
    ),
    "농림축산식품부": (
        "쌀 수급 안정 대책",
        "농림축산식품부는 쌀 수급 안정 대책을 내놓았다.",
        "올해 햅쌀 가운데 남는 물량을 정부가 사들여 비축하고 논에 콩을 심는 농가에 "
        "직불금을 얹어 준다.",
    ),
    "성평등가족부": (
        "한부모 가족 양육비 선지급",
        "성평등가족부는 한부모 가족 양육비를 먼저 지급한다.",
        "양육비를 받지 못한 가정에 자녀 1인당 매달 20만 원을 먼저 주고 나중에 비양육 "
        "부모에게서 받아 낸다.",
    ),
    "해양수산부": (
        "연안 여객선 운임 지원",
        "해양수산부는 연안 여객선 운임을 지원한다.",
        "섬 주민과 관광객의 뱃삯 일부를 덜어 주고 낡은 여객선을 친환경 선박으로 바꾼다.",
    ),
    "식품의약품안전처": (
        "수입 식품 현지 실사 강화",
        "식품의약품안전처는 수입 식품 현지 실사를 강화한다.",
        "위반 이력이 있는 해외 제조 공장을 직접 찾아가 위생 상태를 확인하고 부적합하면 "
        "수입을 막는다.",
    ),
}
for n, (body, (title, lead, detail)) in enumerate(PLAIN.items()):
    DETAILS[title] = detail
    RELEASES[body] = [
        _r(title, lead, "기획재정담당관", f"담당자{n}", f"044-300-{1000 + n}", 2026, 9, 30, 9, n, 0)
    ]

# What an HWP clipboard and MS Office leave in a body; none of it may reach the text.
HWP_DEBRIS = (
    '<!--[data-hwpjson]{"documentPr":{"di":"","dp":{"dn":"test.hwp","ta":1},'
    + '"padding":"'
    + "x" * 60_000
    + '"}-->'
    + "&lt;!--[if gte mso 9]&gt;&lt;xml&gt;&lt;w:WordDocument&gt;&lt;w:View&gt;Normal"
    "&lt;/w:View&gt;&lt;/w:WordDocument&gt;&lt;/xml&gt;&lt;![endif]--&gt;"
    '<p class="HStyle0"><o:p>&nbsp;</o:p></p><!--StartFragment-->'
)


@dataclass
class Answer:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


@dataclass
class Asked:
    method: str
    path: str
    headers: dict[str, str]


Route = Callable[[Asked], Answer]


class MinistryWorld(LoopbackServer):
    """The world's HTTP server; ``url(name)`` is the loopback address of a catalog feed."""

    def __init__(self, *, first_byte: float = 0.6, plain: bool = False) -> None:
        """``plain``: the same releases at the same addresses as plain RSS 2.0 with no quirk
        (the baseline of bench/catalog_world.py)."""
        self.plain = plain
        self.asked: list[Asked] = []
        self.first_byte = first_byte
        self.routes: dict[str, Route] = {}
        self._served: dict[str, itertools.count[int]] = {}
        world = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                self._answer("GET")

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                if length:
                    self.rfile.read(length)
                self._answer("POST")

            def _answer(self, method: str) -> None:
                asked = Asked(method, self.path, {k.lower(): v for k, v in self.headers.items()})
                world.asked.append(asked)
                route = world.routes.get(self.path)
                answer = route(asked) if route else Answer(404, b"not found")
                if answer.delay:
                    time.sleep(answer.delay)
                self.send_response(answer.status)
                for key, value in answer.headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(answer.body)))
                self.end_headers()
                if answer.body and method != "HEAD":
                    self.wfile.write(answer.body)

        self._serve(Handler)
        self._build()

    # --- addresses ------------------------------------------------------------------------

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def url(self, body: str) -> str:
        """The loopback address of the body's main catalog feed (same path and query)."""
        match = catalog().find(body)
        assert match is not None and match.feed is not None, body
        return self.origin + _path(match.feed.url)

    def feeds(self) -> dict[str, str]:
        return {body: self.url(body) for body in RELEASES}

    def asked_at(self, body: str) -> list[Asked]:
        path = _path(self.url(body))
        return [a for a in self.asked if a.path == path]

    def _count(self, key: str) -> int:
        return next(self._served.setdefault(key, itertools.count()))

    # --- the feeds ------------------------------------------------------------------------

    def _build(self) -> None:
        c = catalog()
        routes: dict[str, Route] = {
            "재정경제부": self._mofe,
            "금융위원회": self._fsc,
            "국토교통부": self._molit,
            "과학기술정보통신부": self._msit,
            "보건복지부": self._mohw,
            "산업통상부": self._motir,
            "기후에너지환경부": self._mcee,
            "외교부": self._mofa,
            "인사혁신처": self._mpm,
            "중소벤처기업부": self._mss,
        }
        for body in PLAIN:
            routes[body] = self._plain(body)
        if self.plain:
            routes = {body: self._plain(body) for body in routes}
        for body, route in routes.items():
            match = c.find(body)
            assert match is not None and match.feed is not None
            self.routes[_path(match.feed.url)] = route
        self.routes["/news/"] = lambda asked: Answer(
            body=(
                "<!DOCTYPE html><html><head><title>뉴스 사이트</title>"
                '<link rel="stylesheet" href="/style.css">'
                '<link rel="alternate" type="application/rss+xml" title="전체기사" '
                'href="/news/rss/allArticle.xml"></head><body><h1>뉴스</h1></body></html>'
            ).encode(),
            headers={"Content-Type": "text/html; charset=utf-8"},
        )
        self.routes["/news/rss/allArticle.xml"] = lambda asked: _xml(
            _rss2("뉴스다오 전체기사", [("정책 소식 모음", "/news/articleView.html?idxno=1",
                                    "Wed, 30 Sep 2026 10:00:00 +0900", "<p>소식</p>", None)])
        )  # fmt: skip
        self.routes["/nofeed/"] = lambda asked: Answer(
            body=b"<!DOCTYPE html><html><head><title>x</title></head><body>x</body></html>",
            headers={"Content-Type": "text/html; charset=utf-8"},
        )

    def _mofe(self, asked: Asked) -> Answer:
        """Zone-less dates with a fraction; http links; no description at all."""
        items = [
            (r.title, f"{self.origin}/nw/nes/detailNesDtaView.do?searchNttId1=MOSF_{n:08d}",
             r.when.strftime("%Y-%m-%d %H:%M:%S.0"), None, None)
            for n, r in enumerate(RELEASES["재정경제부"])
        ]  # fmt: skip
        return _xml(_rss2("재정경제부 보도자료", items, guid=False))

    def _fsc(self, asked: Asked) -> Answer:
        """RSS 1.0 with dc:date, the link in CDATA, the channel repeated first; slow."""
        parts = [
            '<?xml version="1.0" encoding="UTF-8"?>',
            '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
            'xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">',
            f'<channel rdf:about="{self.origin}/no/list"><title>금융위원회 보도자료</title>'
            f"<link>{self.origin}/no/list</link><description>보도자료</description></channel>",
            f'<item rdf:about="{self.origin}/no/list"><title>금융위원회 보도자료</title>'
            f"<link><![CDATA[{self.origin}/no/list]]></link></item>",
        ]
        for n, r in enumerate(RELEASES["금융위원회"]):
            link = f"{self.origin}/no/view?srno={n + 100}&amp;no={n + 100}"
            parts.append(
                f'<item rdf:about="{link}"><title>{r.title}</title>'
                f"<link><![CDATA[ {link.replace('&amp;', '&')} ]]></link>"
                f"<dc:date>{r.when.isoformat()}</dc:date>"
                f"<description><![CDATA[{r.html()}]]></description></item>"
            )
        parts.append("</rdf:RDF>")
        answer = _xml("\n".join(parts))
        answer.delay = 0.2
        return answer

    def _molit(self, asked: Asked) -> Answer:
        """A 307 to itself that sets the gate's cookie; no browser-like User-Agent, no feed."""
        if not asked.headers.get("user-agent", "").startswith("Mozilla/"):
            return Answer(403, b"forbidden")
        if "TMOSHCooKie=" not in asked.headers.get("cookie", ""):
            cookie = f"TMOSHCooKie={secrets.token_hex(8)}; Path=/"
            return Answer(307, headers={"Location": asked.path, "Set-Cookie": cookie})
        items = [
            (r.title, f"/USR/NEWS/m_71/dtl.jsp?id={n + 95090000}",
             _rfc822(r.when), "<p>첨부파일을 참고하시기 바랍니다.</p>", None)
            for n, r in enumerate(RELEASES["국토교통부"])
        ]  # fmt: skip
        return _xml(_rss2("국토교통부 보도자료", items))

    def _msit(self, asked: Asked) -> Answer:
        """Dotted dates, the body in content:encoded with HWP/office debris and entities
        encoded twice; large, and slow to its first byte."""
        items = []
        for n, r in enumerate(RELEASES["과학기술정보통신부"]):
            body = HWP_DEBRIS + r.html().replace("·", "&amp;middot;")
            body = body.replace("연락처:", "연락처&amp;nbsp;:")
            items.append((r.title, f"/bbs/view.do?nttSeqNo={n + 3180000}",
                          r.when.strftime("%Y.%m.%d"), None, body))  # fmt: skip
        answer = _xml(_rss2("과학기술정보통신부 보도자료", items))
        answer.delay = self.first_byte
        return answer

    def _mohw(self, asked: Asked) -> Answer:
        items = [
            (r.title, f"/board.es?mid=a10503000000&bid=0027&act=view&list_no={n + 1488000}",
             r.when.astimezone(UTC).strftime("%a, %d %b %Y %H:%M:%S GMT"), r.html(), None)
            for n, r in enumerate(RELEASES["보건복지부"])
        ]  # fmt: skip
        return _xml(_rss2("보건복지부 보도자료", items))

    def _motir(self, asked: Asked) -> Answer:
        """GET is refused with 405, Allow: POST."""
        if asked.method != "POST":
            return Answer(405, b"", {"Allow": "POST"})
        items = [
            (r.title, f"/kor/article/ATCL3f49a5a8c/{n + 170000}/view", _rfc822(r.when),
             r.html(), None)
            for n, r in enumerate(RELEASES["산업통상부"])
        ]  # fmt: skip
        return _xml(_rss2("산업통상부 보도자료", items))

    def _mcee(self, asked: Asked) -> Answer:
        """Java dates; relative links with a jsessionid that changes on every request; no
        guid."""
        session = secrets.token_hex(16).upper()
        items = [
            (r.title, f"read.do;jsessionid={session}.node1?boardId={n + 1780000}&menuId=10598",
             r.when.strftime("%a %b %d %H:%M:%S KST %Y"), r.html(), None)
            for n, r in enumerate(RELEASES["기후에너지환경부"])
        ]  # fmt: skip
        return _xml(_rss2("기후에너지환경부 보도자료", items, guid=False))

    def _mofa(self, asked: Asked) -> Answer:
        """A cookie gate, and EUC-KR on the first answer, UTF-8 after."""
        if "JSESSIONID=" not in asked.headers.get("cookie", ""):
            gate = {"Location": asked.path, "Set-Cookie": "JSESSIONID=gate1; Path=/; HttpOnly"}
            return Answer(307, headers=gate)
        items = [
            (r.title, f"/www/brd/m_4080/view.do?seq={n + 376000}", _rfc822(r.when), r.html(),
             None)
            for n, r in enumerate(RELEASES["외교부"])
        ]  # fmt: skip
        if self._count("mofa") == 0:
            text = _rss2("외교부 보도자료", items, encoding="euc-kr")
            return Answer(body=text.encode("cp949"),
                          headers={"Content-Type": "text/xml; charset=euc-kr"})  # fmt: skip
        return _xml(_rss2("외교부 보도자료", items))

    def _mpm(self, asked: Asked) -> Answer:
        items = [
            (r.title, f"/board/view.do?boardId=bbs_0000000000000029&dataSid={n + 730000}",
             r.when.strftime("%Y-%m-%dT%H:%M:%S+0900"), r.html(), None)
            for n, r in enumerate(RELEASES["인사혁신처"])
        ]  # fmt: skip
        return _xml(_rss2("인사혁신처 보도자료", items))

    def _mss(self, asked: Asked) -> Answer:
        """No guid; a session token and tracking parameters that change on every request."""
        sid = secrets.token_hex(12)
        items = [
            (r.title,
             f"/site/smba/ex/bbs/View.do?cbIdx=86&bcIdx={n + 1050000}&sid={sid}"
             f"&utm_source=rss&utm_campaign=c{secrets.randbelow(1000)}",
             _rfc822(r.when), r.html(), None)
            for n, r in enumerate(RELEASES["중소벤처기업부"])
        ]  # fmt: skip
        return _xml(_rss2("중소벤처기업부 보도자료", items, guid=False))

    def _plain(self, body: str) -> Route:
        def route(asked: Asked) -> Answer:
            items = [
                (r.title, f"/press/view.do?id={n + 1}", _rfc822(r.when), r.html(), None)
                for n, r in enumerate(RELEASES[body])
            ]
            return _xml(_rss2(f"{body} 보도자료", items))

        return route


def _path(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def _rfc822(when: datetime) -> str:
    return when.strftime("%a, %d %b %Y %H:%M:%S +0900")


def _xml(text: str) -> Answer:
    return Answer(body=text.encode("utf-8"),
                  headers={"Content-Type": "application/rss+xml; charset=utf-8"})  # fmt: skip


def _rss2(
    title: str,
    items: list[tuple[str, str, str, str | None, str | None]],
    *,
    guid: bool = True,
    encoding: str = "utf-8",
) -> str:
    """RSS 2.0: each item (title, link, date, description, content:encoded)."""
    parts = [
        f'<?xml version="1.0" encoding="{encoding}"?>',
        '<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/">',
        f"<channel><title>{title}</title><link>http://127.0.0.1/</link>",
    ]
    for name, link, date, description, content in items:
        parts.append(f"<item><title>{name}</title><link>{link.replace('&', '&amp;')}</link>")
        if guid:
            parts.append(f'<guid isPermaLink="false">{link.replace("&", "&amp;")}</guid>')
        parts.append(f"<pubDate>{date}</pubDate>")
        if description is not None:
            parts.append(f"<description><![CDATA[{description}]]></description>")
        if content is not None:
            parts.append(f"<content:encoded><![CDATA[{content}]]></content:encoded>")
        parts.append("</item>")
    parts.append("</channel></rss>")
    return "\n".join(parts)


def expected_time(body: str, n: int) -> datetime:
    return RELEASES[body][n].when.astimezone(UTC)


def since(days: float) -> timedelta:
    return timedelta(days=days)
