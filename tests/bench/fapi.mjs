// The FAPI 2.0 rows of tests/bench/run: keys, and the one-use credentials wrk
// sends (a client assertion, RFC 7523, or a DPoP proof, RFC 9449, is good for one
// request only: unique jti, iat now), generated right before each run so that
// every iat is inside the servers' window (60 s at bank-api and the peer's
// resource server, 300 s at oidc-provider's /token).
//
//   node fapi.mjs keys DIR
//       DIR/fapi-keys.json: the FAPI client's ES256 key (private_key_jwt) and the
//       DPoP key (both private JWKs); DIR/fapi-jwks.json: the client's public JWKS.
//   node fapi.mjs metadata KEYS REDIRECT_URI SCOPE OUT
//       Signet client metadata (signet client add --metadata) of the FAPI client.
//   node fapi.mjs nonce TOKEN_URL BASIC
//       Prints the server's current DPoP nonce (RFC 9449 §8: a proof without one
//       at POST /token is answered use_dpop_nonce with DPoP-Nonce), or nothing.
//   node fapi.mjs dpop-tokens KEYS TOKEN_URL BASIC SCOPE N NONCE OUT
//       N DPoP-bound access tokens (client credentials, proof of the DPoP key).
//   node fapi.mjs proofs KEYS HTM HTU TOKENS N OUT
//       N lines "token<TAB>proof": the tokens of TOKENS in turn, each with a
//       fresh proof for HTM HTU carrying its ath (no nonce).
//   node fapi.mjs assertions KEYS CLIENT_ID AUD N OUT [HTU NONCE]
//       N lines "assertion", or with HTU "assertion<TAB>proof" (POST HTU, NONCE
//       when not empty): fresh client assertions (jti unique, exp in 120 s).
//   node fapi.mjs authorize-path KEYS ISSUER CLIENT_ID REDIRECT_URI SCOPE CHALLENGE
//       Pushes a code request (PKCE CHALLENGE, private_key_jwt) and prints the
//       authorization endpoint's path with client_id and the request_uri (for
//       flow.mjs, FLOW_PUSH, when the client may only use pushed requests).
//   node fapi.mjs refresh-tokens KEYS ISSUER CLIENT_ID COOKIE REDIRECT_URI SCOPE N OUT
//       N refresh tokens of the FAPI client, each through PAR (private_key_jwt), the
//       authorization endpoint with the session COOKIE (consent remembered) and
//       the code exchange with an assertion and a DPoP proof; then one refresh to
//       see whether the server rotates this client's refresh tokens. Writes
//       {"tokens":[...],"rotates":bool,"token_type":...,"code_verifier":...}.
import { createHash, createPrivateKey, generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { createWriteStream, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
const b64u = (x) => Buffer.from(x).toString('base64url');
const jti = () => randomBytes(16).toString('base64url');
const now = () => Math.floor(Date.now() / 1000);

function die(msg) {
  console.error(`fapi.mjs: ${msg}`);
  process.exit(1);
}

function loadKeys(file) {
  const k = JSON.parse(readFileSync(file, 'utf8'));
  const publicOf = ({ kty, crv, x, y }) => ({ kty, crv, x, y });
  return {
    kid: k.client.kid,
    client: createPrivateKey({ key: k.client, format: 'jwk' }),
    dpop: createPrivateKey({ key: k.dpop, format: 'jwk' }),
    dpopJwk: publicOf(k.dpop),
  };
}

// A compact ES256 JWS (raw r||s signature, RFC 7518 §3.4), signed with node:crypto.
function jws(header, payload, key) {
  const input = `${b64u(JSON.stringify(header))}.${b64u(JSON.stringify(payload))}`;
  return `${input}.${sign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' }).toString('base64url')}`;
}

// RFC 9449 §4.2; ath is the base64url SHA-256 of the access token.
function proof(keys, htm, htu, { token, nonce } = {}) {
  const payload = { jti: jti(), htm, htu, iat: now() };
  if (token) payload.ath = createHash('sha256').update(token).digest('base64url');
  if (nonce) payload.nonce = nonce;
  return jws({ typ: 'dpop+jwt', alg: 'ES256', jwk: keys.dpopJwk }, payload, keys.dpop);
}

// RFC 7523 §3: iss = sub = client_id, aud = the issuer identifier (FAPI 2.0 §5.3.2.1).
function assertion(keys, clientId, aud) {
  const iat = now();
  return jws({ alg: 'ES256', kid: keys.kid }, { iss: clientId, sub: clientId, aud, jti: jti(), iat, exp: iat + 120 }, keys.client);
}

async function writeLines(out, n, line) {
  const s = createWriteStream(out);
  for (let i = 0; i < n; i++) {
    if (!s.write(`${line(i)}\n`)) await new Promise((r) => s.once('drain', r));
  }
  await new Promise((r, j) => s.end((e) => (e ? j(e) : r())));
}

async function form(url, body, headers = {}) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(body).toString(),
  });
  return { status: res.status, nonce: res.headers.get('dpop-nonce'), json: await res.json().catch(() => ({})) };
}

