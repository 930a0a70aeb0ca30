#!/usr/bin/env node
// FinanceApp: a demo third-party client of Signet (OAuth 2 authorization code flow with
// PKCE S256, state, and RFC 9207 `iss` checks). It reads a customer's transactions from
// bank-api with the access token Signet issues. It never sees the customer's password.
// No npm packages: node:http, node:crypto and the global fetch of Node 20.
'use strict';

const http = require('node:http');
const crypto = require('node:crypto');
const fs = require('node:fs');

// ---- configuration ----------------------------------------------------------------

function loadConfig(env) {
  const listen = env.FINANCE_APP_LISTEN || '127.0.0.1:8082';
  const sep = listen.lastIndexOf(':');
  if (sep < 0) throw new Error(`FINANCE_APP_LISTEN must be host:port, got ${listen}`);
  const cfg = {
    host: listen.slice(0, sep).replace(/^\[|\]$/g, ''),
    port: Number(listen.slice(sep + 1)),
    issuer: (env.FINANCE_APP_ISSUER || 'http://127.0.0.1:8080').replace(/\/+$/, ''),
    bankApi: (env.FINANCE_APP_BANK_API || 'http://127.0.0.1:8081').replace(/\/+$/, ''),
    clientId: env.FINANCE_APP_CLIENT_ID || '',
    clientSecret: env.FINANCE_APP_CLIENT_SECRET || '',
    redirectUri: env.FINANCE_APP_REDIRECT_URI || 'http://127.0.0.1:8082/callback',
    scope: 'read:accounts read:transactions',
  };
  if (env.FINANCE_APP_CLIENT_FILE) {
    const file = JSON.parse(fs.readFileSync(env.FINANCE_APP_CLIENT_FILE, 'utf8'));
    if (!cfg.clientId) cfg.clientId = file.client_id || '';
    if (!cfg.clientSecret) cfg.clientSecret = file.client_secret || '';
  }
  if (!Number.isInteger(cfg.port) || cfg.port < 0 || cfg.port > 65535) {
    throw new Error(`bad port in FINANCE_APP_LISTEN: ${listen}`);
  }
  if (!cfg.clientId || !cfg.clientSecret) {
    throw new Error(
      'FINANCE_APP_CLIENT_ID and FINANCE_APP_CLIENT_SECRET (or FINANCE_APP_CLIENT_FILE) are required');
  }
  return cfg;
}

// ---- small helpers ------------------------------------------------------------------

const b64url = (buf) => buf.toString('base64url');
const randomToken = () => b64url(crypto.randomBytes(32));

// Rich authorization requests (RFC 9396): what FinanceApp asks for beyond scopes.
// Read access to the accounts the customer chooses on her bank's consent page
// (empty lists: she ticks them there, RFC 9396 §7.1).
const CHOSEN_ACCOUNTS = [
  { type: 'account_information', access: { accounts: [], balances: [], transactions: [] } },
];
// One rent payment, and the account to pay it from (she chooses it too).
const RENT = {
  amount: '950.00',
  currency: 'EUR',
  creditorName: 'Lindenstrasse Properties',
  iban: 'DE89370400440532013000',
  reference: 'Rent December',
};
const MORE_THAN_RENT = '1950.00';
const RENT_DETAILS = [
  {
    type: 'payment_initiation',
    instructedAmount: { currency: RENT.currency, amount: RENT.amount },
    creditorName: RENT.creditorName,
    creditorAccount: { iban: RENT.iban },
    remittanceInformationUnstructured: RENT.reference,
  },
  { type: 'account_information', access: { accounts: [] } },
];

function safeEqual(a, b) {
  const x = Buffer.from(String(a));
  const y = Buffer.from(String(b));
  return x.length === y.length && crypto.timingSafeEqual(x, y);
}

function esc(s) {
  return String(s).replace(/[&<>"']/g, (c) => ({
    '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;',
  })[c]);
}

function parseCookies(header) {
  const out = {};
  for (const part of (header || '').split(';')) {
    const i = part.indexOf('=');
    if (i > 0) out[part.slice(0, i).trim()] = part.slice(i + 1).trim();
  }
  return out;
}

