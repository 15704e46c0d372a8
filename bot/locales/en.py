"""English: the same keys and fields as ``ko.py`` (a test compares them).

Command names and examples stay as users type them; Korean words in examples are kept where
the thing itself is Korean (topics, agencies, the news).
"""

from __future__ import annotations

MESSAGES: dict[str, str] = {
    # --- reading the input --------------------------------------------------------------
    "input.too_long": "That is too long. Please send at most {limit:,} characters.",
    "input.empty": "Please type a command. Send /help to see them all.",
    "unknown_command": "There is no '/{name}' command. Send /help to see them all.",
    "unknown_command.guess": "There is no '/{name}' command. Did you mean /{guess} ? "
    "Send /help to see them all.",
    "admins_only": "Sorry, only admins can change this chat's subscriptions and settings.",
    "chat_limit": "Sorry, this bot serves at most {limit:,} chats right now and cannot "
    "take another one.",
    "failure": "Sorry, something went wrong. Please try again in a moment.",
    "plain.hint": "Hello! I work with commands: /subscribe 반도체 follows a topic and "
    "/search 반도체 finds past news. Send /help to see everything.",
    "plain.hint_group": "Commands start with a slash, like /subscribe . Send /help to see them.",
    "plain.searched": "I searched for {query}.",
    # --- /start and /help -----------------------------------------------------------------
    "start": "Hello, I'm sokbo. I pick out Korean government press releases and tell you "
    "what they say, briefly.\nStart by following a topic, e.g. /subscribe 반도체 과기정통부\n\n"
    "{help}",
    "help.title": "How to use sokbo (every command has an English and a Korean name)",
    "help.footer": "For one command in detail, send e.g. /help subscribe",
    "help.names": "Names: {names}",
    "help.unknown": "There is no '{name}' command. Send /help for the list.",
    "cmd.start.summary": "what this bot does and how to use it",
    "cmd.start.detail": "Send it first: it introduces the bot and lists the commands.",
    "cmd.help.summary": "the commands, or one command in detail",
    "cmd.help.detail": "e.g. /help · /help subscribe · /help 시간",
    "cmd.subscribe.summary": "follow topics, agencies and keywords",
    "cmd.subscribe.detail": "e.g. /subscribe 반도체 AI 과기정통부\n"
    "Separate several with spaces or commas (/subscribe 반도체,AI).\n"
    "A leading - leaves out news with that word: -부동산\n"
    'Quote a keyword with spaces: /subscribe "탄소 중립"\n'
    "feed:3 follows everything from feed 3 (numbers in /sources).\n"
    "Without words it lists the topics. Topics: /topics, agencies: /agencies",
    "cmd.unsubscribe.summary": "stop following something (all: everything)",
    "cmd.unsubscribe.detail": "e.g. /unsubscribe 반도체 · /unsubscribe 반도체,AI · "
    "/unsubscribe all",
    "cmd.list.summary": "what this chat follows",
    "cmd.list.detail": "Shows the topics, agencies, keywords, left-out words and feeds this "
    "chat follows.",
    "cmd.mode.summary": "how news arrives: instant alerts, a daily digest, or both",
    "cmd.mode.detail": "e.g. /mode instant · /mode daily · /mode both\n"
    "Instant alerts come as soon as a story arrives; the daily digest comes once a day at "
    "your time.",
    "cmd.time.summary": "when the daily digest comes",
    "cmd.time.detail": "e.g. /time 7:30 · /time 7pm · /time 18:00 · /time 오전 7시\n"
    "Add a time zone at the end to change it: /time 7:30 KST · /time 18:00 Asia/Tokyo",
    "cmd.pause.summary": "stop messages for now",
    "cmd.pause.detail": "Instant alerts that arrive while paused are not sent. /resume "
    "turns them back on.",
    "cmd.resume.summary": "get messages again",
    "cmd.resume.detail": "Turns messages back on after /pause, or after the bot could not "
    "reach this chat.",
    "cmd.digest.summary": "the digest so far, right now",
    "cmd.digest.detail": "Collects the news matching this chat since the last digest (or "
    "the last day). The scheduled digest still comes.",
    "cmd.search.summary": "search past news",
    "cmd.search.detail": 'e.g. /search 딥테크 · /search "양자 컴퓨터" · /search 반도체 -수출\n'
    "Finds news with every word; -word leaves some out; particles are ignored "
    "(딥테크를 → 딥테크).\nIn a private chat you can send the words without /search.",
    "cmd.status.summary": "settings, next digest, feed health",
    "cmd.status.detail": "Shows what this chat follows, how news arrives, when the next "
    "digest comes, why it is paused, and how the feeds are doing.",
    "cmd.topics.summary": "the topics you can follow, with other names",
    "cmd.topics.detail": "Follow a topic by its name or any other name, e.g. /subscribe 인공지능",
    "cmd.agencies.summary": "the agencies you can follow, with other names",
    "cmd.agencies.detail": "Short and full names mean the same agency, e.g. "
    "/subscribe 과기정통부 = /subscribe 과학기술정보통신부",
    "cmd.sources.summary": "the feeds the bot reads, and their health",
    "cmd.sources.detail": "Each feed's number, name, and when it was last read or its error. "
    "To follow one feed: /subscribe feed:NUMBER",
    "cmd.lang.summary": "the reply language (한국어, English)",
    "cmd.lang.detail": "e.g. /lang en · /lang ko",
    # --- rules ----------------------------------------------------------------------------
    "rule.feed_format": "Write a feed as feed:NUMBER. The numbers are in /sources .",
    "rule.feed_missing": "There is no feed {number}. Check the numbers in /sources .",
    "rule.feed_name": "feed {number}",
    "rule.keyword_empty": "The keyword is empty.",
    "rule.keyword_long": "Keywords are at most {limit} characters ('{word}').",
    "rule.keyword_chars": "'{word}' has characters a keyword cannot have. Keywords use "
    "Hangul, Latin letters, digits and · & + # . - _ only.",
    # --- /subscribe, /unsubscribe, /list ----------------------------------------------------
    "subscribe.ask": "What would you like to follow? Pick a topic or write topics, keywords "
    "or agencies, e.g. /subscribe 반도체 과기정통부\nTopics: {topics}",
    "subscribe.added": "You now follow {items}.",
    "subscribe.excluded": "News mentioning {items} will be left out.",
    "subscribe.hint": "No story so far contains ‘{word}’. Did you mean ‘{closest}’? "
    "(/subscribe {closest})",
    "subscribe.hint_none": "No story so far contains ‘{word}’; you will hear when one does.",
    "subscribe.already": "You already follow {items}.",
    "subscribe.nothing": "Please write what to follow, e.g. /subscribe 반도체",
    "subscribe.too_many_words": "Only the first {limit} were read.",
    "subscribe.limit": "A chat can follow at most {limit} things. This chat follows {count}, "
    "so nothing was added. Remove some with /unsubscribe and try again.",
    "subscribe.paused_note": "Messages are paused. Send /resume to get them again.",
    "subscribe.announce": "{user} subscribed this chat to {items}.",
    "unsubscribe.ask": "What should I stop following? e.g. /unsubscribe 반도체 · everything: "
    "/unsubscribe all",
    "unsubscribe.none_yet": "This chat does not follow anything yet.",
    "unsubscribe.all_done": "Stopped following all {count}.",
    "unsubscribe.all_empty": "There was nothing to stop following.",
    "unsubscribe.all_announce": "{user} unsubscribed this chat from everything.",
    "unsubscribe.removed": "You no longer follow {items}.",
    "unsubscribe.missing": "You were not following {items}.",
    "unsubscribe.announce": "{user} unsubscribed this chat from {items}.",
    "list.empty": "This chat does not follow anything yet, e.g. /subscribe 반도체 과기정통부",
    "list.title": "Subscriptions",
    "list.kind.topic": "Topics",
    "list.kind.agency": "Agencies",
    "list.kind.keyword": "Keywords",
    "list.kind.exclude": "Left out",
    "list.kind.feed": "Feeds",
    "list.count": "This chat follows {count}; a chat can follow up to {limit}.",
    # --- /mode, /time, /pause, /resume ----------------------------------------------------
    "mode.ask": "How should news arrive? /mode instant (as soon as it comes), "
    "/mode daily (one digest a day), /mode both",
    "mode.name.instant": "instant alerts",
    "mode.name.daily": "daily digest",
    "mode.name.both": "instant alerts + daily digest",
    "mode.set": "News now arrives as {name}.",
    "mode.daily_at": "The daily digest comes every day at {when} ({zone}).",
    "time.usage": "I could not read that time. Try: /time 7:30 · /time 7pm · /time 18:00 · "
    "/time 7:30 Asia/Tokyo",
    "time.bad_zone": "{zone} is not a time zone I know. Write it like KST, UTC, Asia/Tokyo "
    "or America/New_York.",
    "time.at": "{when} ({zone})",
    "time.set": "The daily digest will come every day at {at}. The next one is {next}.",
    "time.set_instant": "The daily digest time is now {at}. This chat only gets instant "
    "alerts at the moment; send /mode both to get the digest too.",
    "pause.done": "Messages are paused. Send /resume to get them again.",
    "resume.done": "Messages are back on.",
    "clock.am": "AM",
    "clock.pm": "PM",
    "clock.midnight": "midnight",
    "clock.noon": "noon",
    "clock.hour": "{hour} {meridiem}",
    "clock.hour_minute": "{hour}:{minute:02d} {meridiem}",
    "date.weekdays": "Mon Tue Wed Thu Fri Sat Sun",
    "date.day": "{weekday} {month_name} {day}",
    "date.day_year": "{weekday} {month_name} {day}, {year}",
    "zone.Asia/Seoul": "Korea time",
    "zone.Asia/Tokyo": "Japan time",
    "zone.UTC": "UTC",
    # --- /digest, /search -----------------------------------------------------------------
    "digest.no_rules": "This chat does not follow anything, so there is nothing to digest. "
    "e.g. /subscribe 반도체",
    "digest.nothing_arrived": "No new stories since {since}: nothing new arrived from the feeds.",
    "digest.nothing_matched": "{count} new stories arrived since {since}, but none matches "
    "what this chat follows.",
    "search.ask": "What should I look for? e.g. /search 반도체 지원사업",
    "search.too_long": "Search for at most {limit} characters.",
    "search.none": "Nothing found for '{query}'.",
    "search.found": "{count} results for '{query}'.",
    "search.empty": "Please type what to search for, e.g. /search 딥테크",
    "search.query_too_long": "That search is too long ({count:,} characters). Use a few key "
    "words, at most {limit} characters.",
    "search.only_excluded": "There are only words to leave out. Add a word to find, e.g. "
    "반도체 -수출",
    "search.no_words": "There is no word to search for. Use Hangul, Latin letters or digits, "
    "e.g. 양자",
    "search.one_syllable": "One letter is too short to search. Use two or more, e.g. 특구",
    "search.too_many_terms": "Too many words: at most {terms} to find and {excluded} to leave out.",
    "search.too_many_tokens": "That search is too long. Try a few key words.",
    "search.timeout": "The search took too long and was stopped. Try more specific words.",
    "search.date_range": "Please give a date between the years {first} and {last} (got {date}).",
    "search.bad_period": "The period is wrong: the start is after the end.",
    "search.unknown_agency": "No agency called '{agency}', e.g. 과기정통부, 중기부 (list: "
    "/agencies )",
    "search.unknown_topic": "No topic called '{topic}'. Topics: {topics}",
    # --- /status, /sources, /topics, /agencies, /lang -------------------------------------
    "status.unregistered": "This chat is not registered yet. Start with /subscribe .",
    "status.no_rules": "This chat does not follow anything yet.",
    "status.mode": "News arrives as: {mode}",
    "status.paused_gone": "Status: paused — the bot could not send messages to this chat "
    "({reason}). Send /resume to get them again.",
    "status.paused_user": "Status: paused with /pause . Send /resume to get messages again.",
    "status.next_digest": "Next digest: {when}",
    "status.daily_off": "Daily digest: off. Turned on it comes every day at {at} (/mode both).",
    "status.language": "Language: {name} (/lang ko for Korean)",
    "feeds.none": "Feeds: none yet.",
    "feeds.head": "All {total} feeds are working.",
    "feeds.head_failing": "{ok} of {total} feeds are working, {failing} failing.",
    "feeds.ok": "ok",
    "feeds.failing": "{count} errors",
    "feeds.more": "and {count} more",
    "sources.none": "The bot reads no feeds yet.",
    "sources.title": "The bot reads {count} feeds.",
    "sources.ok": "ok (last read {when})",
    "sources.failing": "failed {count} times in a row ({error})",
    "sources.emptied": "silent: it had items and now has none",
    "sources.empty": "silent: 0 items",
    "sources.quiet": "silent: nothing new for {days} days",
    "sources.quiet_usual": "silent: nothing new for {days} days (usually every {hours} hours)",
    "sources.ended": "{service} ended on {date}; instead: {instead}",
    "sources.never": "not read yet",
    "sources.footer": "To follow one feed, send /subscribe feed:NUMBER",
    "topics.title": "Topics you can follow (other names in brackets).",
    "topics.footer": "e.g. /subscribe 반도체 · /subscribe 인공지능",
    "agencies.title": "{count} agencies you can follow (other names in brackets).",
    "agencies.footer": "e.g. /subscribe 과기정통부 · /subscribe MSIT",
    "lang.ask": "I am answering in {name}. To change, send /lang ko (한국어) or /lang en "
    "(English).",
    "lang.set": "I'll answer in English from now on.",
    "lang.unknown": "{value} is not a language I know. Write ko (한국어) or en (English).",
    "lang.name.ko": "Korean",
    "lang.name.en": "English",
    # --- rendered messages (alerts, digests, search results) -------------------------------
    "render.alert.prefix": "[News]",
    "render.agencies": "Agencies",
    "render.topics": "Topics",
    "render.contact": "Contact",
    "render.contacts": "Contacts",
    "render.source": "Source",
    "render.sources_list": "{count} sources: {names}",
    "render.sources_more": "and {count} more",
    "render.original": "Original",
    "render.open_original": "Read the original",
    "render.link": "link",
    "render.untitled": "(untitled)",
    "render.empty": "(empty)",
    "render.digest.title": "[Today's policy briefing] {date}",
    "render.digest.title_short": "📰 Policy briefing, {month_name} {day}",
    "render.digest.title_slack": "Today's policy news — {weekday} {month_name} {day}",
    "render.digest.date": "{weekday} {year}-{month:02d}-{day:02d}",
    "render.digest.empty": "No new stories on your topics today.",
    "render.digest.omitted": "and {count} more",
    "render.digest.omitted_search": "{count} more: find them with `/sokbo search`",
    "render.digest.reports": "{count} reports",
    "render.digest.sources": "{count} sources",
    "render.digest.section_count": "{count}",
    "render.digest.total": "{count} in all",
    "render.digest.timezone": "Time zone: {zone}",
    "render.continued": "(continued)",
    "render.search.none": "No results for '{query}'.",
    "render.search.title": "Results for '{query}'",
    "render.search.title_range": "Results for ‘{query}’ {start}–{end}",
    "render.search.title_quoted": "Results for ‘{query}’",
    "render.search.more": "(more: next page)",
    "render.search.more_slack": "There are more results. Try narrower words.",
    "render.time": "{month_name} {day} {hhmm} KST",
    "render.time_unknown": "time unknown",
    "render.release": "press release",
    "render.time_year": "{month_name} {day}, {year} {hhmm} KST",
    "render.more_people": "and {count} more",
    "render.all_contacts": "All contacts",
    "render.all_contacts_count": "All contacts ({count})",
    # --- chat adapters --------------------------------------------------------------------
    "adapter.trouble": "Something went wrong. Please try again in a moment.",
    "adapter.button_gone": "This button no longer works.",
    "adapter.button_unknown": "Unknown button.",
    "adapter.topic_gone": "That topic no longer exists.",
    "adapter.search_expired": "This button no longer works. Search again with /search .",
    "adapter.contacts_gone": "The contacts of this story are no longer available.",
    "adapter.too_many": "You are sending commands too often. Please wait {seconds} s and try "
    "again.",
    "adapter.previous": "◀ Previous",
    "adapter.next": "Next ▶",
    "adapter.slack_invite": "To get alerts in a channel, invite the bot there (/invite @sokbo).",
    # why a chat was paused (stored with the chat, shown by /status)
    "pause.slack.channel_not_found": "The Slack channel was not found (channel_not_found)",
    "pause.slack.not_in_channel": "The bot is not in the Slack channel. Invite it there "
    "(not_in_channel)",
    "pause.slack.is_archived": "The Slack channel was archived (is_archived)",
    "pause.slack.account_inactive": "The Slack bot account is inactive (account_inactive)",
    "pause.slack.invalid_auth": "The Slack token is not valid (invalid_auth)",
    "pause.slack.token_revoked": "The Slack token was revoked (token_revoked)",
    "pause.slack.team_access_not_granted": "No access to the Slack workspace "
    "(team_access_not_granted)",
}
