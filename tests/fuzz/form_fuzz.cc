// application/x-www-form-urlencoded decoding (common/form.h): every query string
// and form body reaches parse_form() before any handler looks at it.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/form.h"

using namespace signet;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);

  auto params = parse_form(in);
  if (params) {
    // What was accepted encodes back to a form that decodes to the same parameters.
    std::vector<std::pair<std::string, std::string>> pairs(params->begin(), params->end());
    auto again = parse_form(encode_form(pairs));
    if (!again) abort();
    // A pair with an empty key and value ("=") is skipped on the way back: compare the rest.
    for (const auto& [k, v] : *params) {
      if (k.empty() && v.empty()) continue;
      const std::string* found = find_param(*again, k);
      if (!found || *found != v) abort();
    }
  }

  for (bool plus_is_space : {true, false}) {
    auto decoded = percent_decode(in, plus_is_space);
    if (decoded && decoded->size() > in.size()) abort();  // decoding never grows
  }
  // Encoding is lossless for what a form value may hold: percent_decode refuses
  // bytes that are not UTF-8 and NUL (RFC 6749 Appendix B), so plain ASCII text
  // must come back, and anything that comes back must be unchanged.
  auto round = percent_decode(url_encode(in), false);
  const bool ascii_text = std::all_of(in.begin(), in.end(), [](char c) {
    return c != '\0' && static_cast<unsigned char>(c) < 0x80;
  });
  if (ascii_text && !round) abort();
  if (round && *round != in) abort();
  (void)append_query("https://client.example/cb?x=1", {{std::string(in), std::string(in)}});
  return 0;
}