// Exact decimal sums: amounts are decimal strings ("-12.50"); never add them as floats.
function parseAmount(s) {
  const m = /^(-|\+)?(\d+)(?:\.(\d+))?$/.exec(String(s));
  if (!m) throw new Error(`bad amount: ${s}`);
  const frac = m[3] || '';
  const units = BigInt(m[2] + frac) * (m[1] === '-' ? -1n : 1n);
  return { units, scale: frac.length };
}

function formatUnits(units, scale) {
  const neg = units < 0n;
  let digits = (neg ? -units : units).toString().padStart(scale + 1, '0');
  const out = scale ? `${digits.slice(0, -scale)}.${digits.slice(-scale)}` : digits;
  return (neg ? '-' : '') + out;
}

// Sums positive (income) and negative (spending) amounts per currency.
function summarize(transactions) {
  const byCurrency = new Map();
  for (const t of transactions) {
    const a = parseAmount(t.amount);
    const cur = t.currency || '';
    const s = byCurrency.get(cur) || { income: 0n, spending: 0n, scale: 2 };
    const scale = Math.max(s.scale, a.scale);
    const up = (v, from) => v * 10n ** BigInt(scale - from);
    s.income = up(s.income, s.scale);
    s.spending = up(s.spending, s.scale);
    s.scale = scale;
    const v = up(a.units, a.scale);
    if (v > 0n) s.income += v;
    else s.spending += v;
    byCurrency.set(cur, s);
  }
  if (byCurrency.size === 0) byCurrency.set('', { income: 0n, spending: 0n, scale: 2 });
  return [...byCurrency].map(([currency, s]) => ({
    currency,
    income: formatUnits(s.income, s.scale),
    spending: formatUnits(s.spending, s.scale),
  }));
}

// ---- sessions (in memory, keyed by an HttpOnly cookie) -------------------------------

const SESSION_COOKIE = 'financeapp_session';
const SESSION_TTL_MS = 60 * 60 * 1000;
const PENDING_TTL_MS = 10 * 60 * 1000;
const MAX_SESSIONS = 10000;
const sessions = new Map();

function pruneSessions(now) {
  for (const [id, s] of sessions) {
    if (now - s.touched > SESSION_TTL_MS) sessions.delete(id);
  }
  while (sessions.size >= MAX_SESSIONS) sessions.delete(sessions.keys().next().value);
}

function getSession(req, res, create) {
  const id = parseCookies(req.headers.cookie)[SESSION_COOKIE];
  const now = Date.now();
  let s = id && sessions.get(id);
  if (s && now - s.touched > SESSION_TTL_MS) {
    sessions.delete(id);
    s = undefined;
  }
  if (!s && create) {
    pruneSessions(now);
    const newId = randomToken();
    s = { id: newId, csrf: randomToken() };
    sessions.set(newId, s);
    res.setHeader('Set-Cookie',
      `${SESSION_COOKIE}=${newId}; HttpOnly; SameSite=Lax; Path=/; Max-Age=${SESSION_TTL_MS / 1000}`);
  }
  if (s) s.touched = now;
  return s;
}

// ---- Signet and bank-api ------------------------------------------------------------

let metadataCache = null;

async function discover(cfg) {
  if (metadataCache && Date.now() - metadataCache.fetched < 5 * 60 * 1000) return metadataCache.m;
  const url = `${cfg.issuer}/.well-known/oauth-authorization-server`;
  const r = await fetch(url, { headers: { accept: 'application/json' }, signal: AbortSignal.timeout(10000) });
  if (!r.ok) throw new AppError('The bank is not reachable', `Discovery at ${url} answered ${r.status}.`);
  const m = await r.json();
  // RFC 8414 §3.3: the metadata's issuer must be the issuer we asked.
  if (m.issuer !== cfg.issuer) {
    throw new AppError('The bank is misconfigured', `Metadata issuer ${m.issuer} is not ${cfg.issuer}.`);
  }
  for (const k of ['authorization_endpoint', 'token_endpoint']) {
    if (typeof m[k] !== 'string') throw new AppError('The bank is misconfigured', `Metadata lacks ${k}.`);
  }
  metadataCache = { m, fetched: Date.now() };
  return m;
}

