// application/x-www-form-urlencoded (WHATWG URL §5) for query strings and form bodies.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"

namespace signet {

using Params = std::map<std::string, std::string, std::less<>>;

// Why a form or query string was refused: callers choose their answer by
// `fault` (a repeated `resource` is invalid_target at /token, RFC 8707 §2), never
// by comparing the message.
enum class FormFault {
  kMalformedEncoding,  // a bad %XX escape, or a value that is not UTF-8 or holds a NUL
  kEmptyName,          // "=value"
  kRepeated,           // a parameter given twice (RFC 6749 §3.1)
};

struct FormError {
  FormFault fault;
  std::string message;  // lower-case English, for a page or a log line
  std::string name;     // the decoded name of the repeated parameter (kRepeated)
};

// Decodes `%XX` and `+`. Rejects a malformed escape and a parameter given twice
// (RFC 6749 §3.1: "Request and response parameters MUST NOT be included more
// than once"). Empty pairs ("a=1&&b=2") are skipped; a key without '=' has an
// empty value. The error is the first fault found, reading left to right.
Result<Params, FormError> parse_form(std::string_view body);

// Percent-decodes one component; `plus_is_space` for form encoding. Refuses a
// result that is not UTF-8 or holds a NUL.
std::optional<std::string> percent_decode(std::string_view in, bool plus_is_space = true);

// Well-formed UTF-8 (RFC 3629 §4: no overlong forms, no surrogates, at most
// U+10FFFF) without NUL: what PostgreSQL accepts as text.
bool is_text(std::string_view s);

// Encodes one component: unreserved characters (RFC 3986 §2.3) kept, all else %XX.
std::string url_encode(std::string_view in);

// "a=1&b=2" from ordered pairs, each side url_encode()d.
std::string encode_form(const std::vector<std::pair<std::string, std::string>>& pairs);

// Appends a query string to a URI, with '?' or '&' as its existing query needs.
std::string append_query(std::string_view uri,
                         const std::vector<std::pair<std::string, std::string>>& pairs);

// Returns the value of `key`, or nullptr when absent.
const std::string* find_param(const Params& params, std::string_view key);

}  // namespace signet
