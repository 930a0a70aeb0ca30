// Writes the token-bearing seeds of tests/fuzz/corpus/ (tokens signed by the fixed
// fuzzing keys with Signet's own jose code), so they can be made again:
//   build-fuzz/tests/fuzz/make_seeds tests/fuzz/corpus
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>

#include <nlohmann/json.hpp>

#include "common/base64url.h"
#include "common/crypto.h"
#include "common/form.h"
#include "fuzz_fixture.h"
#include "jose/dpop.h"
#include "jose/jws.h"

using namespace signet;
using nlohmann::json;

namespace {

std::filesystem::path root;

void write(const std::string& target, const std::string& name, const std::string& bytes) {
  std::filesystem::create_directories(root / target);
  std::ofstream(root / target / name, std::ios::binary) << bytes;
}

json access_claims() {
  return {{"iss", fuzz::kIssuer}, {"aud", fuzz::kAudience}, {"sub", "alice"},
          {"client_id", "app"},   {"scope", "openid read"}, {"jti", "jti-1"},
          {"iat", fuzz::kNow},    {"exp", fuzz::kNow + 600}};
}

std::string unsigned_token(const json& header, const json& payload, const std::string& sig) {
  return base64url_encode(header.dump()) + "." + base64url_encode(payload.dump()) + "." +
         base64url_encode(sig);
}

// DPoP proofs (dpop_fuzz): accepted ones for each alg, one for each refusal, and
// the harness's "<header JSON>\n<claims JSON>" form that it signs itself.
void write_dpop_seeds() {
  const std::string url = fuzz::kTokenUrl;
  const int64_t now = fuzz::kNow;
  using jose::make_dpop_proof;
  write("dpop_fuzz", "es256", make_dpop_proof(fuzz::es256_key(), "POST", url, now, "jti-1"));
  write("dpop_fuzz", "ps256", make_dpop_proof(fuzz::ps256_key(), "POST", url, now, "jti-2"));
  write("dpop_fuzz", "eddsa", make_dpop_proof(fuzz::eddsa_key(), "POST", url, now, "jti-3"));
  write("dpop_fuzz", "rs256-nonce-ath",
        make_dpop_proof(fuzz::rs256_key(), "POST", url, now, "jti-4", fuzz::kDpopNonce,
                        fuzz::kDpopAccessToken));
  write("dpop_fuzz", "es256-nonce-ath",
        make_dpop_proof(fuzz::es256_key(), "POST", url, now, "jti-5", fuzz::kDpopNonce,
                        fuzz::kDpopAccessToken));
  write("dpop_fuzz", "htu-normalised",
        make_dpop_proof(fuzz::eddsa_key(), "POST", "HTTPS://Issuer.Example:443/%74oken?q=1#f", now,
                        "jti-6"));
  write("dpop_fuzz", "stale", make_dpop_proof(fuzz::es256_key(), "POST", url, now - 3600, "j"));
  write("dpop_fuzz", "wrong-method", make_dpop_proof(fuzz::es256_key(), "GET", url, now, "j"));

  json jwk = fuzz::es256_key().public_jwk();
  for (const char* extra : {"kid", "alg", "use"}) jwk.erase(extra);
  const json claims = {{"jti", "jti-7"}, {"htm", "POST"}, {"htu", url}, {"iat", now}};
  const json header = {{"typ", "dpop+jwt"}, {"alg", "ES256"}, {"jwk", jwk}};
  write("dpop_fuzz", "json-es256", header.dump() + "\n" + claims.dump());
  json ed_jwk = fuzz::eddsa_key().public_jwk();
  for (const char* extra : {"kid", "alg", "use"}) ed_jwk.erase(extra);
  json ed_claims = claims;
  ed_claims["nonce"] = fuzz::kDpopNonce;
  ed_claims["ath"] = sha256_b64url(fuzz::kDpopAccessToken);
  write("dpop_fuzz", "json-eddsa-nonce-ath",
        json{{"typ", "dpop+jwt"}, {"alg", "EdDSA"}, {"jwk", ed_jwk}}.dump() + "\n" +
            ed_claims.dump());
  json private_jwk = jwk;
  private_jwk["d"] = base64url_encode(std::string(32, '\x07'));
  write("dpop_fuzz", "json-private-jwk",
        json{{"typ", "dpop+jwt"}, {"alg", "ES256"}, {"jwk", private_jwk}}.dump() + "\n" +
            claims.dump());
  write("dpop_fuzz", "alg-none",
        unsigned_token({{"typ", "dpop+jwt"}, {"alg", "none"}, {"jwk", jwk}}, claims, "x"));
  write("dpop_fuzz", "hs256-oct",
        unsigned_token({{"typ", "dpop+jwt"},
                        {"alg", "HS256"},
                        {"jwk", {{"kty", "oct"}, {"k", base64url_encode("secret")}}}},
                       claims, std::string(32, 'k')));
  write("dpop_fuzz", "wrong-typ",
        unsigned_token({{"typ", "JWT"}, {"alg", "ES256"}, {"jwk", jwk}}, claims,
                       std::string(64, 's')));
  write("dpop_fuzz", "url", "https://Issuer.Example:443/a%2fb/%7e?x#y");
}

// Client assertions (client_authentication_fuzz, RFC 7523 §2.2) of the client
// "partner": accepted ones for each of its keys, one for each refusal, and the
// harness's "<header JSON>\n<claims JSON>" form that it signs itself.
void write_client_assertion_seeds() {
  const std::string type = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
  const std::string body =
      "\ngrant_type=client_credentials&scope=read&client_assertion_type=" + url_encode(type) +
      "&client_assertion=";
  const json claims = {{"iss", "partner"},  {"sub", "partner"},       {"aud", fuzz::kIssuer},
                       {"iat", fuzz::kNow}, {"exp", fuzz::kNow + 60}, {"jti", "assertion-1"}};
  auto with = [&](const char* name, const json& value) {
    json c = claims;
    if (value.is_null()) {
      c.erase(name);
    } else {
      c[name] = value;
    }
    return c;
  };
  const json typ = {{"typ", "JWT"}};
  auto signed_by = [&](const jose::PrivateKey& key, const json& c) {
    return jose::sign_compact(key, typ, c);
  };
  write("client_authentication_fuzz", "assertion-ps256",
        body + signed_by(fuzz::ps256_key(), claims));
  write("client_authentication_fuzz", "assertion-eddsa",
        body + signed_by(fuzz::eddsa_key(), with("jti", "assertion-2")));
  write("client_authentication_fuzz", "assertion-client-id",
        body + signed_by(fuzz::eddsa_key(), with("jti", "assertion-3")) + "&client_id=partner");
  write("client_authentication_fuzz", "assertion-client-id-other",
        body + signed_by(fuzz::eddsa_key(), claims) + "&client_id=app");
  write("client_authentication_fuzz", "assertion-and-basic",
        "Basic YXBwOmFwcC1zZWNyZXQ=" + body + signed_by(fuzz::eddsa_key(), claims));
  write("client_authentication_fuzz", "assertion-wrong-type",
        "\ngrant_type=client_credentials&client_assertion_type=" +
            url_encode("urn:ietf:params:oauth:client-assertion-type:saml2-bearer") +
            "&client_assertion=" + signed_by(fuzz::eddsa_key(), claims));
  write("client_authentication_fuzz", "assertion-no-type",
        "\ngrant_type=client_credentials&client_assertion=" + signed_by(fuzz::eddsa_key(), claims));
  write("client_authentication_fuzz", "assertion-aud-array",
        body + signed_by(fuzz::eddsa_key(), with("aud", json::array({fuzz::kIssuer}))));
  write("client_authentication_fuzz", "assertion-aud-token-endpoint",
        body + signed_by(fuzz::eddsa_key(), with("aud", fuzz::kTokenUrl)));
  write("client_authentication_fuzz", "assertion-expired",
        body + signed_by(fuzz::eddsa_key(), with("exp", fuzz::kNow - 5)));
  write("client_authentication_fuzz", "assertion-no-exp",
        body + signed_by(fuzz::eddsa_key(), with("exp", nullptr)));
  write("client_authentication_fuzz", "assertion-no-jti",
        body + signed_by(fuzz::eddsa_key(), with("jti", nullptr)));
  write("client_authentication_fuzz", "assertion-iss-not-sub",
        body + signed_by(fuzz::eddsa_key(), with("sub", "app")));
  write("client_authentication_fuzz", "assertion-unregistered-key",
        body + signed_by(fuzz::es256_key(), claims));
  write("client_authentication_fuzz", "assertion-alg-none",
        body + unsigned_token({{"alg", "none"}, {"typ", "JWT"}}, claims, ""));
  {
    // Algorithm confusion: HMAC keyed with the client's public key.
    const json h = {{"alg", "HS256"}, {"typ", "JWT"}};
    const std::string input = base64url_encode(h.dump()) + "." + base64url_encode(claims.dump());
    write("client_authentication_fuzz", "assertion-hs256",
          body + input + "." +
              base64url_encode(hmac_sha256(fuzz::ps256_key().public_jwk().dump(), input)));
  }
  write("client_authentication_fuzz", "assertion-json-eddsa",
        body + url_encode(json{{"alg", "EdDSA"}, {"kid", fuzz::eddsa_key().kid()}}.dump() + "\n" +
                          with("jti", "assertion-4").dump()));
  write("client_authentication_fuzz", "assertion-json-ps256",
        body + url_encode(json{{"alg", "PS256"}, {"kid", fuzz::ps256_key().kid()}}.dump() + "\n" +
                          with("jti", "assertion-5").dump()));
  write("client_authentication_fuzz", "assertion-json-aud-array",
        body + url_encode(json{{"alg", "EdDSA"}}.dump() + "\n" +
                          with("aud", json::array({fuzz::kIssuer})).dump()));
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: make_seeds CORPUS_DIR\n";
    return 2;
  }
  root = argv[1];
  const json at = {{"typ", "at+jwt"}};
  const std::string es = jose::sign_compact(fuzz::es256_key(), at, access_claims());
  const std::string rs = jose::sign_compact(fuzz::rs256_key(), at, access_claims());
  json expired = access_claims();
  expired["exp"] = fuzz::kNow - 60;
  const std::string es_expired = jose::sign_compact(fuzz::es256_key(), at, expired);
  json write_only = access_claims();
  write_only["scope"] = "write";
  write_only["aud"] = json::array({"https://other.example", fuzz::kAudience});
  const std::string es_write = jose::sign_compact(fuzz::es256_key(), at, write_only);
  const std::string id_token = jose::sign_compact(fuzz::rs256_key(), {{"typ", "JWT"}},
                                                  {{"iss", fuzz::kIssuer},
                                                   {"aud", "app"},
                                                   {"sub", "alice"},
                                                   {"nonce", "n-0S6_WzA2Mj"},
                                                   {"iat", fuzz::kNow},
                                                   {"exp", fuzz::kNow + 600}});
  const std::string kid = fuzz::es256_key().kid();
  const std::string alg_none =
      unsigned_token({{"alg", "none"}, {"kid", kid}, {"typ", "at+jwt"}}, access_claims(), "");
  const std::string alg_hs256 = unsigned_token({{"alg", "HS256"}, {"kid", kid}, {"typ", "at+jwt"}},
                                               access_claims(), std::string(32, 'k'));
  const std::string crit =
      unsigned_token({{"alg", "ES256"}, {"kid", kid}, {"crit", json::array({"exp"})}},
                     access_claims(), std::string(64, 's'));
  // An RS256 header naming the ES256 key: the pinned-alg check must refuse it.
  const std::string confused = unsigned_token({{"alg", "RS256"}, {"kid", kid}, {"typ", "at+jwt"}},
                                              access_claims(), std::string(256, 's'));

