// RFC 9068 §4: how a JWT access token is validated, for every reader of one.
#include "jose/access_token.h"

#include <algorithm>
#include <utility>

namespace signet::jose {
namespace {

using nlohmann::json;

Unexpected<AccessTokenRejection> reject(AccessTokenProblem problem, std::string claim = {}) {
  return fail(AccessTokenRejection(problem, std::move(claim)));
}

AccessTokenProblem signature_problem(const JwsError& e) {
  switch (e.fault) {
    case JwsFault::kMalformed:
      return AccessTokenProblem::kMalformed;
    case JwsFault::kUnknownKey:
      return AccessTokenProblem::kUnknownKey;
    case JwsFault::kUnsupportedAlg:
    case JwsFault::kAlgMismatch:
    case JwsFault::kBadSignature:
      return AccessTokenProblem::kBadSignature;
  }
  return AccessTokenProblem::kBadSignature;
}

// RFC 7515 §4.1.9: typ is compared case-insensitively, with or without the
// "application/" prefix (RFC 9068 §2.1).
bool is_access_token_type(const json& header) {
  auto typ = header.find("typ");
  if (typ == header.end() || !typ->is_string()) return false;
  std::string t = typ->get<std::string>();
  std::transform(t.begin(), t.end(), t.begin(), [](unsigned char c) {
    return static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  });
  return t == "at+jwt" || t == "application/at+jwt";
}

// RFC 7519 §2 NumericDate: integer or not.
std::optional<int64_t> numeric_date(const json& value) {
  if (value.is_number_integer()) return value.get<int64_t>();
  if (value.is_number_float()) {
    double d = value.get<double>();
    if (d >= -9.2e18 && d <= 9.2e18) return static_cast<int64_t>(d);
  }
  return std::nullopt;
}

// A required non-empty string claim.
Result<std::string, AccessTokenRejection> required_string(const json& claims, const char* name) {
  auto it = claims.find(name);
  if (it == claims.end()) return reject(AccessTokenProblem::kMissingClaim, name);
  if (!it->is_string()) return reject(AccessTokenProblem::kInvalidClaim, name);
  if (it->get_ref<const std::string&>().empty()) {
    return reject(AccessTokenProblem::kMissingClaim, name);
  }
  return it->get<std::string>();
}

Result<int64_t, AccessTokenRejection> required_date(const json& claims, const char* name) {
  auto it = claims.find(name);
  if (it == claims.end()) return reject(AccessTokenProblem::kMissingClaim, name);
  auto d = numeric_date(*it);
  if (!d) return reject(AccessTokenProblem::kInvalidClaim, name);
  return *d;
}

// `aud`: one string or an array of them (RFC 7519 §4.1.3).
Result<std::vector<std::string>, AccessTokenRejection> audiences(const json& claims) {
  auto it = claims.find("aud");
  if (it == claims.end()) return reject(AccessTokenProblem::kMissingClaim, "aud");
  std::vector<std::string> out;
  if (it->is_string()) {
    out.push_back(it->get<std::string>());
  } else if (it->is_array()) {
    for (const auto& a : *it) {
      if (a.is_string()) out.push_back(a.get<std::string>());
    }
  } else {
    return reject(AccessTokenProblem::kInvalidClaim, "aud");
  }
  return out;
}

std::vector<std::string> split_scope(std::string_view scope) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < scope.size()) {
    size_t j = scope.find(' ', i);
    if (j == std::string_view::npos) j = scope.size();
    if (j > i) out.emplace_back(scope.substr(i, j - i));
    i = j + 1;
  }
  return out;
}

}  // namespace

std::string_view problem_name(AccessTokenProblem problem) {
  switch (problem) {
    case AccessTokenProblem::kMalformed:
      return "malformed";
    case AccessTokenProblem::kUnknownKey:
      return "unknown_key";
    case AccessTokenProblem::kBadSignature:
      return "bad_signature";
    case AccessTokenProblem::kWrongType:
      return "wrong_type";
    case AccessTokenProblem::kWrongIssuer:
      return "wrong_issuer";
    case AccessTokenProblem::kWrongAudience:
      return "wrong_audience";
    case AccessTokenProblem::kExpired:
      return "expired";
    case AccessTokenProblem::kNotYetValid:
      return "not_yet_valid";
    case AccessTokenProblem::kMissingClaim:
      return "missing_claim";
    case AccessTokenProblem::kInvalidClaim:
      break;
  }
  return "invalid_claim";
}

Result<AccessTokenClaims, AccessTokenRejection> verify_access_token(std::string_view token,
                                                                    const KeyLookup& find_key,
                                                                    const AccessTokenRules& rules) {
  // The signature before any claim is read (RFC 8725 §3.1, §3.2); the size
  // limit and the shape are checked there first.
  auto jws = verify_compact(token, find_key, rules.max_token_bytes);
  if (!jws) return reject(signature_problem(jws.error()));
  const json& c = jws->payload;

  // RFC 9068 §4: an ID token (typ JWT) or an untyped JWT is not an access token.
  if (!is_access_token_type(jws->header)) return reject(AccessTokenProblem::kWrongType);

  AccessTokenClaims at;
  auto iss = required_string(c, "iss");
  if (!iss) return fail(std::move(iss.error()));
  if (*iss != rules.issuer) return reject(AccessTokenProblem::kWrongIssuer);
  at.issuer = std::move(*iss);

  auto aud = audiences(c);
  if (!aud) return fail(std::move(aud.error()));
  if (rules.audience) {
    if (std::find(aud->begin(), aud->end(), *rules.audience) == aud->end()) {
      return reject(AccessTokenProblem::kWrongAudience);
    }
  } else if (aud->empty()) {
    return reject(AccessTokenProblem::kMissingClaim, "aud");
  }
  at.audiences = std::move(*aud);

  auto exp = required_date(c, "exp");
  if (!exp) return fail(std::move(exp.error()));
  if (rules.now >= *exp + rules.expiry_leeway_seconds) return reject(AccessTokenProblem::kExpired);
  at.expires_at = *exp;

  if (c.contains("nbf")) {
    auto nbf = required_date(c, "nbf");
    if (!nbf) return fail(std::move(nbf.error()));
    if (rules.now + rules.not_before_leeway_seconds < *nbf) {
      return reject(AccessTokenProblem::kNotYetValid);
    }
  }
  // RFC 9068 §2.2: iat is required; a token from the future is refused.
  auto iat = required_date(c, "iat");
  if (!iat) return fail(std::move(iat.error()));
  if (rules.now + rules.not_before_leeway_seconds < *iat) {
    return reject(AccessTokenProblem::kNotYetValid);
  }
  at.issued_at = *iat;

  for (auto [name, field] : {std::pair{"sub", &at.subject}, std::pair{"client_id", &at.client_id},
                             std::pair{"jti", &at.jti}}) {
    auto v = required_string(c, name);
    if (!v) return fail(std::move(v.error()));
    *field = std::move(*v);
  }
  // RFC 9068 §2.2.3: scope is optional, a space-separated string when present.
  if (auto scope = c.find("scope"); scope != c.end()) {
    if (!scope->is_string()) return reject(AccessTokenProblem::kInvalidClaim, "scope");
    at.scopes = split_scope(scope->get_ref<const std::string&>());
  }
  at.kid = jws->header.value("kid", "");
  at.claims = c;
  return at;
}

}  // namespace signet::jose
