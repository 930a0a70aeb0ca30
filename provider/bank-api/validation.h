// Strict input checks for bank-api: dates, amounts, IBANs, ids, currency codes.
// Pure functions, no I/O, so they are cheap on an HTTP I/O thread and unit-testable.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace signet::bank {

// "YYYY-MM-DD", a real calendar date, years 0001..9999. Nothing else
// (common/date.h, the rule Signet checks authorization details with).
bool is_iso_date(std::string_view s);

// A positive amount as a string: digits, optionally '.' and 1-2 decimals, no
// sign, no exponent, no leading zeros ("0.50" ok, "00.5" no), at most 12
// integer digits (numeric(14,2)), and greater than zero.
bool is_positive_amount(std::string_view s);

// ISO 4217-shaped code: three ASCII upper-case letters.
bool is_currency_code(std::string_view s);

// A canonical UUID in lower or upper case hex: 8-4-4-4-12.
bool is_uuid(std::string_view s);

// An IBAN (ISO 13616): spaces are removed; the result must be two upper-case
// letters, two digits, 11..30 upper-case letters/digits, and pass the mod-97
// check. Returns the compact form, or nullopt.
std::optional<std::string> normalize_iban(std::string_view s);

// The two ISO 7064 mod-97 check digits for a country code and BBAN.
std::string iban_check_digits(std::string_view country, std::string_view bban);

// Valid UTF-8 (nlohmann has checked it already) without control characters,
// at most `max_chars` code points.
bool is_printable_text(std::string_view s, size_t max_chars);

// The key of an Idempotency-Key header (draft-ietf-httpapi-idempotency-key-
// header §2: an sf-string, RFC 8941 §3.3.3, e.g. "\"8e03978e\""; a bare value
// of visible ASCII is taken as is, as many clients send it). 1..255 characters;
// nullopt otherwise.
std::optional<std::string> parse_idempotency_key(std::string_view header);

}  // namespace signet::bank