class AppError extends Error {
  constructor(title, message, status = 502) {
    super(message);
    this.title = title;
    this.status = status;
  }
}

// RFC 6749 §2.3.1: client_id and secret are form-urlencoded before Basic encoding.
function basicAuth(cfg) {
  const enc = (s) => encodeURIComponent(s).replace(/%20/g, '+');
  return 'Basic ' + Buffer.from(`${enc(cfg.clientId)}:${enc(cfg.clientSecret)}`).toString('base64');
}

async function exchangeCode(cfg, code, verifier) {
  const m = await discover(cfg);
  const body = new URLSearchParams({
    grant_type: 'authorization_code',
    code,
    redirect_uri: cfg.redirectUri,
    code_verifier: verifier,
  });
  const r = await fetch(m.token_endpoint, {
    method: 'POST',
    headers: {
      authorization: basicAuth(cfg),
      'content-type': 'application/x-www-form-urlencoded',
      accept: 'application/json',
    },
    body,
    signal: AbortSignal.timeout(10000),
  });
  let json = {};
  try {
    json = await r.json();
  } catch {
    /* not JSON: reported below */
  }
  if (!r.ok || typeof json.access_token !== 'string') {
    const code = json.error ? ` (${json.error})` : '';
    throw new AppError('Could not connect your bank', `The bank refused to issue a token: HTTP ${r.status}${code}.`);
  }
  if (String(json.token_type).toLowerCase() !== 'bearer') {
    throw new AppError('Could not connect your bank', `Unexpected token type ${json.token_type}.`);
  }
  return json;
}

async function bank(cfg, token, method, path, body, extraHeaders = {}) {
  const headers = { authorization: `Bearer ${token}`, accept: 'application/json', ...extraHeaders };
  if (body) headers['content-type'] = 'application/json';
  const r = await fetch(`${cfg.bankApi}${path}`, {
    method,
    headers,
    body: body ? JSON.stringify(body) : undefined,
    signal: AbortSignal.timeout(10000),
  });
  let json = null;
  try {
    json = await r.json();
  } catch {
    /* empty or not JSON */
  }
  return { status: r.status, json, wwwAuthenticate: r.headers.get('www-authenticate') || '' };
}

// The error code in a Bearer challenge (RFC 6750 §3): error="insufficient_scope".
function challengeParam(header, name) {
  const m = new RegExp(`${name}="([^"]*)"`).exec(header);
  return m ? m[1] : '';
}

// ---- pages --------------------------------------------------------------------------

const CSS = `
:root { --ink:#1c2430; --muted:#4d5766; --accent:#0a6e4f; --bg:#f6f7f4; --line:#d3d8d0; }
* { box-sizing: border-box; }
body { margin:0; font-family: system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif;
  background:var(--bg); color:var(--ink); line-height:1.5; }
header { background:var(--accent); color:#fff; padding:.8rem 1rem; }
header a { color:#fff; text-decoration:none; font-weight:700; font-size:1.2rem; }
main { max-width:48rem; margin:0 auto; padding:1.5rem 1rem; }
.card { background:#fff; border:1px solid var(--line); border-radius:.4rem; padding:1.25rem; margin-bottom:1rem; }
.button { display:inline-block; background:var(--accent); color:#fff; border:2px solid var(--accent);
  border-radius:.3rem; padding:.6rem 1.3rem; font:inherit; font-weight:600; text-decoration:none; cursor:pointer; }
.button.secondary { background:#fff; color:var(--accent); }
.button:focus-visible, a:focus-visible { outline:3px solid #a84f00; outline-offset:2px; }
.totals { display:flex; gap:1rem; flex-wrap:wrap; margin:0; }
.totals div { flex:1 1 12rem; background:#fff; border:1px solid var(--line); border-radius:.4rem; padding:1rem; }
.totals dt { color:var(--muted); }
.totals dd { margin:0; font-size:1.5rem; font-weight:700; }
table { width:100%; border-collapse:collapse; background:#fff; }
th, td { text-align:left; padding:.5rem; border-bottom:1px solid var(--line); }
td.amount, th.amount { text-align:right; font-variant-numeric: tabular-nums; }
.negative { color:#9b1c1c; }
.alert { border:1px solid #9b1c1c; border-left-width:.4rem; background:#fdecec; color:#7a1414;
  padding:.75rem 1rem; border-radius:.3rem; }
.ok { border-color:var(--accent); background:#e8f5ef; color:#064d37; }
.muted { color:var(--muted); }
nav.actions { display:flex; gap:.75rem; flex-wrap:wrap; margin-top:1rem; }
@media (max-width: 30rem) { .table-wrap { overflow-x:auto; } th, td { padding:.4rem .3rem; } }
`;

