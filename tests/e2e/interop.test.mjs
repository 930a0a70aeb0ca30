// Certified, independent client libraries against Signet: openid-client (and
// oauth4webapi under it) runs the code flow with PKCE and RFC 9207 `iss`
// validation, pushed authorization requests (RFC 9126) and private_key_jwt
// client authentication (RFC 7523); `jose` verifies the access token as a
// resource server would.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import * as jose from 'jose';
import * as oauth from 'oauth4webapi';
import * as client from 'openid-client';

import { bankAudience, signInAndConsent, World } from './harness.mjs';

const REDIRECT = 'http://127.0.0.1:9/callback'; // never fetched: the test reads the Location
let world;
let confidential;

before(async () => {
  world = await World.start({ financeApp: false });
  confidential = world.addClient({
    name: 'InteropApp',
    redirectUris: [REDIRECT],
    scope: 'read:accounts read:transactions',
  });
});

after(async () => {
  await world?.stop();
});

async function discover(c) {
  return client.discovery(
    new URL(world.issuer),
    c.client_id,
    undefined,
    c.client_secret ? client.ClientSecretBasic(c.client_secret) : client.None(),
    { algorithm: 'oauth2', execute: [client.allowInsecureRequests] },
  );
}

async function authorize(config, scope) {
  const verifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: REDIRECT,
    scope,
    state,
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
  });
  const callback = await signInAndConsent(world, url.href, world.user);
  return { callback, verifier, state };
}

async function verifyAccessToken(token) {
  const jwks = jose.createRemoteJWKSet(new URL(`${world.issuer}/jwks`));
  return jose.jwtVerify(token, jwks, {
    issuer: world.issuer,
    audience: bankAudience,
    typ: 'at+jwt',
    algorithms: ['ES256'],
    requiredClaims: ['exp', 'iat', 'sub', 'client_id', 'jti'],
  });
}

// Sends the browser to /authorize with client_id and a pushed request_uri, signs
// in and consents, and redeems the code with oauth4webapi: the tokens.
async function redeemPushedRequest(as, c, auth, requestUri, state, verifier) {
  const u = new URL(as.authorization_endpoint);
  u.searchParams.set('client_id', c.client_id);
  u.searchParams.set('request_uri', requestUri);
  const cb = await signInAndConsent(world, u.href, world.user);
  const tokens = await oauth.processAuthorizationCodeResponse(
    as,
    c,
    await oauth.authorizationCodeGrantRequest(as, c, auth, oauth.validateAuthResponse(as, c, cb, state), REDIRECT, verifier, {
      [oauth.allowInsecureRequests]: true,
    }),
  );
  return { tokens, url: u.href };
}

test('openid-client discovers Signet from RFC 8414 metadata', async () => {
  const config = await discover(confidential);
  const md = config.serverMetadata();
  assert.equal(md.issuer, world.issuer);
  assert.deepEqual(md.code_challenge_methods_supported, ['S256']);
  assert.equal(md.authorization_response_iss_parameter_supported, true);
  assert.ok(md.supportsPKCE());
});

test('openid-client completes the code flow; the access token verifies with jose', async () => {
  const config = await discover(confidential);
  const { callback, verifier, state } = await authorize(config, 'read:accounts read:transactions');
  assert.equal(callback.searchParams.get('iss'), world.issuer);

  // Validates state and iss (RFC 9207), redeems with client_secret_basic + PKCE.
  const tokens = await client.authorizationCodeGrant(config, callback, {
    pkceCodeVerifier: verifier,
    expectedState: state,
  });
  assert.equal(tokens.token_type.toLowerCase(), 'bearer');
  assert.ok(tokens.expires_in > 0);

  const { payload, protectedHeader } = await verifyAccessToken(tokens.access_token);
  assert.equal(protectedHeader.alg, 'ES256');
  assert.equal(protectedHeader.typ, 'at+jwt');
  assert.equal(payload.sub, world.user.subject);
  assert.equal(payload.client_id, confidential.client_id);
  assert.deepEqual(payload.scope.split(' ').sort(), ['read:accounts', 'read:transactions']);

  // And bank-api accepts it.
  const r = await fetch(`${world.bankApi}/accounts`, {
    headers: { authorization: `Bearer ${tokens.access_token}` },
  });
  assert.equal(r.status, 200);
});

