#include "resource/pistache_guard.h"

namespace signet::resource {

namespace Http = Pistache::Http;

std::optional<std::string> authorization_header(const Http::Request& request) {
  // Pistache parses Authorization into its typed header; fall back to the raw form
  // in case a build registers it differently.
  if (auto typed = request.headers().tryGet<Http::Header::Authorization>()) {
    return typed->value();
  }
  if (auto raw = request.headers().tryGetRaw(Http::Header::Authorization::Name)) {
    return raw->value();
  }
  return std::nullopt;
}

std::optional<std::string> dpop_header(const Http::Request& request) {
  if (auto raw = request.headers().tryGetRaw("DPoP")) return raw->value();
  return std::nullopt;
}

Result<AccessToken, AuthError> authorize_request(TokenVerifier& verifier,
                                                 const Http::Request& request,
                                                 std::string_view required_scope) {
  auto header = authorization_header(request);
  std::optional<std::string_view> authorization;
  if (header) authorization = *header;
  if (!verifier.accepts_dpop()) return verifier.authorize(authorization, required_scope);

  auto proof = dpop_header(request);
  std::string url = verifier.request_url(request.resource());  // the path, without query
  ProtectedRequest protected_request;
  protected_request.method = Http::methodString(request.method());
  protected_request.url = url;
  protected_request.authorization = authorization;
  if (proof) protected_request.dpop.push_back(*proof);
  return verifier.authorize(protected_request, required_scope);
}

void send_auth_error(Http::ResponseWriter& writer, const AuthError& error) {
  // A 503 (revocations not followed now) is no challenge to the credentials.
  if (error.status() != 503) writer.headers().add<WwwAuthenticate>(error.www_authenticate());
  if (!error.dpop_nonce.empty()) writer.headers().add<DpopNonce>(error.dpop_nonce);
  // Error responses about credentials must not be cached by intermediaries.
  writer.headers().add<Http::Header::CacheControl>(Http::CacheDirective::NoStore);
  writer.headers().add<Http::Header::ContentType>(MIME(Application, Json));
  writer.send(static_cast<Http::Code>(error.status()),
              error.body().dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

}  // namespace signet::resource