function layout(title, body) {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)} - FinanceApp</title>
<link rel="stylesheet" href="/app.css">
</head>
<body>
<header><a href="/">FinanceApp</a></header>
<main>
${body}
</main>
</body>
</html>
`;
}

function send(res, status, html, extraHeaders = {}) {
  res.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    'content-security-policy':
      "default-src 'none'; style-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    'x-frame-options': 'DENY',
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    ...extraHeaders,
  });
  res.end(html);
}

function redirect(res, location) {
  res.writeHead(303, { location, 'cache-control': 'no-store' });
  res.end();
}

function errorPage(res, status, title, message, { reconnect = true } = {}) {
  const again = reconnect
    ? '<nav class="actions"><a class="button" href="/connect">Connect your bank</a> <a class="button secondary" href="/">Home</a></nav>'
    : '<nav class="actions"><a class="button secondary" href="/">Home</a></nav>';
  send(res, status, layout(title, `<h1>${esc(title)}</h1>
<div class="alert" role="alert">${esc(message)}</div>
${again}`));
}

function homePage(res, session) {
  const connected = session && session.token;
  const body = connected
    ? `<h1>Welcome back</h1>
<div class="card"><p>Your bank is connected. FinanceApp can read your accounts and transactions, and nothing else.</p>
<nav class="actions"><a class="button" href="/transactions">See income and spending</a>
<a class="button secondary" href="/payment">Try to move money</a></nav>
<form method="post" action="/disconnect"><input type="hidden" name="csrf" value="${esc(session.csrf)}">
<nav class="actions"><button class="button secondary" type="submit">Disconnect</button></nav></form></div>`
    : `<h1>See where your money goes</h1>
<div class="card"><p>FinanceApp sorts your bank transactions into income and spending.
Connect your bank: you sign in <strong>at your bank</strong>, and your bank asks you what FinanceApp may see.
FinanceApp never sees your password.</p>
<nav class="actions"><a class="button" href="/connect">Connect your bank</a>
<a class="button secondary" href="/connect?share=chosen">Choose accounts to share</a></nav></div>`;
  const rent = `<div class="card"><h2>Pay your rent</h2><p>FinanceApp can pay this month's rent of
${esc(RENT.amount)} ${esc(RENT.currency)} to ${esc(RENT.creditorName)}. Your bank asks you to approve this
one payment, and the account it is paid from, and nothing else.</p>
<nav class="actions"><a class="button secondary" href="/rent">Pay your rent</a></nav></div>`;
  send(res, 200, layout('Home', body + rent));
}

function transactionsPage(res, summary, transactions, accounts) {
  const totals = summary.map((s, i) => {
    const suffix = i === 0 ? '' : `-${esc(s.currency)}`;
    const cur = s.currency ? ` ${esc(s.currency)}` : '';
    return `<dl class="totals">