test('a callback with a forged iss is rejected by the client library (mix-up defence)', async () => {
  const config = await discover(confidential);
  const { callback, verifier, state } = await authorize(config, 'read:transactions');
  const forged = new URL(callback);
  forged.searchParams.set('iss', 'https://evil.example');
  const issProblem = (e) => {
    const cause = e.cause ?? {};
    assert.ok(
      cause.attribute === 'iss' || cause.parameter === 'iss' || /iss/.test(`${e.message} ${cause.message ?? ''}`),
      `rejected for another reason: ${e.message} ${e.code} ${JSON.stringify(cause)}`,
    );
    return true;
  };
  await assert.rejects(
    client.authorizationCodeGrant(config, forged, { pkceCodeVerifier: verifier, expectedState: state }),
    issProblem,
  );
  const missing = new URL(callback);
  missing.searchParams.delete('iss');
  await assert.rejects(
    client.authorizationCodeGrant(config, missing, { pkceCodeVerifier: verifier, expectedState: state }),
    issProblem,
  );
  // The genuine callback still redeems: the code was never sent above.
  const tokens = await client.authorizationCodeGrant(config, callback, {
    pkceCodeVerifier: verifier,
    expectedState: state,
  });
  await verifyAccessToken(tokens.access_token);
});

test('a denial arrives as access_denied with iss, and the library reports it', async () => {
  const bob = world.addUser('bob-interop', 'another long passphrase');
  const config = await discover(confidential);
  const verifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: REDIRECT,
    scope: 'read:transactions',
    state,
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
  });
  const callback = await signInAndConsent(world, url.href, bob, 'deny');
  assert.equal(callback.searchParams.get('error'), 'access_denied');
  assert.equal(callback.searchParams.get('iss'), world.issuer);
  await assert.rejects(
    client.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedState: state }),
    (e) => e.error === 'access_denied' || /access_denied/.test(String(e.message) + String(e.cause?.error)),
  );
});

test('oauth4webapi: a public client with PKCE, and refusal of a wrong verifier', async () => {
  const pub = world.addClient({
    name: 'PublicApp',
    redirectUris: [REDIRECT],
    scope: 'read:transactions',
    isPublic: true,
  });
  const issuer = new URL(world.issuer);
  const as = await oauth
    .discoveryRequest(issuer, { algorithm: 'oauth2', [oauth.allowInsecureRequests]: true })
    .then((r) => oauth.processDiscoveryResponse(issuer, r));
  const c = { client_id: pub.client_id };
  const auth = oauth.None();

  const run = async () => {
    const verifier = oauth.generateRandomCodeVerifier();
    const state = oauth.generateRandomState();
    const u = new URL(as.authorization_endpoint);
    u.search = new URLSearchParams({
      response_type: 'code',
      client_id: pub.client_id,
      redirect_uri: REDIRECT,
      scope: 'read:transactions',
      state,
      code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
    }).toString();
    const cb = await signInAndConsent(world, u.href, world.user);
    const params = oauth.validateAuthResponse(as, c, cb, state);
    return { params, verifier };
  };

  const good = await run();
  const res = await oauth.authorizationCodeGrantRequest(as, c, auth, good.params, REDIRECT, good.verifier, {
    [oauth.allowInsecureRequests]: true,
  });
  const tokens = await oauth.processAuthorizationCodeResponse(as, c, res);
  await verifyAccessToken(tokens.access_token);

  const bad = await run();
  const res2 = await oauth.authorizationCodeGrantRequest(
    as,
    c,
    auth,
    bad.params,
    REDIRECT,
    oauth.generateRandomCodeVerifier(),
    { [oauth.allowInsecureRequests]: true },
  );
  await assert.rejects(oauth.processAuthorizationCodeResponse(as, c, res2), (e) => e.error === 'invalid_grant');
});

