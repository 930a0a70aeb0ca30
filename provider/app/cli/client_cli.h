// What `client add` and `client update` share (internal to signet_cli): one
// JSON rendering of a client for add, list, show and update, and the flags that
// mean the same thing in both commands.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "app/cli/cli_util.h"
#include "protocol/stores.h"

namespace signet::cli {

// A client as every command prints it (never its secret; `client add` adds the
// secret once). Every field is always present.
nlohmann::json client_json(const protocol::Client& c);

// --name NAME, --scope "a b" (repeatable, accumulated), --grant TYPE
// (repeatable), --access-token-ttl SECONDS|default.
struct ClientFlags {
  std::optional<std::string> name;
  std::optional<std::vector<std::string>> scopes;
  std::vector<std::string> grants;
  bool ttl_given = false;
  std::optional<int64_t> access_token_ttl;  // unset with ttl_given: the server's default
  // --authorization-details-types "T1 T2" (RFC 9396 §10); "" = none.
  std::optional<std::vector<std::string>> detail_types;
};

// Reads one shared flag at the current position of `args`. False when the word
// is none of them (nothing consumed); true when it was one, with `problem` set
// (naming the flag) when its value is missing or invalid.
bool parse_client_flag(util::Args& args, ClientFlags& flags, std::string& problem);

// Applies the given flags to `c` (name, scopes, grants replace; the lifetime when
// given).
void apply_client_flags(const ClientFlags& flags, protocol::Client& c);

}  // namespace signet::cli