  int n = 0;
  for (const std::string& t :
       {es, rs, es_expired, es_write, id_token, alg_none, alg_hs256, crit, confused}) {
    const std::string name = "token-" + std::to_string(++n);
    write("jws_fuzz", name, t);
    write("resource_token_fuzz", name, "Bearer " + t);
    write("introspection_fuzz", "introspect-" + name, "Basic cnM6cnMtc2VjcmV0\ntoken=" + t);
  }
  write("resource_token_fuzz", "lowercase-scheme", "bearer " + es);
  write("resource_token_fuzz", "basic-scheme", "Basic YXBwOmFwcC1zZWNyZXQ=");
  write("resource_token_fuzz", "two-spaces", "Bearer  " + es);
  write("introspection_fuzz", "hint",
        "Basic cnM6cnMtc2VjcmV0\ntoken=" + es + "&token_type_hint=access_token");
  write("introspection_fuzz", "refresh-token",
        "\nclient_id=app&client_secret=app-secret&token=rt_abcdef&token_type_hint=refresh_token");
  write("introspection_fuzz", "public-client", "\nclient_id=spa&token=" + es);

  const json jwks = fuzz::key_ring().jwks();
  write("jwks_fuzz", "jwks", jwks.dump());
  write("jwks_fuzz", "ec-jwk", jwks["keys"][0].dump());
  write("jwks_fuzz", "rsa-jwk", jwks["keys"][1].dump());
  json bad = jwks;
  bad["keys"][0]["crv"] = "P-384";
  bad["keys"][1]["e"] = "AQ";
  write("jwks_fuzz", "bad-params", bad.dump());

  const std::string form = "token=" + es + "&token_type_hint=access_token";
  write("http_request_fuzz", "introspect",
        "POST /introspect HTTP/1.1\r\nHost: issuer.example\r\n"
        "Authorization: Basic cnM6cnMtc2VjcmV0\r\n"
        "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: " +
            std::to_string(form.size()) + "\r\n\r\n" + form);
  write("http_request_fuzz", "logout",
        "GET /logout?id_token_hint=" + id_token +
            "&post_logout_redirect_uri=https%3A%2F%2Fapp.example%2F HTTP/1.1\r\n"
            "Host: issuer.example\r\nCookie: signet_session=s3ss10n\r\n\r\n");
  write_dpop_seeds();
  write_client_assertion_seeds();
  std::cout << "seeds written under " << root << "\n";
  return 0;
}