test('oauth4webapi: client_credentials; token verifies with jose, sub is the client', async () => {
  const machine = world.addClient({ name: 'Reporter', scope: 'read:accounts', grants: ['client_credentials'] });
  const issuer = new URL(world.issuer);
  const as = await oauth
    .discoveryRequest(issuer, { algorithm: 'oauth2', [oauth.allowInsecureRequests]: true })
    .then((r) => oauth.processDiscoveryResponse(issuer, r));
  const c = { client_id: machine.client_id };
  const res = await oauth.clientCredentialsGrantRequest(
    as,
    c,
    oauth.ClientSecretBasic(machine.client_secret),
    new URLSearchParams({ scope: 'read:accounts' }),
    { [oauth.allowInsecureRequests]: true },
  );
  const tokens = await oauth.processClientCredentialsResponse(as, c, res);
  const { payload } = await verifyAccessToken(tokens.access_token);
  assert.equal(payload.sub, machine.client_id);
  assert.equal(payload.scope, 'read:accounts');

  // A token altered in transit fails jose's verification.
  const [h, p, s] = tokens.access_token.split('.');
  const claims = JSON.parse(Buffer.from(p, 'base64url'));
  claims.scope = 'write:payments';
  const tampered = `${h}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${s}`;
  await assert.rejects(verifyAccessToken(tampered), jose.errors.JWSSignatureVerificationFailed);
});

test('openid-client pushes the request (RFC 9126, buildAuthorizationUrlWithPAR) and completes the flow', async () => {
  const config = await discover(confidential);
  assert.equal(config.serverMetadata().pushed_authorization_request_endpoint, `${world.issuer}/par`);
  const verifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  const url = await client.buildAuthorizationUrlWithPAR(config, {
    redirect_uri: REDIRECT,
    scope: 'read:accounts',
    state,
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
  });
  // Only the reference travels through the browser.
  assert.deepEqual([...url.searchParams.keys()].sort(), ['client_id', 'request_uri']);
  const callback = await signInAndConsent(world, url.href, world.user);
  const tokens = await client.authorizationCodeGrant(config, callback, {
    pkceCodeVerifier: verifier,
    expectedState: state,
  });
  const { payload } = await verifyAccessToken(tokens.access_token);
  assert.equal(payload.scope, 'read:accounts');
});

test('oauth4webapi pushedAuthorizationRequest: a request_uri that works once, for its client', async () => {
  const issuer = new URL(world.issuer);
  const insecure = { [oauth.allowInsecureRequests]: true };
  const as = await oauth
    .discoveryRequest(issuer, { algorithm: 'oauth2', ...insecure })
    .then((r) => oauth.processDiscoveryResponse(issuer, r));
  const c = { client_id: confidential.client_id };
  const auth = oauth.ClientSecretBasic(confidential.client_secret);
  const verifier = oauth.generateRandomCodeVerifier();
  const state = oauth.generateRandomState();
  const params = new URLSearchParams({
    response_type: 'code',
    redirect_uri: REDIRECT,
    scope: 'read:transactions',
    state,
    code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
  });
  const pushed = await oauth.processPushedAuthorizationResponse(
    as,
    c,
    await oauth.pushedAuthorizationRequest(as, c, auth, params, insecure),
  );
  assert.match(pushed.request_uri, /^urn:ietf:params:oauth:request_uri:/);
  assert.ok(pushed.expires_in >= 30 && pushed.expires_in < 600, `expires_in ${pushed.expires_in}`);

  const { tokens, url } = await redeemPushedRequest(as, c, auth, pushed.request_uri, state, verifier);
  await verifyAccessToken(tokens.access_token);
  // Spent: the same reference is refused with a page, not sent to the client.
  await assert.rejects(signInAndConsent(world, url, world.user), /unexpected page 400/);
});

test('oauth4webapi PrivateKeyJwt: client credentials and a pushed request with assertions', async () => {
  const kc = await world.addKeyClient({ grants: ['authorization_code', 'client_credentials'], redirectUris: [REDIRECT] });
  const issuer = new URL(world.issuer);
  const insecure = { [oauth.allowInsecureRequests]: true };
  const as = await oauth
    .discoveryRequest(issuer, { algorithm: 'oauth2', ...insecure })
    .then((r) => oauth.processDiscoveryResponse(issuer, r));
  assert.ok(as.token_endpoint_auth_methods_supported.includes('private_key_jwt'));
  const c = { client_id: kc.client_id };
  const auth = oauth.PrivateKeyJwt(kc.key);
  const tokens = await oauth.processClientCredentialsResponse(
    as,
    c,
    await oauth.clientCredentialsGrantRequest(as, c, auth, new URLSearchParams({ scope: 'read:accounts' }), insecure),
  );
  const { payload } = await verifyAccessToken(tokens.access_token);
  assert.equal(payload.client_id, kc.client_id);

  const verifier = oauth.generateRandomCodeVerifier();
  const state = oauth.generateRandomState();
  const pushed = await oauth.processPushedAuthorizationResponse(
    as,
    c,
    await oauth.pushedAuthorizationRequest(
      as,
      c,
      auth,
      new URLSearchParams({
        response_type: 'code',
        redirect_uri: REDIRECT,
        scope: 'read:accounts',
        state,
        code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
        code_challenge_method: 'S256',
      }),
      insecure,
    ),
  );
  const { tokens: codeTokens } = await redeemPushedRequest(as, c, auth, pushed.request_uri, state, verifier);
  await verifyAccessToken(codeTokens.access_token);
});

