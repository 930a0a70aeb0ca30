// End-to-end harness: a fresh PostgreSQL database, the real `signet` and
// `bank-api` binaries and the demo finance app, each on a free loopback port.
//
// Needs SIGNET_TEST_DATABASE_URL (admin libpq conninfo or URI), SIGNET_BIN and
// BANK_API_BIN (absolute paths; CTest passes them). Missing ones make the tests
// fail with a message saying so; nothing is skipped quietly.
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import * as jose from 'jose';
import { chromium } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));
export const repoRoot = path.resolve(here, '..', '..');
export const artifactDir = process.env.E2E_ARTIFACT_DIR || path.join(os.tmpdir(), 'signet-e2e');
// The audience of bank-api's tokens: the URL the migrations register for it
// (RFC 8707 resource indicator), Signet's and bank-api's default.
export const bankAudience = 'http://127.0.0.1:8081';

function required(name, hint) {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set: ${hint}`);
  return v;
}

export async function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.unref();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// libpq conninfo (keyword form: a later keyword wins) or URI, with another dbname.
export function withDatabase(conninfo, dbname) {
  if (/^postgres(ql)?:\/\//.test(conninfo)) {
    const u = new URL(conninfo);
    u.pathname = '/' + dbname;
    return u.toString();
  }
  return `${conninfo} dbname=${dbname}`;
}

function psql(conninfo, sql) {
  const r = spawnSync('psql', ['-X', '-v', 'ON_ERROR_STOP=1', '-qAt', '-d', conninfo, '-c', sql], {
    encoding: 'utf8',
  });
  if (r.error) throw new Error(`psql could not run (is postgresql-client installed?): ${r.error.message}`);
  if (r.status !== 0) throw new Error(`psql failed: ${sql}\n${r.stderr}`);
  return r.stdout;
}

class Child {
  constructor(name, cmd, args, env, logDir) {
    this.name = name;
    this.logPath = path.join(logDir, `${name}.log`);
    const log = fs.openSync(this.logPath, 'w');
    this.proc = spawn(cmd, args, {
      env,
      cwd: repoRoot,
      stdio: ['ignore', log, log],
    });
    fs.closeSync(log);
    this.exited = null;
    this.proc.on('exit', (code, signal) => {
      this.exited = { code, signal };
    });
  }

  log() {
    try {
      return fs.readFileSync(this.logPath, 'utf8');
    } catch {
      return '';
    }
  }

  tail(n = 4000) {
    const l = this.log();
    return l.length > n ? '...\n' + l.slice(-n) : l;
  }

  async stop() {
    if (this.exited) return;
    this.proc.kill('SIGTERM');
    for (let i = 0; i < 100 && !this.exited; i++) await sleep(50);
    if (!this.exited) {
      this.proc.kill('SIGKILL');
      for (let i = 0; i < 40 && !this.exited; i++) await sleep(50);
    }
  }
}

async function waitUntilAnswering(child, url, { need200 = false, seconds = 20 } = {}) {
  const deadline = Date.now() + seconds * 1000;
  let last = '';
  while (Date.now() < deadline) {
    if (child.exited) {
      throw new Error(`${child.name} exited (${JSON.stringify(child.exited)}) before answering:\n${child.tail()}`);
    }
    try {
      const r = await fetch(url, { redirect: 'manual', signal: AbortSignal.timeout(1000) });
      await r.arrayBuffer();
      if (!need200 || r.status === 200) return;
      last = `status ${r.status}`;
    } catch (e) {
      last = e.message;
    }
    await sleep(50);
  }
  throw new Error(`${child.name} did not answer ${url} in ${seconds} s (${last}):\n${child.tail()}`);
}

// The whole world for one test file.
export class World {
  static async start({ financeApp = true } = {}) {
    const w = new World();
    try {
      await w.#start(financeApp);
    } catch (e) {
      await w.stop();
      throw e;
    }
    return w;
  }

  constructor() {
    this.children = [];
    this.admin = required(
      'SIGNET_TEST_DATABASE_URL',
      'set it to an admin libpq conninfo of a real PostgreSQL, e.g. "host=/tmp/pg-it port=5497 dbname=postgres user=postgres"',
    );
    this.signetBin = required('SIGNET_BIN', 'absolute path of the signet binary (CTest sets it)');
    this.bankBin = required('BANK_API_BIN', 'absolute path of the bank-api binary (CTest sets it)');
    for (const b of [this.signetBin, this.bankBin]) {
      if (!fs.existsSync(b)) throw new Error(`binary not found: ${b} (build it first)`);
    }
    this.masterKey = randomBytes(32).toString('hex');
    this.dbname = `signet_e2e_${process.pid}_${randomBytes(3).toString('hex')}`;
    this.logDir = path.join(artifactDir, 'logs', this.dbname);
    fs.mkdirSync(this.logDir, { recursive: true });
  }

  baseEnv() {
    const env = {};
    for (const [k, v] of Object.entries(process.env)) {
      if (!/^(SIGNET_|BANK_API_|FINANCE_APP_)/.test(k)) env[k] = v;
    }
    return env;
  }

  signetEnv(extra = {}) {
    return {
      ...this.baseEnv(),
      SIGNET_DATABASE_URL: this.conninfo,
      SIGNET_ISSUER: this.issuer,
      SIGNET_LISTEN: `127.0.0.1:${this.signetPort}`,
      SIGNET_MASTER_KEY: this.masterKey,
      SIGNET_AUDIENCE: bankAudience,
      SIGNET_HTTP_THREADS: '2',
      SIGNET_WORKERS: '4',
      ...extra,
    };
  }

  cli(args, input = '') {
    const r = spawnSync(this.signetBin, args, {
      env: this.signetEnv(),
      input,
      encoding: 'utf8',
      cwd: repoRoot,
      timeout: 60000,
    });
    if (r.status !== 0) {
      throw new Error(`signet ${args.join(' ')} failed (${r.status}):\n${r.stdout}${r.stderr}`);
    }
    return r.stdout;
  }

  addUser(username, password) {
    const out = JSON.parse(this.cli(['user', 'add', username, '--password-stdin'], password + '\n'));
    return { username, password, subject: out.subject };
  }

  addClient({ name, redirectUris = [], scope, isPublic = false, grants = [] }) {
    const args = ['client', 'add', '--name', name, '--scope', scope];
    for (const u of redirectUris) args.push('--redirect-uri', u);
    if (isPublic) args.push('--public');
    for (const g of grants) args.push('--grant', g);
    return JSON.parse(this.cli(args));
  }

  // A client registered with its public key (private_key_jwt, RFC 7523) through
  // `signet client add --metadata`; `metadata` adds fields (e.g.
  // dpop_bound_access_tokens). Returns its client_id and the private key with its
  // kid, as openid-client's and oauth4webapi's PrivateKeyJwt take it.
  async addKeyClient({ grants, redirectUris = [], scope = 'read:accounts', metadata = {} }) {
    const { privateKey, publicKey } = await jose.generateKeyPair('ES256', { extractable: true });
    const kid = `k-${randomBytes(6).toString('hex')}`;
    const jwk = { ...(await jose.exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' };
    const file = path.join(this.logDir, `client-${kid}.json`);
    fs.writeFileSync(
      file,
      JSON.stringify({
        client_name: `KeyApp ${kid}`,
        scope,
        grant_types: grants,
        redirect_uris: redirectUris,
        token_endpoint_auth_method: 'private_key_jwt',
        jwks: { keys: [jwk] },
        ...metadata,
      }),
    );
    try {
      const registered = JSON.parse(this.cli(['client', 'add', '--metadata', file]));
      return { client_id: registered.client_id, key: { key: privateKey, kid }, registered };
    } finally {
      fs.rmSync(file, { force: true });
    }
  }

  async #start(financeApp) {
    psql(this.admin, `CREATE DATABASE "${this.dbname}"`);
    this.dbCreated = true;
    this.conninfo = withDatabase(this.admin, this.dbname);
    this.signetPort = await freePort();
    this.issuer = `http://127.0.0.1:${this.signetPort}`;
    this.cli(['migrate']);

    this.user = this.addUser('alice', 'correct horse battery staple');

    // bank-api's port first: Signet's consent page lists the customer's accounts
    // from its account directory (RFC 9396 §7.1).
    this.bankPort = await freePort();
    this.bankApi = `http://127.0.0.1:${this.bankPort}`;
    const signet = new Child(
      'signet',
      this.signetBin,
      ['serve'],
      this.signetEnv({ SIGNET_ACCOUNT_DIRECTORY_URL: `${this.bankApi}/account-directory` }),
      this.logDir,
    );
    this.children.push(signet);
    await waitUntilAnswering(signet, `${this.issuer}/.well-known/oauth-authorization-server`, {
      need200: true,
    });

    const bank = new Child(
      'bank-api',
      this.bankBin,
      [],
      {
        ...this.baseEnv(),
        BANK_API_DATABASE_URL: this.conninfo,
        BANK_API_ISSUER: this.issuer,
        BANK_API_LISTEN: `127.0.0.1:${this.bankPort}`,
        BANK_API_AUDIENCE: bankAudience,
      },
      this.logDir,
    );
    this.children.push(bank);
    await waitUntilAnswering(bank, `${this.bankApi}/transactions`);

    if (financeApp) {
      // Served as "localhost" so that its cookies and Signet's (127.0.0.1) stay apart,
      // as two real hosts would.
      this.financePort = await freePort();
      this.financeUrl = `http://localhost:${this.financePort}`;
      this.financeClient = this.addClient({
        name: 'FinanceApp',
        redirectUris: [`${this.financeUrl}/callback`],
        scope: 'read:accounts read:transactions',
      });
      // It may also ask for typed authorization details (the demo's account choice and rent payment).
      this.cli([
        'client', 'update', this.financeClient.client_id,
        '--authorization-details-types', 'account_information payment_initiation',
      ]);
      const script = path.join(repoRoot, 'examples', 'finance-app', 'server.js');
      if (!fs.existsSync(script)) throw new Error(`finance app not found at ${script}`);
      const app = new Child(
        'finance-app',
        process.execPath,
        [script],
        {
          ...this.baseEnv(),
          FINANCE_APP_LISTEN: `127.0.0.1:${this.financePort}`,
          FINANCE_APP_ISSUER: this.issuer,
          FINANCE_APP_BANK_API: this.bankApi,
          FINANCE_APP_CLIENT_ID: this.financeClient.client_id,
          FINANCE_APP_CLIENT_SECRET: this.financeClient.client_secret,
          FINANCE_APP_REDIRECT_URI: `${this.financeUrl}/callback`,
        },
        this.logDir,
      );
      this.children.push(app);
      await waitUntilAnswering(app, `http://127.0.0.1:${this.financePort}/`);
    }
  }

  alive(name) {
    const c = this.children.find((c) => c.name === name);
    return !!c && !c.exited;
  }

  logs() {
    return this.children.map((c) => `----- ${c.name} -----\n${c.tail()}`).join('\n');
  }

  async stop() {
    for (const c of this.children.reverse()) await c.stop();
    this.children = [];
    if (this.dbCreated) {
      try {
        psql(this.admin, `DROP DATABASE IF EXISTS "${this.dbname}" WITH (FORCE)`);
      } catch (e) {
        console.error(`warning: ${e.message}`);
      }
      this.dbCreated = false;
    }
  }
}

