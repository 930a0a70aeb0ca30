// Drives the real authorization-code flow once, as a browser would, so that the
// benchmark can then mint codes at speed with only the session cookie:
//   signet: GET /authorize -> login page; POST /login; GET /authorize -> consent
//           page; POST /consent (allow) -> code. Consent is remembered, so a
//           later GET /authorize with the session cookie answers 303 with a code.
//   peer:   oidc-provider devInteractions: GET /auth -> /interaction/:uid (login),
//           POST login, -> consent interaction, POST consent -> code. The grant
//           is remembered in the session, so a later GET /auth answers 303 too.
// Usage: node flow.mjs signet|peer ISSUER CLIENT_ID REDIRECT_URI SCOPE USERNAME PASSWORD
// Prints JSON: { authorize_path, cookie, code_verifier, first_code, login? }.
// With FLOW_PUSH (signet; a JSON array: a command and its arguments) each request
// is pushed first (a client that may only use pushed requests): the command, given
// the PKCE challenge as its last argument, prints the path to GET (client_id and
// request_uri); authorize_path is then spent.
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';

const [kind, issuer, clientId, redirectUri, scope, username, password] = process.argv.slice(2);
if (!password) {
  console.error('usage: node flow.mjs signet|peer ISSUER CLIENT_ID REDIRECT_URI SCOPE USER PASSWORD');
  process.exit(2);
}

const jar = new Map(); // "name path" -> { name, value, path }
function remember(res) {
  for (const line of res.headers.getSetCookie()) {
    const [pair, ...attrs] = line.split(';').map((s) => s.trim());
    const eq = pair.indexOf('=');
    const name = pair.slice(0, eq);
    const value = pair.slice(eq + 1);
    let path = '/';
    let expired = value === '';
    for (const a of attrs) {
      const [k, v] = a.split('=');
      if (k.toLowerCase() === 'path') path = v;
      if (k.toLowerCase() === 'max-age' && Number(v) <= 0) expired = true;
      if (k.toLowerCase() === 'expires' && Date.parse(v) < Date.now()) expired = true;
    }
    if (expired) jar.delete(`${name} ${path}`);
    else jar.set(`${name} ${path}`, { name, value, path });
  }
}
function cookieFor(path) {
  return [...jar.values()]
    .filter((c) => path.startsWith(c.path))
    .map((c) => `${c.name}=${c.value}`)
    .join('; ');
}
async function request(method, url, body) {
  const u = new URL(url, issuer);
  const headers = { cookie: cookieFor(u.pathname) };
  if (body) headers['content-type'] = 'application/x-www-form-urlencoded';
  const res = await fetch(u, {
    method,
    headers,
    body: body ? new URLSearchParams(body).toString() : undefined,
    redirect: 'manual',
  });
  remember(res);
  const text = await res.text();
  return { status: res.status, location: res.headers.get('location'), text };
}
function fail(msg, r) {
  console.error(`flow.mjs (${kind}): ${msg}: HTTP ${r?.status} ${r?.location || ''}\n${(r?.text || '').slice(0, 600)}`);
  process.exit(1);
}
const unescape = (s) =>
  s
    .replace(/&#x([0-9a-f]+);/gi, (_, h) => String.fromCodePoint(parseInt(h, 16)))
    .replace(/&#([0-9]+);/g, (_, d) => String.fromCodePoint(Number(d)))
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
function hiddenFields(html) {
  const fields = {};
  for (const m of html.matchAll(/<input type="hidden" name="([^"]*)" value="([^"]*)">/g)) {
    fields[unescape(m[1])] = unescape(m[2]);
  }
  return fields;
}
const codeOf = (location) => new URL(location).searchParams.get('code');

const codeVerifier = randomBytes(32).toString('base64url');
const challenge = createHash('sha256').update(codeVerifier).digest('base64url');
const authorizeQuery = new URLSearchParams({
  response_type: 'code',
  client_id: clientId,
  redirect_uri: redirectUri,
  scope,
  state: 'bench',
  code_challenge: challenge,
  code_challenge_method: 'S256',
}).toString();

let out;
if (kind === 'signet') {
  const push = process.env.FLOW_PUSH && JSON.parse(process.env.FLOW_PUSH);
  const pathToGet = () =>
    push ? execFileSync(push[0], [...push.slice(1), challenge], { encoding: 'utf8' }) : `/authorize?${authorizeQuery}`;
  const authorizePath = pathToGet();
  let r = await request('GET', authorizePath);
  if (r.status !== 200 || !r.text.includes('action="/login"')) fail('no login page', r);
  const login = hiddenFields(r.text);
  const loginForm = { ...login, username, password };
  // The form's token is bound to this cookie (an HMAC of it), so both are kept.
  const loginCsrfCookie = jar.get('signet_login_csrf /').value;
  r = await request('POST', '/login', loginForm);
  if (r.status !== 303) fail('login failed', r);
  r = await request('GET', r.location);
  if (r.status !== 200 || !r.text.includes('action="/consent"')) fail('no consent page', r);
  r = await request('POST', '/consent', { ...hiddenFields(r.text), decision: 'allow' });
  if (r.status !== 303 || !codeOf(r.location)) fail('consent did not give a code', r);
  const firstCode = codeOf(r.location);
  // A second GET /authorize must now answer with a code at once.
  r = await request('GET', push ? pathToGet() : authorizePath);
  if (r.status !== 303 || !codeOf(r.location)) fail('remembered consent did not give a code', r);
  out = {
    authorize_path: authorizePath,
    cookie: `signet_session=${jar.get('signet_session /').value}`,
    code_verifier: codeVerifier,
    first_code: firstCode,
    // For the password-login benchmark: a login CSRF cookie and token that match.
    login: {
      cookie: `signet_login_csrf=${loginCsrfCookie}`,
      body: new URLSearchParams(loginForm).toString(),
    },
  };
} else if (kind === 'peer') {
  const authorizePath = `/auth?${authorizeQuery}`;
  let r = await request('GET', authorizePath);
  let code = null;
  for (let step = 0; step < 12 && !code; step++) {
    if (r.status === 303 || r.status === 302) {
      if (r.location.startsWith(redirectUri)) {
        code = codeOf(r.location);
        if (!code) fail('error at redirect', r);
        break;
      }
      r = await request('GET', r.location);
      continue;
    }
    if (r.status !== 200) fail('unexpected answer', r);
    const action = /<form autocomplete="off" action="([^"]+)"/.exec(r.text);
    const prompt = /name="prompt" value="([a-z]+)"/.exec(r.text);
    if (!action || !prompt) fail('no interaction form', r);
    const form = { prompt: prompt[1] };
    if (prompt[1] === 'login') Object.assign(form, { login: username, password });
    r = await request('POST', unescape(action[1]), form);
  }
  if (!code) fail('flow did not end with a code', r);
  r = await request('GET', authorizePath);
  if (r.status !== 303 || !r.location.startsWith(redirectUri) || !codeOf(r.location)) {
    fail('remembered grant did not give a code', r);
  }
  out = {
    authorize_path: authorizePath,
    cookie: cookieFor('/auth'),
    code_verifier: codeVerifier,
    first_code: code,
  };
} else {
  fail(`unknown kind ${kind}`);
}
process.stdout.write(`${JSON.stringify(out)}\n`);