<div><dt>Income${cur}</dt><dd><data id="income${suffix}" value="${esc(s.income)}">${esc(s.income)}${cur}</data></dd></div>
<div><dt>Spending${cur}</dt><dd><data id="spending${suffix}" value="${esc(s.spending)}">${esc(s.spending)}${cur}</data></dd></div>
</dl>`;
  }).join('\n');
  const rows = transactions.map((t) => `<tr><td>${esc(t.booked_at)}</td><td>${esc(t.description)}</td>
<td class="amount${String(t.amount).startsWith('-') ? ' negative' : ''}">${esc(t.amount)} ${esc(t.currency)}</td></tr>`).join('\n');
  const accountList = accounts.length
    ? `<h2>Accounts</h2><ul>${accounts.map((a) => `<li>${esc(a.name)} (${esc(a.iban)}): ${esc(a.balance)} ${esc(a.currency)}</li>`).join('')}</ul>`
    : '';
  send(res, 200, layout('Income and spending', `<h1>Income and spending</h1>
${totals}
${accountList}
<h2>Transactions</h2>
<div class="table-wrap"><table>
<caption class="muted">${transactions.length} transaction(s) read from your bank</caption>
<thead><tr><th scope="col">Date</th><th scope="col">Description</th><th scope="col" class="amount">Amount</th></tr></thead>
<tbody>
${rows}
</tbody></table></div>
<nav class="actions"><a class="button secondary" href="/payment">Try to move money</a></nav>`));
}

// ---- handlers -----------------------------------------------------------------------

async function readForm(req) {
  let size = 0;
  const chunks = [];
  for await (const c of req) {
    size += c.length;
    if (size > 16 * 1024) throw new AppError('Request too large', 'The form is too large.', 413);
    chunks.push(c);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

// `details`: authorization_details to ask for instead of scopes (RFC 9396);
// `mode`: where the callback goes ("read" or "rent").
async function connect(cfg, req, res, { details = null, mode = 'read' } = {}) {
  const m = await discover(cfg);
  const session = getSession(req, res, true);
  const verifier = randomToken(); // 43 chars, RFC 7636 §4.1
  const challenge = b64url(crypto.createHash('sha256').update(verifier).digest());
  session.pending = { state: randomToken(), verifier, created: Date.now(), mode };
  const url = new URL(m.authorization_endpoint);
  url.searchParams.set('response_type', 'code');
  url.searchParams.set('client_id', cfg.clientId);
  url.searchParams.set('redirect_uri', cfg.redirectUri);
  if (details) url.searchParams.set('authorization_details', JSON.stringify(details));
  else url.searchParams.set('scope', cfg.scope);
  url.searchParams.set('state', session.pending.state);
  url.searchParams.set('code_challenge', challenge);
  url.searchParams.set('code_challenge_method', 'S256');
  redirect(res, url.toString());
}

async function callback(cfg, req, res, query) {
  const session = getSession(req, res, false);
  const pending = session && session.pending;
  if (!pending || Date.now() - pending.created > PENDING_TTL_MS) {
    return errorPage(res, 400, 'Connection expired',
      'This answer from the bank does not belong to a connection started here, or it took too long. Please start again.');
  }
  // Each authorization request may be answered once.
  session.pending = undefined;
  const state = query.get('state');
  if (!state || !safeEqual(state, pending.state)) {
    return errorPage(res, 400, 'Connection refused',
      'The answer from the bank did not match the request FinanceApp sent (state mismatch). Please start again.');
  }
  // RFC 9207: the response must name the issuer we sent the user to (mix-up defence).
  const iss = query.get('iss');
  if (iss !== cfg.issuer) {
    return errorPage(res, 400, 'Connection refused',
      'The answer did not come from your bank (issuer mismatch). Please start again.');
  }
  const error = query.get('error');
  if (error) {
    if (error === 'access_denied') {
      return errorPage(res, 403, 'Not connected', 'You declined to connect your bank.');
    }
    const desc = query.get('error_description');
    return errorPage(res, 400, 'Could not connect your bank',
      `Your bank answered with an error: ${error}${desc ? ` (${desc})` : ''}.`);
  }
  const code = query.get('code');
  if (!code) {
    return errorPage(res, 400, 'Could not connect your bank', 'The bank answered without an authorization code.');
  }
  const token = await exchangeCode(cfg, code, pending.verifier);
  if (pending.mode === 'rent') {
    // A token for this one payment only, kept apart from the reading token.
    session.rent = {
      token: token.access_token,
      expiresAt: Date.now() + (Number(token.expires_in) || 600) * 1000,
    };
    return redirect(res, '/rent/pay');
  }
  session.token = token.access_token;
  session.scope = token.scope || cfg.scope;
  session.expiresAt = Date.now() + (Number(token.expires_in) || 600) * 1000;
  // Leave the code out of the address bar and history.
  redirect(res, '/transactions');
}

// ---- the rent payment (one payment_initiation consent) ------------------------------

function rentSession(req, res) {
  const session = getSession(req, res, false);
  if (!session || !session.rent || Date.now() >= session.rent.expiresAt) {
    errorPage(res, 401, 'Not approved', 'Approve the rent payment at your bank first.');
    return null;
  }
  return session;
}

function rentPage(req, res) {
  const session = rentSession(req, res);
  if (!session) return;
  send(res, 200, layout('Pay your rent', `<h1>Pay your rent</h1>