// A minimal browser for fetch(): cookie jar per host, no automatic redirects.
export class FetchBrowser {
  constructor() {
    this.jar = new Map(); // host -> Map(name -> value)
  }

  cookieHeader(url) {
    const host = new URL(url).host.replace(/:\d+$/, '');
    const m = this.jar.get(host);
    if (!m || m.size === 0) return undefined;
    return [...m.entries()].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  store(url, response) {
    const host = new URL(url).host.replace(/:\d+$/, '');
    const m = this.jar.get(host) || new Map();
    for (const sc of response.headers.getSetCookie()) {
      const [pair] = sc.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      if (/max-age=0/i.test(sc) || value === '') m.delete(name);
      else m.set(name, value);
    }
    this.jar.set(host, m);
  }

  async request(url, { method = 'GET', form, headers = {} } = {}) {
    const h = { ...headers };
    const cookie = this.cookieHeader(url);
    if (cookie) h.cookie = cookie;
    let body;
    if (form) {
      body = new URLSearchParams(form).toString();
      h['content-type'] = 'application/x-www-form-urlencoded';
    }
    const r = await fetch(url, { method, headers: h, body, redirect: 'manual' });
    this.store(url, r);
    const text = await r.text();
    return { status: r.status, headers: r.headers, body: text, location: r.headers.get('location') };
  }
}

// <input name value> of the form posting to `action`.
export function formFields(html, action) {
  const start = html.indexOf(`action="${action}"`);
  if (start < 0) return null;
  const end = html.indexOf('</form>', start);
  const part = html.slice(start, end < 0 ? undefined : end);
  const fields = [];
  const unescape = (s) =>
    s
      .replace(/&quot;/g, '"')
      .replace(/&#39;/g, "'")
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&#x2F;/gi, '/')
      .replace(/&#(\d+);/g, (_, d) => String.fromCharCode(Number(d)))
      .replace(/&amp;/g, '&');
  for (const m of part.matchAll(/<input\b[^>]*>/g)) {
    const name = /\bname="([^"]*)"/.exec(m[0]);
    const value = /\bvalue="([^"]*)"/.exec(m[0]);
    if (name) fields.push([unescape(name[1]), value ? unescape(value[1]) : '']);
  }
  return fields;
}

