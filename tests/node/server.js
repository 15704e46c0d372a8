'use strict';
/*
 * Test-only Telegram Bot API emulator for sokbo.
 *
 * telegram-test-api 4.2.1 plays the Telegram servers; this wrapper (our own code) puts
 * corrected routes in front of the package's exported route list so python-telegram-bot 22
 * accepts the answers (getMe.is_bot, dates in seconds, editMessageText returning the message,
 * callback queries with chat_instance, real long polling with offsets), adds the methods the
 * bot calls (setMyCommands, getMyCommands, getChatMember, my_chat_member updates, webhook with
 * secret token), checks what real Telegram checks (4,096 characters after entity parsing, valid
 * HTML), and adds /control routes that script failures: 429 retry_after, 403 blocked,
 * 400 chat not found, 400 migrate_to_chat_id, a random 429 rate, and Telegram-like rate limits.
 *
 * Start: node server.js PORT   (prints "listening PORT" when ready)
 */

const axios = require('axios');
const debug = require('debug');
const routeIndex = require('telegram-test-api/lib/routes/index');
const requestLogger = require('telegram-test-api/lib/modules/requestLogger');
const TelegramServer = require('telegram-test-api');

// The package's request logger JSON-encodes every request (headers and body) even when its
// debug channel is off; under load that was a large share of the emulator's CPU. Keep it only
// when DEBUG asks for it.
if (!debug.enabled('TelegramServer:request')) requestLogger.requestLogger = (req, res, next) => next();

const ALLOWED_TAGS = new Set([
  'b', 'strong', 'i', 'em', 'u', 'ins', 's', 'strike', 'del', 'span', 'tg-spoiler', 'a',
  'code', 'pre', 'blockquote', 'tg-emoji',
]);
const NAMED_ENTITIES = { lt: '<', gt: '>', amp: '&', quot: '"' };

