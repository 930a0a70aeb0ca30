// The built-in authorization details schemas (schemas/authorization-details/*.schema.json),
// compiled into the binary: provider/protocol/CMakeLists.txt writes their text
// into a generated source at configure time.
#pragma once

#include <cstddef>

namespace signet::protocol::authorization_details_schemas {

struct Schema {
  const char* file;  // e.g. "payment_initiation.schema.json"
  const char* text;
};

extern const Schema kSchemas[];
extern const std::size_t kCount;

}  // namespace signet::protocol::authorization_details_schemas
