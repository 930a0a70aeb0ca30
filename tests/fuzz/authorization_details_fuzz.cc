// RFC 9396 authorization_details (protocol/authorization_details.h) as /authorize,
// /par and /token read the parameter: AuthorizationDetailsTypes::parse with the
// built-in types, for any client and for one allowed only account_information.
// Checks that a refusal's description keeps to RFC 6749 §5.2's characters, and
// that what is accepted survives the steps that follow it: the consent page's
// words, enrichment with a chosen account (still valid), a check of its own
// output, narrowing to itself, and its own JSON text read again.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "protocol/authorization_details.h"

using namespace signet::protocol;

namespace {
void check_description(const OAuthError& e) {
  if (e.code != "invalid_authorization_details" || e.status != 400 || e.description.empty())
    abort();
  for (const char c : e.description) {
    // error_description = %x20-21 / %x23-5B / %x5D-7E
    if (c < 0x20 || c > 0x7E || c == '"' || c == '\\') abort();
  }
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  const auto& types = AuthorizationDetailsTypes::builtin();
  static const std::vector<std::string> only_accounts{"account_information"};
  if (auto r = types.parse(text, &only_accounts); !r) check_description(r.error());

  auto details = types.parse(text, nullptr);
  if (!details) {
    check_description(details.error());
    return 0;
  }
  const nlohmann::json& d = *details;
  if (!d.is_array() || d.empty() || d.size() > 10) abort();
  if (!types.check(d, nullptr)) abort();
  if (!narrow_authorization_details(d, d)) abort();
  for (const auto& detail : d) {
    const auto words = types.describe(detail);
    if (words.title.empty() || words.type != detail["type"]) abort();
    for (const auto& line : words.lines) {
      if (line.label.empty() || line.value.empty()) abort();
    }
    const auto filled = types.with_chosen_accounts(detail, {"DE89370400440532013000"});
    if (!types.check(nlohmann::json::array({filled}), nullptr)) abort();
    if (!types.describe(filled).account_choices.empty()) abort();
    (void)authorization_details_for_audience(d, "https://api.bank.example");
  }
  const std::string again = d.dump();
  if (again.size() <= 16 * 1024 && !types.parse(again, nullptr)) abort();
  return 0;
}