<div class="card"><p>Your bank approved one payment of <strong>${esc(RENT.amount)} ${esc(RENT.currency)}</strong>
to ${esc(RENT.creditorName)} (${esc(RENT.iban)}), reference "${esc(RENT.reference)}".</p>
<form method="post" action="/rent/pay">
<input type="hidden" name="csrf" value="${esc(session.csrf)}">
<nav class="actions"><button class="button" type="submit">Pay ${esc(RENT.amount)} ${esc(RENT.currency)} now</button></nav>
</form>
<p class="muted">What if FinanceApp tried to take more than you approved?</p>
<form method="post" action="/rent/pay">
<input type="hidden" name="csrf" value="${esc(session.csrf)}">
<input type="hidden" name="try" value="more">
<nav class="actions"><button class="button secondary" type="submit">Try to pay ${esc(MORE_THAN_RENT)} ${esc(RENT.currency)} instead</button></nav>
</form></div>`));
}

async function payRent(cfg, req, res) {
  const session = rentSession(req, res);
  if (!session) return;
  const form = await readForm(req);
  if (!safeEqual(form.get('csrf') || '', session.csrf)) {
    return errorPage(res, 403, 'Request refused', 'This form was not sent from FinanceApp.', { reconnect: false });
  }
  // The account she chose to pay from is the one the token lets FinanceApp see.
  const a = await bank(cfg, session.rent.token, 'GET', '/accounts');
  const from = a.status === 200 && a.json && a.json.accounts && a.json.accounts[0];
  if (!from) {
    return errorPage(res, 502, 'Could not pay', `The bank did not name the account to pay from (HTTP ${a.status}).`);
  }
  // A new key per press: a network retry of this request would reuse it and
  // never pay twice; a second press is a second payment, which the bank refuses.
  // "Try to pay more": another amount than she approved, which the bank refuses.
  const amount = form.get('try') === 'more' ? MORE_THAN_RENT : RENT.amount;
  const r = await bank(cfg, session.rent.token, 'POST', '/payments', {
    from_account: from.id,
    to_iban: RENT.iban,
    creditor_name: RENT.creditorName,
    amount,
    currency: RENT.currency,
    reference: RENT.reference,
  }, { 'idempotency-key': randomToken() });
  const err = challengeParam(r.wwwAuthenticate, 'error') || (r.json && r.json.error) || '';
  const desc = challengeParam(r.wwwAuthenticate, 'error_description') || (r.json && r.json.error_description) || '';
  const body = r.status === 201
    ? `<div id="payment-result" class="alert ok" role="status"><p>Paid: ${esc(amount)} ${esc(RENT.currency)}
to ${esc(RENT.creditorName)} from your ${esc(from.name)}.</p></div>`
    : `<div id="payment-result" class="alert" role="alert"><p>The bank refused the payment: HTTP ${r.status}${err ? `, <code>${esc(err)}</code>` : ''}.</p>
