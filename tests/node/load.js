'use strict';
/*
 * Emulator capacity without Python: POSTs sendMessage forms to the emulator from node itself
 * (keep-alive, CONCURRENCY in flight) and prints "N in S s = R msg/s". bench/telegram.py uses
 * it to show the emulator's own ceiling next to what the bot pushes through it.
 *
 * Usage: node load.js PORT [COUNT=3000] [CONCURRENCY=16]
 */
const http = require('http');

const port = Number(process.argv[2]);
const count = Number(process.argv[3] || 3000);
const concurrency = Number(process.argv[4] || 16);
const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
const text = '<b>중기부 추경 1조 6,903억원 확정</b>\n\n• 추가경정예산이 확정됐다.\n\n<b>☎ 문의처</b>: 044-204-7320';
let next = 0;
let done = 0;
const start = process.hrtime.bigint();

function one() {
  if (next >= count) return;
  const body = new URLSearchParams({
    chat_id: String(800000 + next), text, parse_mode: 'HTML',
    link_preview_options: '{"is_disabled": true}',
  }).toString();
  next += 1;
  const req = http.request({
    host: '127.0.0.1', port, method: 'POST', agent,
    path: '/bot123456:TEST-token-for-the-emulator/sendMessage',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(body) },
  }, (res) => {
    res.resume();
    res.on('end', () => {
      done += 1;
      if (done === count) {
        const s = Number(process.hrtime.bigint() - start) / 1e9;
        process.stdout.write(`${count} in ${s.toFixed(2)} s = ${(count / s).toFixed(0)} msg/s\n`);
        agent.destroy();
        return;
      }
      one();
    });
  });
  req.end(body);
}
for (let k = 0; k < concurrency; k += 1) one();
