#include "bank-api/validation.h"

#include <cstdint>

#include "common/date.h"

namespace signet::bank {
namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_upper(char c) { return c >= 'A' && c <= 'Z'; }
bool is_hex(char c) { return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

// Remainder mod 97 of the IBAN digit string, letters expanded to 10..35.
int mod97(std::string_view rearranged) {
  int rem = 0;
  for (char c : rearranged) {
    if (is_digit(c)) {
      rem = (rem * 10 + (c - '0')) % 97;
    } else {
      int v = c - 'A' + 10;
      rem = (rem * 100 + v) % 97;
    }
  }
  return rem;
}

}  // namespace

bool is_iso_date(std::string_view s) { return is_full_date(s); }

bool is_positive_amount(std::string_view s) {
  size_t dot = s.find('.');
  std::string_view whole = s.substr(0, dot);
  std::string_view frac = dot == std::string_view::npos ? std::string_view{} : s.substr(dot + 1);
  if (whole.empty() || whole.size() > 12) return false;
  if (whole.size() > 1 && whole[0] == '0') return false;
  for (char c : whole) {
    if (!is_digit(c)) return false;
  }
  if (dot != std::string_view::npos) {
    if (frac.empty() || frac.size() > 2) return false;
    for (char c : frac) {
      if (!is_digit(c)) return false;
    }
  }
  bool nonzero = false;
  for (char c : s) {
    if (c >= '1' && c <= '9') nonzero = true;
  }
  return nonzero;
}

bool is_currency_code(std::string_view s) {
  return s.size() == 3 && is_upper(s[0]) && is_upper(s[1]) && is_upper(s[2]);
}

bool is_uuid(std::string_view s) {
  if (s.size() != 36) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (s[i] != '-') return false;
    } else if (!is_hex(s[i])) {
      return false;
    }
  }
  return true;
}

std::optional<std::string> normalize_iban(std::string_view s) {
  if (s.size() > 64) return std::nullopt;
  std::string iban;
  for (char c : s) {
    if (c != ' ') iban.push_back(c);
  }
  if (iban.size() < 15 || iban.size() > 34) return std::nullopt;
  if (!is_upper(iban[0]) || !is_upper(iban[1]) || !is_digit(iban[2]) || !is_digit(iban[3])) {
    return std::nullopt;
  }
  for (char c : iban) {
    if (!is_upper(c) && !is_digit(c)) return std::nullopt;
  }
  std::string rearranged = iban.substr(4) + iban.substr(0, 4);
  if (mod97(rearranged) != 1) return std::nullopt;
  return iban;
}

std::string iban_check_digits(std::string_view country, std::string_view bban) {
  std::string rearranged = std::string(bban) + std::string(country) + "00";
  int check = 98 - mod97(rearranged);
  std::string out;
  out.push_back(static_cast<char>('0' + check / 10));
  out.push_back(static_cast<char>('0' + check % 10));
  return out;
}

bool is_printable_text(std::string_view s, size_t max_chars) {
  size_t chars = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    auto c = static_cast<unsigned char>(s[i]);
    if ((c & 0xC0) == 0x80) continue;  // continuation byte
    ++chars;
    if (c < 0x20 || c == 0x7F) return false;
    if (c == 0xC2 && i + 1 < s.size()) {
      auto d = static_cast<unsigned char>(s[i + 1]);
      if (d >= 0x80 && d <= 0x9F) return false;  // C1 controls
    }
  }
  return chars <= max_chars;
}

std::optional<std::string> parse_idempotency_key(std::string_view header) {
  constexpr size_t kMaxKey = 255;
  std::string key;
  if (!header.empty() && header.front() == '"') {
    // RFC 8941 §4.2.5: printable ASCII, with \" and \\ escaped, closed by '"'.
    size_t i = 1;
    for (; i < header.size() && header[i] != '"'; ++i) {
      char c = header[i];
      if (c == '\\') {
        if (++i == header.size() || (header[i] != '"' && header[i] != '\\')) return std::nullopt;
        c = header[i];
      } else if (c < 0x20 || c > 0x7E) {
        return std::nullopt;
      }
      key.push_back(c);
    }
    if (i + 1 != header.size()) return std::nullopt;  // unterminated, or trailing data
  } else {
    for (char c : header) {
      if (c <= 0x20 || c > 0x7E) return std::nullopt;
    }
    key = std::string(header);
  }
  if (key.empty() || key.size() > kMaxKey) return std::nullopt;
  return key;
}

}  // namespace signet::bank