${desc ? `<p>${esc(desc)}</p>` : ''}</div>`;
  send(res, 200, layout('Pay your rent', `<h1>Pay your rent</h1>
${body}
<form method="post" action="/rent/pay">
<input type="hidden" name="csrf" value="${esc(session.csrf)}">
<nav class="actions"><button class="button secondary" type="submit">Pay again</button>
<a class="button secondary" href="/">Home</a></nav>
</form>`));
}

function needToken(req, res) {
  const session = getSession(req, res, false);
  if (!session || !session.token) {
    errorPage(res, 401, 'Not connected', 'Connect your bank first.');
    return null;
  }
  if (Date.now() >= session.expiresAt) {
    session.token = undefined;
    errorPage(res, 401, 'Connection expired', 'Access to your bank has expired. Please connect again.');
    return null;
  }
  return session;
}

async function transactions(cfg, req, res) {
  const session = needToken(req, res);
  if (!session) return;
  const r = await bank(cfg, session.token, 'GET', '/transactions');
  if (r.status === 401) {
    session.token = undefined;
    return errorPage(res, 401, 'Connection expired', 'Your bank no longer accepts this connection. Please connect again.');
  }
  if (r.status !== 200 || !r.json || !Array.isArray(r.json.transactions)) {
    const err = challengeParam(r.wwwAuthenticate, 'error');
    return errorPage(res, 502, 'Could not read your transactions',
      `The bank answered HTTP ${r.status}${err ? ` (${err})` : ''}.`);
  }
  const list = r.json.transactions;
  let summary;
  try {
    summary = summarize(list);
  } catch (e) {
    return errorPage(res, 502, 'Could not read your transactions', `The bank sent an unreadable amount.`);
  }
  // Accounts are a nice-to-have on this page: a failure there does not hide the transactions.
  let accounts = [];
  try {
    const a = await bank(cfg, session.token, 'GET', '/accounts');
    if (a.status === 200 && a.json && Array.isArray(a.json.accounts)) accounts = a.json.accounts;
  } catch {
    /* ignored */
  }
  session.accounts = accounts;
  transactionsPage(res, summary, list, accounts);
}

function paymentForm(req, res) {
  const session = needToken(req, res);
  if (!session) return;
  send(res, 200, layout('Move money', `<h1>Move money</h1>
<div class="card"><p>You allowed FinanceApp to <strong>read</strong> your accounts and transactions.
What happens if it tries to send a payment anyway?</p>
<form method="post" action="/payment">
<input type="hidden" name="csrf" value="${esc(session.csrf)}">
<nav class="actions"><button class="button" type="submit">Try to send 50.00 EUR</button></nav>
</form></div>`));
}

async function payment(cfg, req, res) {
  const session = needToken(req, res);
  if (!session) return;
  const form = await readForm(req);
  if (!safeEqual(form.get('csrf') || '', session.csrf)) {
    return errorPage(res, 403, 'Request refused', 'This form was not sent from FinanceApp.', { reconnect: false });
  }
  const from = (session.accounts && session.accounts[0] && session.accounts[0].id) || 'unknown';
  const r = await bank(cfg, session.token, 'POST', '/payments', {
    from_account: from,
    to_iban: 'DE89370400440532013000',
    amount: '50.00',
    currency: 'EUR',
    reference: 'FinanceApp test payment',
  });
  const err = challengeParam(r.wwwAuthenticate, 'error') || (r.json && r.json.error) || '';
  const needed = challengeParam(r.wwwAuthenticate, 'scope');
  let body;
  if (r.status === 403 && err === 'insufficient_scope') {
    body = `<div id="payment-result" class="alert" role="alert">
<p>The bank refused the payment: <strong>HTTP 403, <code>insufficient_scope</code></strong>.</p>
<p>${needed ? `It needs the scope <code>${esc(needed)}</code>, ` : ''}and you only allowed FinanceApp to read your data.
The token FinanceApp holds cannot move money.</p></div>`;
  } else if (r.status >= 200 && r.status < 300) {
    body = `<div id="payment-result" class="alert" role="alert"><p>The bank <strong>accepted</strong> the payment (HTTP ${r.status}).