test('openid-client PrivateKeyJwt: client credentials; a second client key is refused', async () => {
  const kc = await world.addKeyClient({ grants: ['client_credentials'] });
  const config = await client.discovery(
    new URL(world.issuer),
    kc.client_id,
    undefined,
    client.PrivateKeyJwt(kc.key),
    { algorithm: 'oauth2', execute: [client.allowInsecureRequests] },
  );
  const tokens = await client.clientCredentialsGrant(config, { scope: 'read:accounts' });
  await verifyAccessToken(tokens.access_token);

  const stranger = await jose.generateKeyPair('ES256', { extractable: true });
  const impostor = await client.discovery(
    new URL(world.issuer),
    kc.client_id,
    undefined,
    client.PrivateKeyJwt({ key: stranger.privateKey, kid: kc.key.kid }),
    { algorithm: 'oauth2', execute: [client.allowInsecureRequests] },
  );
  // 401 invalid_client with WWW-Authenticate (RFC 6749 §5.2), which the library reports as a challenge.
  await assert.rejects(client.clientCredentialsGrant(impostor, { scope: 'read:accounts' }), (e) => {
    assert.equal(e.status, 401, `${e.code}: ${e.message}`);
    assert.ok(e.code === 'OAUTH_WWW_AUTHENTICATE_CHALLENGE' || e.error === 'invalid_client', `${e.code}: ${e.message}`);
    return true;
  });
});

test('oauth4webapi DPoP: a bound token (after Signet asks for a nonce), accepted by bank-api with a proof', async () => {
  const machine = world.addClient({ name: 'DpopMachine', scope: 'read:accounts', grants: ['client_credentials'] });
  const issuer = new URL(world.issuer);
  const insecure = { [oauth.allowInsecureRequests]: true };
  const as = await oauth
    .discoveryRequest(issuer, { algorithm: 'oauth2', ...insecure })
    .then((r) => oauth.processDiscoveryResponse(issuer, r));
  assert.deepEqual(as.dpop_signing_alg_values_supported, ['ES256', 'PS256', 'EdDSA']);
  const c = { client_id: machine.client_id };
  const auth = oauth.ClientSecretBasic(machine.client_secret);
  const dpop = oauth.DPoP(c, await oauth.generateKeyPair('ES256'));
  const grant = async () =>
    oauth.processClientCredentialsResponse(
      as,
      c,
      await oauth.clientCredentialsGrantRequest(as, c, auth, new URLSearchParams({ scope: 'read:accounts' }), {
        DPoP: dpop,
        ...insecure,
      }),
    );
  let tokens;
  try {
    tokens = await grant();
    assert.fail('Signet asks for a nonce first (SIGNET_DPOP_NONCES defaults to true)');
  } catch (e) {
    assert.ok(oauth.isDPoPNonceError(e), `not a nonce error: ${e.message}`);
    tokens = await grant(); // the handle kept the DPoP-Nonce
  }
  assert.equal(tokens.token_type.toLowerCase(), 'dpop');
  const claims = jose.decodeJwt(tokens.access_token);
  assert.ok(claims.cnf?.jkt, 'cnf.jkt');

  const accounts = await oauth.protectedResourceRequest(
    tokens.access_token,
    'GET',
    new URL(`${world.bankApi}/accounts`),
    new Headers(),
    null,
    { DPoP: dpop, ...insecure },
  );
  assert.equal(accounts.status, 200, await accounts.clone().text());
  // The same token as a bearer token is refused.
  const bearer = await fetch(`${world.bankApi}/accounts`, { headers: { authorization: `Bearer ${tokens.access_token}` } });
  assert.equal(bearer.status, 401);
});