/** Parse Telegram HTML like the Bot API does: the visible text, or an error string. */
function parseTelegramHtml(html) {
  const stack = [];
  let text = '';
  let i = 0;
  while (i < html.length) {
    const ch = html[i];
    if (ch === '<') {
      const end = html.indexOf('>', i);
      if (end < 0) return { error: `Can't parse entities: unclosed start tag at byte offset ${i}` };
      const inner = html.slice(i + 1, end);
      const m = /^(\/?)([a-z-]+)(\s[^<>]*)?$/.exec(inner);
      if (!m || !ALLOWED_TAGS.has(m[2])) {
        return { error: `Can't parse entities: unsupported start tag "${inner}" at byte offset ${i}` };
      }
      if (m[1]) {
        if (stack.pop() !== m[2]) {
          return { error: `Can't parse entities: can't find end tag corresponding to start tag "${m[2]}"` };
        }
      } else {
        stack.push(m[2]);
      }
      i = end + 1;
    } else if (ch === '&') {
      const m = /^&(#x[0-9a-fA-F]+|#[0-9]+|[a-z]+);/.exec(html.slice(i, i + 12));
      if (!m) return { error: `Can't parse entities: unexpected & at byte offset ${i}` };
      const name = m[1];
      if (name.startsWith('#x')) text += String.fromCodePoint(parseInt(name.slice(2), 16));
      else if (name.startsWith('#')) text += String.fromCodePoint(parseInt(name.slice(1), 10));
      else if (name in NAMED_ENTITIES) text += NAMED_ENTITIES[name];
      else return { error: `Can't parse entities: unsupported entity "&${name};"` };
      i += m[0].length;
    } else if (ch === '>') {
      return { error: `Can't parse entities: unexpected > at byte offset ${i}` };
    } else {
      text += ch;
      i += 1;
    }
  }
  if (stack.length) return { error: `Can't parse entities: can't find end tag corresponding to start tag "${stack[stack.length - 1]}"` };
  return { text };
}

/** A small seeded PRNG so a "30 % of sends answer 429" run is reproducible. */
function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const seconds = (ms) => Math.floor(ms / 1000);

class CompatServer extends TelegramServer {
  constructor(config) {
    super(config);
    this.control = freshControl();
  }

  botUser(token) {
    const id = Number(String(token).split(':')[0]) || 666;
    return { id, is_bot: true, first_name: 'Sokbo Test Bot', username: 'SokboTestBot' };
  }

  chatInfo(chatId) {
    const known = this.control.chats.get(String(chatId));
    return known || { id: Number(chatId), type: 'private', first_name: 'User' };
  }

  rememberChat(chat) {
    if (chat && chat.id !== undefined) this.control.chats.set(String(chat.id), chat);
  }

  /** A stored bot message as the Bot API's Message object. */
  formatBotMessage(stored) {
    const m = stored.message;
    const out = {
      message_id: stored.messageId,
      date: seconds(stored.time),
      chat: this.chatInfo(m.chat_id),
      from: this.botUser(stored.botToken),
      text: m.text,
    };
    if (m.message_thread_id) {
      out.message_thread_id = Number(m.message_thread_id);
      out.is_topic_message = true;
    }
    if (m.reply_markup && m.reply_markup.inline_keyboard) out.reply_markup = m.reply_markup;
    if (m.edit_date) out.edit_date = m.edit_date;
    return out;
  }

  /** A stored user update as the Bot API's Update object (dates in seconds). */
  formatUserUpdate(update) {
    if (update.myChatMember) {
      return { update_id: update.updateId, my_chat_member: update.myChatMember };
    }
    if (update.callbackQuery) {
      const cq = update.callbackQuery;
      const message = { ...cq.message };
      if (message.date > 1e11) message.date = seconds(message.date);
      const chatId = message.chat ? message.chat.id : 0;
      return {
        update_id: update.updateId,
        callback_query: {
          id: String(update.callbackId),
          from: cq.from,
          message,
          chat_instance: String(cq.chat_instance || `ci${chatId}`),
          data: cq.data,
        },
      };
    }
    const message = { ...update.message, message_id: update.messageId };
    delete message.botToken;
    if (!message.date) message.date = seconds(update.time);
    if (message.date > 1e11) message.date = seconds(message.date);
    return { update_id: update.updateId, message };
  }

  async addUserUpdate(update) {
    if (update.message && update.message.chat) this.rememberChat(update.message.chat);
    const webhook = this.webhooks[update.botToken];
    if (webhook) {
      const headers = {};
      if (webhook.secret_token) headers['X-Telegram-Bot-Api-Secret-Token'] = webhook.secret_token;
      const resp = await axios({
        url: webhook.url, method: 'POST', data: this.formatUserUpdate(update), headers,
        validateStatus: () => true,
      });
      this.control.webhookStatuses.push(resp.status);
    } else {
      this.storage.userMessages.push(update);
      this.emit('QueuedUserUpdate');
    }
    this.updateId++;
  }

  /** Telegram-side checks and scripted failures for one outgoing bot call, or null. */
  failureFor(method, chatId) {
    const c = this.control;
    const key = String(chatId);
    if (c.blocked.has(key)) return forbidden('Forbidden: bot was blocked by the user');
    if (c.kicked.has(key)) return forbidden('Forbidden: bot was kicked from the group chat');
    if (c.notFound.has(key)) return badRequest('Bad Request: chat not found');
    if (c.migrated.has(key)) {
      return badRequest('Bad Request: group chat was upgraded to a supergroup chat',
        { migrate_to_chat_id: Number(c.migrated.get(key)) });
    }
    const idx = c.scripted.findIndex((s) => s.method === method
      && (s.chat_id === undefined || s.chat_id === null || String(s.chat_id) === key));
    if (idx >= 0) {
      const s = c.scripted[idx];
      if (s.skip > 0) { s.skip -= 1; return null; }
      s.count -= 1;
      if (s.count <= 0) c.scripted.splice(idx, 1);
      return scriptedError(s);
    }
    if (method === 'sendMessage' && c.rate429 > 0 && c.random() < c.rate429) {
      c.counts.random429 += 1;
      return tooMany(c.rate429RetryAfter);
    }
    if (method === 'sendMessage' && c.limits) return this.limitFailure(key);
    return null;
  }

  /** Telegram's documented limits, checked over sliding windows of accepted messages. */
  limitFailure(key) {
    const c = this.control;
    const now = Date.now();
    const { global, perChat, groupPerMinute } = c.limits;
    const recent = c.window.filter((e) => e.at > now - 60000);
    c.window = recent;
    const lastSecond = recent.filter((e) => e.at > now - 1000);
    const chat = this.chatInfo(key);
    const isGroup = chat.type === 'group' || chat.type === 'supergroup';
    let why = null;
    if (global && lastSecond.length >= global) why = 'global';
    else if (perChat && lastSecond.filter((e) => e.chat === key).length >= perChat) why = 'chat';
    else if (isGroup && groupPerMinute
      && recent.filter((e) => e.chat === key).length >= groupPerMinute) why = 'group';
    if (why) {
      c.counts.limit429[why] += 1;
      return tooMany(1);
    }
    return null;
  }

  recordSent(chatId) {
    const c = this.control;
    const at = Date.now();
    c.counts.sent += 1;
    c.sentAt.push(at);
    if (c.limits) c.window.push({ at, chat: String(chatId) });
  }
}

function freshControl() {
  return {
    chats: new Map(),
    admins: new Map(), // chat id → Map(user id → status)
    blocked: new Set(),
    kicked: new Set(),
    notFound: new Set(),
    migrated: new Map(),
    scripted: [],
    rate429: 0,
    rate429RetryAfter: 1,
    random: mulberry32(1),
    limits: null,
    window: [],
    commands: {},
    webhookStatuses: [],
    attempts: new Map(), // chat id → sendMessage calls, answered or refused
    sentAt: [],
    counts: {
      sent: 0, random429: 0, scripted: 0, refused: 0,
      limit429: { global: 0, chat: 0, group: 0 },
    },
  };
}

function tooMany(retryAfter) {
  return {
    status: 429,
    body: {
      ok: false, error_code: 429, description: `Too Many Requests: retry after ${retryAfter}`,
      parameters: { retry_after: retryAfter },
    },
  };
}
function forbidden(description) {
  return { status: 403, body: { ok: false, error_code: 403, description } };
}
function badRequest(description, parameters) {
  const body = { ok: false, error_code: 400, description };
  if (parameters) body.parameters = parameters;
  return { status: 400, body };
}
function scriptedError(s) {
  switch (s.error) {
    case '429': return tooMany(s.retry_after || 1);
    case '403': return forbidden(s.description || 'Forbidden: bot was blocked by the user');
    case 'not_found': return badRequest('Bad Request: chat not found');
    case 'migrate': return badRequest('Bad Request: group chat was upgraded to a supergroup chat',
      { migrate_to_chat_id: Number(s.migrate_to_chat_id) });
    case '500': return { status: 500, body: { ok: false, error_code: 500, description: 'Internal Server Error' } };
    default: throw new Error(`unknown scripted error ${s.error}`);
  }
}

const ok = (res, result) => res.json({ ok: true, result });
const fail = (res, f) => {
  res.status(f.status).json(f.body);
};
const body = (req) => ({ ...req.query, ...req.body });
const ADMIN_RIGHTS = {
  can_be_edited: false, is_anonymous: false, can_manage_chat: true, can_delete_messages: true,
  can_manage_video_chats: true, can_restrict_members: true, can_promote_members: false,
  can_change_info: true, can_invite_users: true, can_post_stories: false,
  can_edit_stories: false, can_delete_stories: false,
};

/** Bot API routes that replace or extend the package's; registered before its own. */
function compatRoutes(app, server) {
  const c = () => server.control;

  app.all('/bot:token/getMe', (req, res) => ok(res, {
    ...server.botUser(req.params.token), can_join_groups: true,
    can_read_all_group_messages: false, supports_inline_queries: false,
  }));

  app.all('/bot:token/getUpdates', (req, res) => {
    const token = req.params.token;
    const b = body(req);
    const offset = Number(b.offset || 0);
    const limit = Math.min(Number(b.limit || 100), 100);
    const timeout = Math.min(Number(b.timeout || 0), 50);
    const pending = () => server.storage.userMessages.filter((u) => {
      if (u.botToken !== token) return false;
      if (offset && u.updateId < offset) { u.isRead = true; return false; }
      return true;
    });
    const answer = () => ok(res, pending().slice(0, limit).map((u) => server.formatUserUpdate(u)));
    if (pending().length || timeout <= 0) { answer(); return; }
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      server.off('QueuedUserUpdate', onUpdate);
      answer();
    };
    const onUpdate = () => { if (pending().length) finish(); };
    const timer = setTimeout(finish, timeout * 1000);
    server.on('QueuedUserUpdate', onUpdate);
    res.on('close', () => {
      if (!done) { done = true; clearTimeout(timer); server.off('QueuedUserUpdate', onUpdate); }
    });
  });

  app.all('/bot:token/sendMessage', (req, res) => {
    const b = body(req);
    const chatKey = String(b.chat_id);
    c().attempts.set(chatKey, (c().attempts.get(chatKey) || 0) + 1);
    const failure = server.failureFor('sendMessage', b.chat_id);
    if (failure) { c().counts.refused += 1; fail(res, failure); return; }
    if (!b.text || !String(b.text).trim()) { fail(res, badRequest('Bad Request: message text is empty')); return; }
    let visible = String(b.text);
    if (b.parse_mode === 'HTML') {
      const parsed = parseTelegramHtml(visible);
      if (parsed.error) { fail(res, badRequest(`Bad Request: ${parsed.error}`)); return; }
      visible = parsed.text;
    }
    if (visible.length > 4096) { fail(res, badRequest('Bad Request: message is too long')); return; }
    server.addBotMessage(b, req.params.token);
    const stored = server.storage.botMessages[server.storage.botMessages.length - 1];
    server.recordSent(b.chat_id);
    ok(res, server.formatBotMessage(stored));
  });

  const edit = (kind) => (req, res) => {
    const b = body(req);
    const failure = server.failureFor(kind, b.chat_id);
    if (failure) { fail(res, failure); return; }
    if (kind === 'editMessageText' && b.parse_mode === 'HTML') {
      const parsed = parseTelegramHtml(String(b.text || ''));
      if (parsed.error) { fail(res, badRequest(`Bad Request: ${parsed.error}`)); return; }
    }
    const stored = server.storage.botMessages.find((u) => String(u.messageId) === String(b.message_id)
      && String(u.message.chat_id) === String(b.chat_id));
    if (!stored) { fail(res, badRequest('Bad Request: message to edit not found')); return; }
    const change = { ...b, edit_date: seconds(Date.now()) };
    if (kind === 'editMessageText') server.editMessageText(change);
    else server.editMessageReplyMarkup(change);
    ok(res, server.formatBotMessage(stored));
  };
  app.all('/bot:token/editMessageText', edit('editMessageText'));
  app.all('/bot:token/editMessageReplyMarkup', edit('editMessageReplyMarkup'));

  app.all('/bot:token/answerCallbackQuery', (req, res) => {
    c().answeredCallbacks = (c().answeredCallbacks || []).concat([body(req)]);
    ok(res, true);
  });

  app.all('/bot:token/setMyCommands', (req, res) => {
    const b = body(req);
    const commands = typeof b.commands === 'string' ? JSON.parse(b.commands) : b.commands;
    const scope = b.scope ? (typeof b.scope === 'string' ? b.scope : JSON.stringify(b.scope)) : 'default';
    c().commands[`${scope}|${b.language_code || ''}`] = commands;
    ok(res, true);
  });
  app.all('/bot:token/getMyCommands', (req, res) => {
    const b = body(req);
    const scope = b.scope ? (typeof b.scope === 'string' ? b.scope : JSON.stringify(b.scope)) : 'default';
    ok(res, c().commands[`${scope}|${b.language_code || ''}`] || []);
  });
  app.all('/bot:token/deleteMyCommands', (req, res) => { c().commands = {}; ok(res, true); });

  app.all('/bot:token/getChatMember', (req, res) => {
    const b = body(req);
    c().counts.getChatMember = (c().counts.getChatMember || 0) + 1;
    const chatAdmins = c().admins.get(String(b.chat_id)) || new Map();
    const status = chatAdmins.get(String(b.user_id)) || 'member';
    const user = { id: Number(b.user_id), is_bot: false, first_name: `User${b.user_id}` };
    if (status === 'administrator') ok(res, { status, user, ...ADMIN_RIGHTS });
    else if (status === 'creator') ok(res, { status, user, is_anonymous: false });
    else ok(res, { status: 'member', user });
  });

  app.all('/bot:token/getChat', (req, res) => ok(res, server.chatInfo(body(req).chat_id)));

  app.all('/bot:token/setWebhook', (req, res) => {
    const b = body(req);
    if (!b.url) { fail(res, badRequest('Bad Request: bad webhook: An HTTPS URL must be provided for webhook')); return; }
    server.setWebhook({ url: b.url, secret_token: b.secret_token }, req.params.token);
    ok(res, true);
  });
  app.all('/bot:token/deleteWebhook', (req, res) => {
    server.deleteWebhook(req.params.token);
    ok(res, true);
  });
  app.all('/bot:token/getWebhookInfo', (req, res) => {
    const hook = server.webhooks[req.params.token];
    ok(res, { url: hook ? hook.url : '', has_custom_certificate: false, pending_update_count: 0 });
  });

  // --- the user's side and the test's controls ---
  app.post('/sendChatMember', async (req, res) => {
    const b = req.body;
    if (b.chat) server.rememberChat(b.chat);
    await server.addUserUpdate({
      ...server.getCommonFields(b.botToken),
      myChatMember: {
        chat: b.chat, from: b.from, date: seconds(Date.now()),
        old_chat_member: { status: b.old_status || 'member', user: server.botUser(b.botToken) },
        new_chat_member: {
          status: b.new_status || 'left',
          user: server.botUser(b.botToken),
          ...(b.new_status === 'kicked' ? { until_date: 0 } : {}),
        },
      },
    });
    ok(res, true);
  });
  app.post('/control/botMessages', (req, res) => {
    const { token, chatId } = req.body;
    ok(res, server.storage.botMessages
      .filter((u) => u.botToken === token && (chatId === undefined || String(u.message.chat_id) === String(chatId)))
      .map((u) => server.formatBotMessage(u)));
  });
  app.post('/control/chat', (req, res) => { server.rememberChat(req.body); ok(res, true); });
  app.post('/control/admins', (req, res) => {
    const { chat_id: chatId, user_ids: userIds = [], creator } = req.body;
    const m = new Map(userIds.map((id) => [String(id), 'administrator']));
    if (creator !== undefined) m.set(String(creator), 'creator');
    c().admins.set(String(chatId), m);
    ok(res, true);
  });
  app.post('/control/block', (req, res) => { c().blocked.add(String(req.body.chat_id)); ok(res, true); });
  app.post('/control/unblock', (req, res) => { c().blocked.delete(String(req.body.chat_id)); ok(res, true); });
  app.post('/control/attempts', (req, res) => ok(res, c().attempts.get(String(req.body.chat_id)) || 0));
  app.post('/control/kick', (req, res) => { c().kicked.add(String(req.body.chat_id)); ok(res, true); });
  app.post('/control/notFound', (req, res) => { c().notFound.add(String(req.body.chat_id)); ok(res, true); });
  app.post('/control/migrate', (req, res) => {
    const { chat_id: chatId, to } = req.body;
    c().migrated.set(String(chatId), String(to));
    const old = server.chatInfo(chatId);
    server.rememberChat({ ...old, id: Number(to), type: 'supergroup' });
    ok(res, true);
  });
  app.post('/control/fail', (req, res) => {
    const s = { method: 'sendMessage', count: 1, ...req.body };
    c().scripted.push(s);
    ok(res, true);
  });
  app.post('/control/rate429', (req, res) => {
    c().rate429 = Number(req.body.rate || 0);
    c().rate429RetryAfter = Number(req.body.retry_after || 1);
    c().random = mulberry32(Number(req.body.seed || 1));
    ok(res, true);
  });
  app.post('/control/limits', (req, res) => {
    const b = req.body;
    c().limits = b && (b.global || b.perChat || b.groupPerMinute) ? b : null;
    c().window = [];
    ok(res, true);
  });
  app.post('/control/reset', (req, res) => {
    server.storage.botMessages = [];
    server.storage.userMessages = [];
    server.control = freshControl();
    ok(res, true);
  });
  app.get('/control/stats', (req, res) => {
    const at = c().sentAt;
    let maxPerSecond = 0;
    let lo = 0;
    for (let hi = 0; hi < at.length; hi += 1) {
      while (at[hi] - at[lo] >= 1000) lo += 1;
      maxPerSecond = Math.max(maxPerSecond, hi - lo + 1);
    }
    ok(res, {
      ...c().counts,
      first_sent_at: at.length ? at[0] / 1000 : null,
      last_sent_at: at.length ? at[at.length - 1] / 1000 : null,
      max_in_one_second: maxPerSecond,
      commands: c().commands,
      webhook_statuses: c().webhookStatuses,
      answered_callbacks: (c().answeredCallbacks || []).length,
      callback_answers: (c().answeredCallbacks || []).map((a) => a.text || ''),
    });
  });
}

routeIndex.routes.unshift(compatRoutes);

const port = Number(process.argv[2] || 9000);
const server = new CompatServer({ port, host: '127.0.0.1', storeTimeout: 24 * 3600 });
// No ETag hashing of every answer and no X-Powered-By: the Bot API sends neither.
server.webServer.set('etag', false);
server.webServer.disable('x-powered-by');
server.start().then(() => {
  process.stdout.write(`listening ${port}\n`);
});
process.on('SIGTERM', () => { server.stop().then(() => process.exit(0)); });
