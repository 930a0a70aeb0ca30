// RFC 7591 client metadata (app/cli/client_admin.cc check_client_metadata), as
// `signet client add --metadata FILE.json` reads it, and the redirect URI rules
// (app/cli check_redirect_uri). Whatever the check accepts must then convert into
// a client without throwing, as the command does right after it.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "app/cli/admin_commands.h"
#include "app/cli/cli_commands.h"

using namespace signet;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  (void)cli::check_redirect_uri(text);
  (void)cli::check_client_metadata(text, true);  // client update --metadata
  if (!cli::check_client_metadata(text).empty()) return 0;
  try {
    const auto j = nlohmann::json::parse(text);
    (void)j["client_name"].get<std::string>();
    (void)j["scope"].get<std::string>();
    (void)j.value("token_endpoint_auth_method", "client_secret_basic");
    for (const char* k : {"redirect_uris", "grant_types", "post_logout_redirect_uris"}) {
      for (const auto& u : j.value(k, std::vector<std::string>{})) {
        (void)cli::check_redirect_uri(u);
      }
    }
    if (j.contains("access_token_ttl")) (void)j["access_token_ttl"].get<int64_t>();
    if (j.contains("id_token_signed_response_alg")) {
      (void)j["id_token_signed_response_alg"].get<std::string>();
    }
  } catch (const std::exception&) {
    abort();  // accepted by the check, yet the command would throw
  }
  return 0;
}
