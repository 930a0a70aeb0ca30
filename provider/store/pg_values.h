// Conversions between protocol values and PostgreSQL text forms, shared by the
// store's artifact files.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <pqxx/pqxx>

namespace signet::store {

// Encoding of a text[] parameter ("{\"a\",\"b\"}"), and decoding of a text[] field.
std::string to_pg_text_array(const std::vector<std::string>& values);
std::vector<std::string> from_pg_text_array(const pqxx::field& field);

// True if `s` is a canonical textual UUID (8-4-4-4-12 hex digits).
bool looks_like_uuid(std::string_view s);

}  // namespace signet::store