That should not happen with read-only access.</p></div>`;
  } else {
    body = `<div id="payment-result" class="alert" role="alert"><p>The bank refused the payment: HTTP ${r.status}${err ? `, <code>${esc(err)}</code>` : ''}.</p></div>`;
  }
  send(res, 200, layout('Move money', `<h1>Move money</h1>
${body}
<nav class="actions"><a class="button secondary" href="/transactions">Back to income and spending</a></nav>`));
}

async function disconnect(req, res) {
  const session = getSession(req, res, false);
  if (session) {
    const form = await readForm(req);
    if (!safeEqual(form.get('csrf') || '', session.csrf)) {
      return errorPage(res, 403, 'Request refused', 'This form was not sent from FinanceApp.', { reconnect: false });
    }
    sessions.delete(session.id);
  }
  res.setHeader('Set-Cookie', `${SESSION_COOKIE}=; HttpOnly; SameSite=Lax; Path=/; Max-Age=0`);
  redirect(res, '/');
}

function createServer(cfg) {
  return http.createServer(async (req, res) => {
    try {
      const url = new URL(req.url, 'http://localhost');
      const route = `${req.method} ${url.pathname}`;
      switch (route) {
        case 'GET /':
          return homePage(res, getSession(req, res, false));
        case 'GET /app.css':
          res.writeHead(200, { 'content-type': 'text/css; charset=utf-8', 'cache-control': 'max-age=300' });
          return res.end(CSS);
        case 'GET /favicon.ico':
          // No icon: an empty answer, so that browsers log no failed request.
          res.writeHead(204, { 'cache-control': 'max-age=86400' });
          return res.end();
        case 'GET /connect':
          return await connect(cfg, req, res, url.searchParams.get('share') === 'chosen'
            ? { details: CHOSEN_ACCOUNTS } : {});
        case 'GET /rent':
          return await connect(cfg, req, res, { details: RENT_DETAILS, mode: 'rent' });
        case 'GET /rent/pay':
          return rentPage(req, res);
        case 'POST /rent/pay':
          return await payRent(cfg, req, res);
        case 'GET /callback':
          return await callback(cfg, req, res, url.searchParams);
        case 'GET /transactions':
          return await transactions(cfg, req, res);
        case 'GET /payment':
          return paymentForm(req, res);
        case 'POST /payment':
          return await payment(cfg, req, res);
        case 'POST /disconnect':
          return await disconnect(req, res);
        case 'GET /healthz':
          res.writeHead(200, { 'content-type': 'text/plain' });
          return res.end('ok\n');
        default:
          return errorPage(res, 404, 'Not found', 'There is no such page.', { reconnect: false });
      }
    } catch (e) {
      if (res.headersSent) return res.destroy();
      if (e instanceof AppError) return errorPage(res, e.status, e.title, e.message);
      console.error('finance-app:', e && e.cause ? `${e.message}: ${e.cause.message || e.cause}` : e);
      const unreachable = e && (e.name === 'TimeoutError' || (e instanceof TypeError && e.message === 'fetch failed'));
      return errorPage(res, 502, unreachable ? 'The bank is not reachable' : 'Something went wrong',
        unreachable ? 'FinanceApp could not reach your bank. Please try again later.'
          : 'FinanceApp hit an unexpected error. Please try again.');
    }
  });
}

module.exports = { loadConfig, createServer, summarize, parseAmount, formatUnits };

if (require.main === module) {
  let cfg;
  try {
    cfg = loadConfig(process.env);
  } catch (e) {
    console.error(`finance-app: ${e.message}`);
    process.exit(2);
  }
  const server = createServer(cfg);
  server.listen(cfg.port, cfg.host, () => {
    const a = server.address();
    console.log(`finance-app listening on http://${a.address}:${a.port} (issuer ${cfg.issuer}, bank ${cfg.bankApi})`);
  });
  for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => server.close(() => process.exit(0)));
}
