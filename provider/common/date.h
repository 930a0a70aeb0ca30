// Calendar dates as text, for JSON fields that carry a day (RFC 3339 §5.6 full-date).
#pragma once

#include <string_view>

namespace signet {

// "YYYY-MM-DD" naming a day that exists (2024-02-29 yes, 2026-02-30 no), years
// 0001-9999; nothing else (no time, no offset, no other separators).
bool is_full_date(std::string_view text);

}  // namespace signet
