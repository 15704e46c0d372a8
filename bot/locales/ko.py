"""Korean (the default): every sentence users read, in 해요체.

Conventions: a command inside a sentence is followed by a space so it stays tappable
(``/resume 을 보내면``); a particle after a value is a format spec (``{items:을/를}``);
user input is echoed in single quotes; no fragments ("이미 구독 중: …") — whole sentences.
"""

from __future__ import annotations

MESSAGES: dict[str, str] = {
    # --- reading the input --------------------------------------------------------------
    "input.too_long": "입력이 너무 길어요. {limit:,}자 이내로 보내 주세요.",
    "input.empty": "명령을 입력해 주세요. 사용법은 /help 를 보내 주세요.",
    "unknown_command": "'/{name}' 명령은 없어요. 사용법은 /help 를 보내 주세요.",
    "unknown_command.guess": "'/{name}' 명령은 없어요. 혹시 /{guess} 를 찾으셨나요? "
    "전체 사용법은 /help 를 보내 주세요.",
    "admins_only": "죄송해요, 이 대화방의 구독과 설정은 관리자만 바꿀 수 있어요.",
    "chat_limit": "죄송해요, 이 봇은 지금 대화방 {limit:,}곳까지만 받을 수 있어서 "
    "더 등록할 수 없어요.",
    "failure": "죄송해요, 처리하다 문제가 생겼어요. 잠시 뒤에 다시 해 주세요.",
    "plain.hint": "안녕하세요! 저는 명령으로 움직여요. /subscribe 반도체 로 구독하고, "
    "/search 반도체 로 지난 소식을 찾을 수 있어요. 전체 사용법은 /help 를 보내 주세요.",
    "plain.hint_group": "명령은 /subscribe 처럼 / 로 시작해요. 사용법은 /help 를 보내 주세요.",
    "plain.searched": "{query:으로/로} 검색해 봤어요.",
    # --- /start and /help -----------------------------------------------------------------
    "start": "안녕하세요, 속보 봇이에요. 정부 정책 보도자료를 골라 짧게 요약해 알려 드려요.\n"
    "먼저 관심 있는 주제를 구독해 보세요. 예) /subscribe 반도체 과기정통부\n\n{help}",
    "help.title": "속보 봇 사용법 (영어 이름과 한글 이름 어느 쪽이든 쓸 수 있어요)",
    "help.footer": "명령 하나를 자세히 보려면 /help 구독 처럼 보내 주세요.",
    "help.names": "이름: {names}",
    "help.unknown": "'{name}' 명령은 없어요. 명령 목록은 /help 를 보내 주세요.",
    "cmd.start.summary": "봇 소개와 사용법을 보여 드려요",
    "cmd.start.detail": "처음 쓰실 때 보내 주세요. 봇을 소개하고 명령 목록을 보여 드려요.",
    "cmd.help.summary": "명령 목록, 또는 명령 하나의 자세한 설명",
    "cmd.help.detail": "예) /help · /help 구독 · /help time",
    "cmd.subscribe.summary": "주제·기관·키워드를 구독해요",
    "cmd.subscribe.detail": "예) /subscribe 반도체 AI 과기정통부\n"
    "여러 개는 띄어쓰기나 쉼표로 나눠요 (/subscribe 반도체,AI).\n"
    "-부동산 처럼 앞에 -를 붙이면 그 단어가 든 소식은 빼요.\n"
    '띄어쓰기가 있는 키워드는 따옴표로 묶어요 (/subscribe "탄소 중립").\n'
    "feed:3 은 3번 피드의 소식을 모두 받아요 (번호는 /sources).\n"
    "아무것도 적지 않으면 주제 목록을 보여 드려요. 주제는 /topics, 기관은 /agencies",
    "cmd.unsubscribe.summary": "구독을 해지해요 (all: 모두)",
    "cmd.unsubscribe.detail": "예) /unsubscribe 반도체 · /해지 반도체,AI · /unsubscribe all",
    "cmd.list.summary": "구독 중인 것을 보여 드려요",
    "cmd.list.detail": "이 대화방이 구독하는 주제·기관·키워드·제외어·피드를 보여 드려요.",
    "cmd.mode.summary": "받는 방식: 즉시 알림, 매일 요약, 둘 다",
    "cmd.mode.detail": "예) /mode 즉시 · /mode 매일 · /mode 둘다\n"
    "(instant, daily, both 도 돼요) 즉시 알림은 새 소식이 오면 바로, "
    "매일 요약은 정한 시각에 하루 한 번 보내 드려요.",
    "cmd.time.summary": "매일 요약을 받을 시각",
    "cmd.time.detail": "예) /time 오전 7시 · /time 7시 30분 · /time 오후 6시 반 · /time 18:00\n"
    "시간대도 바꾸려면 끝에 적어요: /time 7:30 KST · /time 18:00 Asia/Tokyo",
    "cmd.pause.summary": "알림을 잠시 멈춰요",
    "cmd.pause.detail": "멈춘 동안 온 즉시 알림은 보내지 않아요. /resume 으로 다시 받아요.",
    "cmd.resume.summary": "알림을 다시 받아요",
    "cmd.resume.detail": "/pause 로 멈췄거나, 봇이 메시지를 보낼 수 없어 멈췄던 알림을 다시 켜요.",
    "cmd.digest.summary": "지금까지의 요약을 바로 보여 드려요",
    "cmd.digest.detail": "지난 요약 이후(처음이면 하루 동안) 구독에 맞는 소식을 모아 보여 드려요. "
    "정해진 시각의 요약은 그대로 와요.",
    "cmd.search.summary": "지난 소식을 찾아요",
    "cmd.search.detail": '예) /search 딥테크 · /search "양자 컴퓨터" · /search 반도체 -수출\n'
    "모든 단어가 들어간 소식을 찾고, -단어는 빼요. 조사는 빼고 찾아요 (딥테크를 → 딥테크).\n"
    "개인 대화에서는 /search 없이 단어만 보내도 찾아 드려요.",
    "cmd.status.summary": "설정, 다음 요약 시각, 피드 상태",
    "cmd.status.detail": "이 대화방의 구독, 받는 방식, 다음 요약 시각, 멈춘 까닭, "
    "피드 상태를 보여 드려요.",
    "cmd.topics.summary": "구독할 수 있는 주제와 다른 이름",
    "cmd.topics.detail": "주제 이름이나 다른 이름으로 구독할 수 있어요. 예) /subscribe 인공지능",
    "cmd.agencies.summary": "구독할 수 있는 기관과 다른 이름",
    "cmd.agencies.detail": "줄임말이든 정식 이름이든 같은 기관이에요. "
    "예) /subscribe 과기정통부 = /subscribe 과학기술정보통신부",
    "cmd.sources.summary": "읽고 있는 피드와 상태",
    "cmd.sources.detail": "피드마다 번호, 이름, 마지막으로 잘 읽은 때나 오류를 보여 드려요. "
    "한 피드만 받으려면 /subscribe feed:번호",
    "cmd.lang.summary": "답하는 언어 (한국어, English)",
    "cmd.lang.detail": "예) /lang en · /lang ko · /언어 영어",
    # --- rules ----------------------------------------------------------------------------
    "rule.feed_format": "피드는 feed:번호 로 적어 주세요. 번호는 /sources 에서 볼 수 있어요.",
    "rule.feed_missing": "{number}번 피드는 없어요. /sources 에서 피드 번호를 확인해 주세요.",
    "rule.feed_name": "{number}번 피드",
    "rule.keyword_empty": "키워드가 비어 있어요.",
    "rule.keyword_long": "키워드는 {limit}자 이내로 적어 주세요. ('{word}')",
    "rule.keyword_chars": "'{word}'에는 쓸 수 없는 문자가 있어요. "
    "키워드에는 한글, 영문, 숫자와 · & + # . - _ 만 쓸 수 있어요.",
    # --- /subscribe, /unsubscribe, /list ----------------------------------------------------
    "subscribe.ask": "무엇을 구독할까요? 주제를 고르거나 /subscribe 반도체 과기정통부 처럼 "
    "주제·키워드·기관을 적어 주세요.\n주제: {topics}",
    "subscribe.added": "{items:을/를} 구독했어요.",
    "subscribe.excluded": "{items:이/가} 들어간 소식은 빼고 보내 드릴게요.",
    "subscribe.hint": "지금까지 받은 소식에는 {word:이/가} 없어요. {closest:으로/로} 구독할까요? "
    "(/subscribe {closest})",
    "subscribe.hint_none": "지금까지 받은 소식에는 {word:이/가} 없어요. 나오면 알려 드릴게요.",
    "subscribe.already": "{items:은/는} 이미 구독 중이에요.",
    "subscribe.nothing": "구독할 것을 적어 주세요. 예) /subscribe 반도체",
    "subscribe.too_many_words": "한 번에 {limit}개까지만 처리했어요.",
    "subscribe.limit": "구독은 대화방마다 {limit}개까지 할 수 있어요. 지금 {count}개를 구독하고 "
    "있어서 더 추가하지 않았어요. /unsubscribe 로 몇 개를 지운 뒤 다시 해 주세요.",
    "subscribe.paused_note": "알림이 멈춰 있어요. /resume 을 보내면 다시 받을 수 있어요.",
    "subscribe.announce": "{user}님이 {items:을/를} 구독했어요.",
    "unsubscribe.ask": "무엇을 해지할까요? 예) /unsubscribe 반도체 · 모두 해지하려면 "
    "/unsubscribe all",
    "unsubscribe.none_yet": "아직 구독한 것이 없어요.",
    "unsubscribe.all_done": "구독 {count}개를 모두 해제했어요.",
    "unsubscribe.all_empty": "해제할 구독이 없어요.",
    "unsubscribe.all_announce": "{user}님이 구독을 모두 해제했어요.",
    "unsubscribe.removed": "{items} 구독을 해제했어요.",
    "unsubscribe.missing": "{items:은/는} 구독 중이 아니에요.",
    "unsubscribe.announce": "{user}님이 {items} 구독을 해제했어요.",
    "list.empty": "아직 구독한 것이 없어요. 예) /subscribe 반도체 과기정통부",
    "list.title": "구독 목록",
    "list.kind.topic": "주제",
    "list.kind.agency": "기관",
    "list.kind.keyword": "키워드",
    "list.kind.exclude": "빼는 단어",
    "list.kind.feed": "피드",
    "list.count": "지금 {count}개를 구독하고 있어요. 대화방마다 {limit}개까지 구독할 수 있어요.",
    # --- /mode, /time, /pause, /resume ----------------------------------------------------
    "mode.ask": "받는 방식을 골라 주세요: /mode 즉시 (새 소식이 오면 바로), "
    "/mode 매일 (하루 한 번 요약), /mode 둘다",
    "mode.name.instant": "즉시 알림",
    "mode.name.daily": "매일 요약",
    "mode.name.both": "즉시 알림 + 매일 요약",
    "mode.set": "받는 방식을 {name:으로/로} 바꿨어요.",
    "mode.daily_at": "매일 {when}({zone})에 요약을 보내 드릴게요.",
    "time.usage": "시각을 알아듣지 못했어요. 이렇게 보내 주세요: /time 오전 7시 · "
    "/time 7시 30분 · /time 오후 6시 반 · /time 18:00 · /time 7:30 Asia/Tokyo",
    "time.bad_zone": "{zone:은/는} 모르는 시간대예요. KST, UTC, Asia/Tokyo, America/New_York "
    "처럼 적어 주세요.",
    "time.at": "{when}({zone})",
    "time.set": "매일 {at}에 요약을 보내 드릴게요. 다음 요약은 {next:이에요/예요}.",
    "time.set_instant": "매일 요약 시각을 {at:으로/로} 정했어요. 지금은 즉시 알림만 받고 있어요. "
    "매일 요약도 받으려면 /mode 둘다 를 보내 주세요.",
    "pause.done": "알림을 멈췄어요. /resume 을 보내면 다시 받을 수 있어요.",
    "resume.done": "알림을 다시 보내 드릴게요.",
    "clock.am": "오전",
    "clock.pm": "오후",
    "clock.midnight": "자정",
    "clock.noon": "정오",
    "clock.hour": "{meridiem} {hour}시",
    "clock.hour_minute": "{meridiem} {hour}시 {minute}분",
    "date.weekdays": "월 화 수 목 금 토 일",
    "date.day": "{month}월 {day}일({weekday})",
    "date.day_year": "{year}년 {month}월 {day}일({weekday})",
    "zone.Asia/Seoul": "한국 시간",
    "zone.Asia/Tokyo": "일본 시간",
    "zone.UTC": "UTC",
    # --- /digest, /search -----------------------------------------------------------------
    "digest.no_rules": "구독한 것이 없어서 요약할 소식이 없어요. 예) /subscribe 반도체",
    "digest.nothing_arrived": "{since} 이후 새 소식이 없어요. 피드에 새로 올라온 글이 없었어요.",
    "digest.nothing_matched": "{since} 이후 새 소식이 {count}건 들어왔지만, "
    "구독하신 것과 맞는 소식은 없었어요.",
    "search.ask": "찾을 말을 적어 주세요. 예) /search 반도체 지원사업",
    "search.too_long": "검색어는 {limit}자 이내로 적어 주세요.",
    "search.none": "'{query}'에 맞는 소식을 찾지 못했어요.",
    "search.found": "'{query}' 검색 결과 {count}건이에요.",
    "search.empty": "검색어를 입력해 주세요. 예) /search 딥테크",
    "search.query_too_long": "검색어가 너무 길어요({count:,}자). {limit}자 이내의 핵심 단어로 "
    "다시 검색해 주세요.",
    "search.only_excluded": "빼는 단어만 있어요. 찾을 단어를 함께 적어 주세요. 예) 반도체 -수출",
    "search.no_words": "검색할 단어가 없어요. 한글, 영문이나 숫자로 된 단어를 적어 주세요. "
    "예) 양자",
    "search.one_syllable": "한 글자로는 검색할 수 없어요. 두 글자 이상으로 적어 주세요. 예) 특구",
    "search.too_many_terms": "단어가 너무 많아요. 찾을 단어는 {terms}개, 빼는 단어는 "
    "{excluded}개까지 쓸 수 있어요.",
    "search.too_many_tokens": "검색어가 너무 길어요. 핵심 단어 몇 개로 줄여서 다시 검색해 주세요.",
    "search.timeout": "검색이 너무 오래 걸려서 멈췄어요. 더 구체적인 단어로 다시 검색해 주세요.",
    "search.date_range": "날짜는 {first}년부터 {last}년 사이로 적어 주세요 (받은 값: {date}).",
    "search.bad_period": "기간이 잘못됐어요. 시작일이 종료일보다 늦어요.",
    "search.unknown_agency": "'{agency}' 기관을 찾지 못했어요. 예) 과기정통부, 중기부 "
    "(목록은 /agencies)",
    "search.unknown_topic": "'{topic}' 주제를 찾지 못했어요. 주제: {topics}",
    # --- /status, /sources, /topics, /agencies, /lang -------------------------------------
    "status.unregistered": "아직 등록되지 않은 대화방이에요. /subscribe 로 시작해 보세요.",
    "status.no_rules": "아직 구독한 것이 없어요.",
    "status.mode": "받는 방식: {mode}",
    "status.paused_gone": "상태: 멈춤 — 봇이 이 대화방에 메시지를 보낼 수 없어서 멈췄어요 "
    "({reason}). /resume 을 보내면 다시 받을 수 있어요.",
    "status.paused_user": "상태: 멈춤 — /pause 로 멈췄어요. /resume 을 보내면 다시 받을 수 있어요.",
    "status.next_digest": "다음 요약: {when}",
    "status.daily_off": "매일 요약: 꺼져 있어요. 켜면 매일 {at}에 보내 드려요 (/mode 둘다).",
    "status.language": "언어: {name} (/lang en 으로 영어)",
    "feeds.none": "피드: 아직 없어요.",
    "feeds.head": "피드 {total}개 모두 정상이에요.",
    "feeds.head_failing": "피드 {total}개 중 {ok}개 정상, {failing}개 오류예요.",
    "feeds.ok": "정상",
    "feeds.failing": "오류 {count}회",
    "feeds.more": "외 {count}개",
    "sources.none": "아직 읽는 피드가 없어요.",
    "sources.title": "읽고 있는 피드 {count}개예요.",
    "sources.ok": "정상 (마지막으로 읽은 때: {when})",
    "sources.failing": "{count}번 연속 실패 ({error})",
    "sources.emptied": "조용함: 전에는 글이 있었는데 지금은 0개예요",
    "sources.empty": "조용함: 글이 0개예요",
    "sources.quiet": "조용함: {days}일째 새 글이 없어요",
    "sources.quiet_usual": "조용함: {days}일째 새 글이 없어요 (평소엔 약 {hours}시간마다)",
    "sources.ended": "{service}는 {date}에 끝났어요 (대신: {instead})",
    "sources.never": "아직 읽지 않았어요",
    "sources.footer": "한 피드만 받으려면 /subscribe feed:번호 를 보내 주세요.",
    "topics.title": "구독할 수 있는 주제예요 (괄호 안은 같은 뜻으로 쓸 수 있는 말이에요).",
    "topics.footer": "예) /subscribe 반도체 · /subscribe 인공지능",
    "agencies.title": "구독할 수 있는 기관 {count}곳이에요 "
    "(괄호 안은 같은 기관의 다른 이름이에요).",
    "agencies.footer": "예) /subscribe 과기정통부 · /subscribe 중소벤처기업부",
    "lang.ask": "지금은 {name:으로/로} 답하고 있어요. 바꾸려면 /lang ko (한국어) 또는 "
    "/lang en (English) 을 보내 주세요.",
    "lang.set": "이제 한국어로 답할게요.",
    "lang.unknown": "{value:은/는} 모르는 언어예요. ko(한국어)나 en(English)으로 적어 주세요.",
    "lang.name.ko": "한국어",
    "lang.name.en": "English",
    # --- rendered messages (alerts, digests, search results) -------------------------------
    "render.alert.prefix": "[속보]",
    "render.agencies": "기관",
    "render.topics": "주제",
    "render.contact": "문의",
    "render.contacts": "문의처",
    "render.source": "출처",
    "render.sources_list": "출처 {count}곳: {names}",
    "render.sources_more": "외 {count}곳",
    "render.original": "원문",
    "render.open_original": "원문 보기",
    "render.link": "링크",
    "render.untitled": "(제목 없음)",
    "render.empty": "(내용 없음)",
    "render.digest.title": "[오늘의 정책 브리핑] {date}",
    "render.digest.title_short": "📰 {month}월 {day}일 정책 브리핑",
    "render.digest.title_slack": "오늘의 정책 속보 — {month}월 {day}일 ({weekday})",
    "render.digest.date": "{year}년 {month}월 {day}일 ({weekday})",
    "render.digest.empty": "오늘은 구독하신 주제의 새 소식이 없어요.",
    "render.digest.omitted": "외 {count}건",
    "render.digest.omitted_search": "외 {count}건은 `/sokbo search`로 찾아보세요",
    "render.digest.reports": "보도 {count}건",
    "render.digest.sources": "출처 {count}곳",
    "render.digest.section_count": "{count}건",
    "render.digest.total": "총 {count}건",
    "render.digest.timezone": "시간대: {zone}",
    "render.continued": "(이어서)",
    "render.search.none": "'{query}' 검색 결과가 없어요.",
    "render.search.title": "'{query}' 검색 결과",
    "render.search.title_range": "‘{query}’ 검색 결과 {start}–{end}",
    "render.search.title_quoted": "‘{query}’ 검색 결과",
    "render.search.more": "(더 보기: 다음 페이지)",
    "render.search.more_slack": "결과가 더 있어요. 검색어를 좁혀 보세요.",
    "render.time": "{month}월 {day}일 {hhmm} KST",
    "render.time_year": "{year}년 {month}월 {day}일 {hhmm} KST",
    "render.time_unknown": "시각 미상",
    "render.release": "보도자료",
    "render.more_people": "외 {count}명",
    "render.all_contacts": "문의처 전체",
    "render.all_contacts_count": "문의처 전체 ({count}명)",
    # --- chat adapters --------------------------------------------------------------------
    "adapter.trouble": "잠시 문제가 생겼어요. 잠시 뒤에 다시 해 주세요.",
    "adapter.button_gone": "이 버튼은 이제 쓸 수 없어요.",
    "adapter.button_unknown": "알 수 없는 버튼이에요.",
    "adapter.topic_gone": "이제 없는 주제예요.",
    "adapter.search_expired": "이 버튼은 더 이상 쓸 수 없어요. /search 로 다시 검색해 주세요.",
    "adapter.contacts_gone": "이 소식의 문의처를 찾을 수 없어요.",
    "adapter.too_many": "명령을 너무 자주 보내고 있어요. {seconds}초 뒤에 다시 보내 주세요.",
    "adapter.previous": "◀ 이전",
    "adapter.next": "다음 ▶",
    "adapter.slack_invite": "채널에 알림을 보내려면 봇을 채널에 초대해 주세요 (/invite @sokbo).",
    # why a chat was paused (stored with the chat, shown by /status; Korean, see pause.*)
    "pause.slack.channel_not_found": "Slack 채널을 찾을 수 없어요 (channel_not_found)",
    "pause.slack.not_in_channel": "봇이 Slack 채널에 없어요. 채널에 봇을 초대해 주세요 "
    "(not_in_channel)",
    "pause.slack.is_archived": "Slack 채널이 보관(archive)됐어요 (is_archived)",
    "pause.slack.account_inactive": "Slack 봇 계정이 비활성화됐어요 (account_inactive)",
    "pause.slack.invalid_auth": "Slack 토큰이 유효하지 않아요 (invalid_auth)",
    "pause.slack.token_revoked": "Slack 토큰이 취소됐어요 (token_revoked)",
    "pause.slack.team_access_not_granted": "Slack 워크스페이스에 접근할 권한이 없어요 "
    "(team_access_not_granted)",
}