// Drives Signet's login and consent pages with plain fetch until the redirect to
// the client; returns that callback URL.
export async function signInAndConsent(world, authorizationUrl, user, decision = 'allow') {
  const b = new FetchBrowser();
  let r = await b.request(authorizationUrl);
  for (let step = 0; step < 8; step++) {
    if ([302, 303].includes(r.status)) {
      const next = new URL(r.location, world.issuer);
      if (next.origin !== new URL(world.issuer).origin) return next;
      r = await b.request(next.href);
      continue;
    }
    const login = r.status === 200 && formFields(r.body, '/login');
    if (login) {
      const form = login.map(([k, v]) => [k, k === 'username' ? user.username : k === 'password' ? user.password : v]);
      r = await b.request(`${world.issuer}/login`, { method: 'POST', form });
      continue;
    }
    const consent = r.status === 200 && formFields(r.body, '/consent');
    if (consent) {
      r = await b.request(`${world.issuer}/consent`, { method: 'POST', form: [...consent, ['decision', decision]] });
      continue;
    }
    throw new Error(`unexpected page ${r.status}: ${r.body.slice(0, 500)}`);
  }
  throw new Error('too many steps');
}

// Debian's Chromium, headless, with the flags this machine's closed network
// needs (no background connections that would fail and log).
export async function launchChromium() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}
