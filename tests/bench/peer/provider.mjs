// The peer authorization server for tests/bench/run: oidc-provider 9 configured
// for the same work as Signet (ES256 JWT access tokens with typ at+jwt, 600 s,
// client_secret_basic, client_credentials and authorization_code with PKCE S256,
// codes valid 60 s), with an unbounded in-memory adapter (no database).
// Refresh tokens (client wallet-app, grant refresh_token): issued with every code
// exchange of a client allowed the refresh_token grant (Signet's rule; no
// offline_access scope needed), rotated on every use; introspection enabled.
// FAPI 2.0 rows: features.dPoP (no nonces) and pushed authorization requests
// (300 s, like Signet's default); client fapi-app authenticates with
// private_key_jwt (ES256, its public JWKS read from PEER_FAPI_JWKS), gets
// DPoP-bound access tokens, and its refresh tokens are not rotated.
//
// Env: PEER_ISSUER (http://127.0.0.1:19080), PEER_LISTEN_PORT (19080),
//      PEER_CLIENTS_FILE: JSON written here with the clients' credentials,
//      PEER_FAPI_JWKS: the fapi-app client's public JWKS (file; no fapi-app without it).
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import * as jose from 'jose';
import { createServer } from 'node:http';
import Provider, { errors } from 'oidc-provider';

const issuer = process.env.PEER_ISSUER || 'http://127.0.0.1:19080';
const port = Number(process.env.PEER_LISTEN_PORT || 19080);
const audience = process.env.PEER_AUDIENCE || 'bank-api';
const resourceIndicator = 'https://bank-api.example/';
const redirectUri = 'http://127.0.0.1:9/callback';
const scopes = 'read:accounts read:transactions';

// A Map with expiry: oidc-provider's bundled MemoryAdapter is an LRU capped at
// 1000 entries, which would evict codes minted ahead of the benchmark.
const store = new Map();
const grants = new Map();
class MemoryAdapter {
  constructor(name) {
    this.name = name;
  }
  key(id) {
    return `${this.name}:${id}`;
  }
  async upsert(id, payload, expiresIn) {
    const expires = expiresIn ? Date.now() + expiresIn * 1000 : Infinity;
    store.set(this.key(id), { payload, expires });
    if (payload.grantId) {
      let members = grants.get(payload.grantId);
      if (!members) grants.set(payload.grantId, (members = new Set()));
      members.add(this.key(id));
    }
    if (payload.userCode) store.set(`userCode:${payload.userCode}`, { payload: id, expires });
    if (payload.uid) store.set(`uid:${payload.uid}`, { payload: id, expires });
  }
  get(key) {
    const e = store.get(key);
    if (!e) return undefined;
    if (e.expires < Date.now()) {
      store.delete(key);
      return undefined;
    }
    return e.payload;
  }
  async find(id) {
    return this.get(this.key(id));
  }
  async findByUserCode(userCode) {
    const id = this.get(`userCode:${userCode}`);
    return id ? this.find(id) : undefined;
  }
  async findByUid(uid) {
    const id = this.get(`uid:${uid}`);
    return id ? this.find(id) : undefined;
  }
  async consume(id) {
    const p = this.get(this.key(id));
    if (p) p.consumed = Math.floor(Date.now() / 1000);
  }
  async destroy(id) {
    store.delete(this.key(id));
  }
  async revokeByGrantId(grantId) {
    for (const k of grants.get(grantId) || []) store.delete(k);
    grants.delete(grantId);
  }
}
// Expired entries are dropped every 10 s so that memory stays flat.
setInterval(() => {
  const now = Date.now();
  for (const [k, e] of store) if (e.expires < now) store.delete(k);
}, 10_000).unref();

const { privateKey } = await jose.generateKeyPair('ES256', { extractable: true });
const jwk = { ...(await jose.exportJWK(privateKey)), kid: 'peer-es256', alg: 'ES256', use: 'sig' };

const secret = () => randomBytes(32).toString('base64url');
const clients = [
  {
    client_id: 'reconciler',
    client_secret: secret(),
    grant_types: ['client_credentials'],
    response_types: [],
    redirect_uris: [],
    token_endpoint_auth_method: 'client_secret_basic',
    id_token_signed_response_alg: 'ES256',
  },
  {
    client_id: 'finance-app',
    client_secret: secret(),
    grant_types: ['authorization_code'],
    response_types: ['code'],
    redirect_uris: [redirectUri],
    token_endpoint_auth_method: 'client_secret_basic',
    id_token_signed_response_alg: 'ES256',
  },
  {
    client_id: 'wallet-app',
    client_secret: secret(),
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    redirect_uris: [redirectUri],
    token_endpoint_auth_method: 'client_secret_basic',
    id_token_signed_response_alg: 'ES256',
  },
];
if (process.env.PEER_FAPI_JWKS) {
  clients.push({
    client_id: 'fapi-app',
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    redirect_uris: [redirectUri],
    token_endpoint_auth_method: 'private_key_jwt',
    token_endpoint_auth_signing_alg: 'ES256',
    jwks: JSON.parse(readFileSync(process.env.PEER_FAPI_JWKS, 'utf8')),
    dpop_bound_access_tokens: true,
    id_token_signed_response_alg: 'ES256',
  });
}

const provider = new Provider(issuer, {
  adapter: MemoryAdapter,
  clients,
  jwks: { keys: [jwk] },
  cookies: { keys: [secret()] },
  pkce: { required: () => true },
  ttl: {
    AccessToken: 600,
    ClientCredentials: 600,
    AuthorizationCode: 60,
    Grant: 28800,
    RefreshToken: 1209600,
    Interaction: 3600,
    Session: 28800,
    PushedAuthorizationRequest: 300,
  },
  issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed('refresh_token'),
  // FAPI client: no rotation (its refresh tokens are sender-constrained by client
  // authentication); the others rotate on every use.
  rotateRefreshToken: (ctx) => ctx.oidc.client.clientId !== 'fapi-app',
  clientAuthMethods: ['client_secret_basic', 'private_key_jwt'],
  findAccount: async (_ctx, sub) => ({ accountId: sub, claims: async () => ({ sub }) }),
  features: {
    devInteractions: { enabled: true },
    clientCredentials: { enabled: true },
    dPoP: { enabled: true },
    pushedAuthorizationRequests: { enabled: true },
    introspection: {
      enabled: true,
      // Like Signet: a client introspects its own refresh tokens only.
      allowedPolicy: async (_ctx, client, token) => token.clientId === client.clientId,
    },
    revocation: { enabled: false },
    resourceIndicators: {
      enabled: true,
      defaultResource: () => resourceIndicator,
      useGrantedResource: () => true,
      getResourceServerInfo: (_ctx, indicator) => {
        if (indicator !== resourceIndicator) throw new errors.InvalidTarget();
        return {
          scope: scopes,
          audience,
          accessTokenTTL: 600,
          accessTokenFormat: 'jwt',
          jwt: { sign: { alg: 'ES256' } },
        };
      },
    },
  },
});
provider.on('server_error', (_ctx, err) => console.error('peer server_error:', err));

if (process.env.PEER_CLIENTS_FILE) {
  writeFileSync(
    process.env.PEER_CLIENTS_FILE,
    JSON.stringify({ issuer, redirect_uri: redirectUri, clients }, null, 2),
    { mode: 0o600 },
  );
}
createServer(provider.callback()).listen(port, '127.0.0.1', () =>
  console.error(`peer provider on ${issuer}`),
);