// POST to the pushed authorization request endpoint with an assertion: the request_uri.
async function push(keys, md, issuer, clientId, redirectUri, scope, challenge) {
  const par = await form(md.pushed_authorization_request_endpoint, {
    response_type: 'code',
    client_id: clientId,
    redirect_uri: redirectUri,
    scope,
    state: 'bench',
    code_challenge: challenge,
    code_challenge_method: 'S256',
    client_assertion_type: ASSERTION_TYPE,
    client_assertion: assertion(keys, clientId, issuer),
  });
  if (par.status !== 201 || !par.json.request_uri) die(`PAR: HTTP ${par.status} ${JSON.stringify(par.json)}`);
  return par.json.request_uri;
}
const discover = async (issuer) => (await fetch(`${issuer}/.well-known/openid-configuration`)).json();

// Runs fn `count` times, `width` calls at a time.
async function inParallel(count, width, fn) {
  let started = 0;
  const worker = async () => {
    while (started < count) {
      started++;
      await fn();
    }
  };
  await Promise.all(Array.from({ length: width }, worker));
}

const [cmd, ...args] = process.argv.slice(2);
if (cmd === 'keys') {
  const [dir] = args;
  const jwk = () => generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' });
  const client = { ...jwk(), kid: `bench-${jti().slice(0, 8)}`, alg: 'ES256', use: 'sig' };
  const { d: _d, ...pub } = client;
  writeFileSync(join(dir, 'fapi-keys.json'), JSON.stringify({ client, dpop: jwk() }), { mode: 0o600 });
  writeFileSync(join(dir, 'fapi-jwks.json'), JSON.stringify({ keys: [pub] }));
} else if (cmd === 'metadata') {
  const [keysFile, redirectUri, scope, out] = args;
  const { client } = JSON.parse(readFileSync(keysFile, 'utf8'));
  const { d: _d, ...pub } = client;
  writeFileSync(
    out,
    JSON.stringify({
      client_name: 'FapiApp',
      redirect_uris: [redirectUri],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      scope,
      token_endpoint_auth_method: 'private_key_jwt',
      token_endpoint_auth_signing_alg: 'ES256',
      jwks: { keys: [pub] },
      // The FAPI 2.0 profile (Signet's Client::follows_fapi2): its refresh tokens are not rotated.
      require_pushed_authorization_requests: true,
      dpop_bound_access_tokens: true,
    }),
  );
} else if (cmd === 'nonce') {
  const [tokenUrl, basic] = args;
  const keys = { dpop: generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey };
  keys.dpopJwk = (({ kty, crv, x, y }) => ({ kty, crv, x, y }))(keys.dpop.export({ format: 'jwk' }));
  const r = await form(tokenUrl, { grant_type: 'client_credentials' }, { authorization: basic, dpop: proof(keys, 'POST', tokenUrl) });
  process.stdout.write(r.status === 400 && r.json.error === 'use_dpop_nonce' ? r.nonce || '' : '');
} else if (cmd === 'dpop-tokens') {
  const [keysFile, tokenUrl, basic, scope, n, nonce, out] = args;
  const keys = loadKeys(keysFile);
  const tokens = [];
  await inParallel(Number(n), 16, async () => {
    const r = await form(tokenUrl, { grant_type: 'client_credentials', scope }, {
      authorization: basic,
      dpop: proof(keys, 'POST', tokenUrl, { nonce }),
    });
    if (r.status !== 200 || r.json.token_type !== 'DPoP') die(`dpop-tokens: HTTP ${r.status} ${JSON.stringify(r.json)}`);
    tokens.push(r.json.access_token);
  });
  writeFileSync(out, `${tokens.join('\n')}\n`);
} else if (cmd === 'proofs') {
  const [keysFile, htm, htu, tokensFile, n, out] = args;
  const keys = loadKeys(keysFile);
  const tokens = readFileSync(tokensFile, 'utf8').split('\n').filter(Boolean);
  await writeLines(out, Number(n), (i) => {
    const token = tokens[i % tokens.length];
    return `${token}\t${proof(keys, htm, htu, { token })}`;
  });
} else if (cmd === 'assertions') {
  const [keysFile, clientId, aud, n, out, htu, nonce] = args;
  const keys = loadKeys(keysFile);
  await writeLines(out, Number(n), () =>
    htu ? `${assertion(keys, clientId, aud)}\t${proof(keys, 'POST', htu, { nonce })}` : assertion(keys, clientId, aud),
  );
} else if (cmd === 'authorize-path') {
  const [keysFile, issuer, clientId, redirectUri, scope, challenge] = args;
  const md = await discover(issuer);
  const uri = await push(loadKeys(keysFile), md, issuer, clientId, redirectUri, scope, challenge);
  const u = new URL(md.authorization_endpoint);
  process.stdout.write(`${u.pathname}?${new URLSearchParams({ client_id: clientId, request_uri: uri })}`);
} else if (cmd === 'refresh-tokens') {
  const [keysFile, issuer, clientId, cookie, redirectUri, scope, n, out] = args;
  const keys = loadKeys(keysFile);
  const md = await discover(issuer);
  const verifier = randomBytes(32).toString('base64url');
  const challenge = createHash('sha256').update(verifier).digest('base64url');
  let nonce;
  // POST to the token endpoint with an assertion and a proof; once more with the
  // server's nonce when it asks for one.
  const token = async (body) => {
    for (let attempt = 0; ; attempt++) {
      const r = await form(md.token_endpoint, {
        ...body,
        client_id: clientId,
        client_assertion_type: ASSERTION_TYPE,
        client_assertion: assertion(keys, clientId, issuer),
      }, { dpop: proof(keys, 'POST', md.token_endpoint, { nonce }) });
      if (r.nonce) nonce = r.nonce;
      if (r.status === 400 && r.json.error === 'use_dpop_nonce' && attempt === 0) continue;
      if (r.status !== 200) die(`token endpoint: HTTP ${r.status} ${JSON.stringify(r.json)}`);
      return r.json;
    }
  };
  const tokens = [];
  let tokenType;
  const mint = async () => {
    const u = new URL(md.authorization_endpoint);
    u.searchParams.set('client_id', clientId);
    u.searchParams.set('request_uri', await push(keys, md, issuer, clientId, redirectUri, scope, challenge));
    const a = await fetch(u, { headers: { cookie }, redirect: 'manual' });
    const code = a.headers.get('location') && new URL(a.headers.get('location')).searchParams.get('code');
    if (a.status !== 303 || !code) die(`authorization endpoint: HTTP ${a.status} ${a.headers.get('location') || ''}`);
    const t = await token({ grant_type: 'authorization_code', code, redirect_uri: redirectUri, code_verifier: verifier });
    if (!t.refresh_token) die(`no refresh_token in ${JSON.stringify(t)}`);
    tokenType = t.token_type;
    tokens.push(t.refresh_token);
  };
  await mint(); // alone: it learns the nonce
  await inParallel(Number(n) - 1, 8, mint);
  const r = await token({ grant_type: 'refresh_token', refresh_token: tokens[0] });
  const rotates = Boolean(r.refresh_token) && r.refresh_token !== tokens[0];
  if (rotates) tokens[0] = r.refresh_token;
  if (r.token_type !== 'DPoP' || !JSON.parse(Buffer.from(r.access_token.split('.')[1], 'base64url')).cnf?.jkt) die(`refresh gave no DPoP-bound token: ${r.token_type}`);
  writeFileSync(out, JSON.stringify({ tokens, rotates, token_type: tokenType, code_verifier: verifier, challenge }));
} else {
  die(`unknown command ${cmd}`);
}
