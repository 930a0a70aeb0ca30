// A small JSON Schema (draft 2020-12) validator for the subset that the
// authorization details schemas use (schemas/authorization-details/README.md):
// a schema is compiled once, and a keyword outside the subset refuses the whole
// schema, naming the keyword, so that a schema never validates less than it says.
//
// Supported: type (object, array, string, boolean, integer, number; one name or
// a list), properties, required, additionalProperties (false or true),
// minProperties, items (one schema), minItems, maxItems, minLength, maxLength,
// pattern, enum, const, format "date", allOf, anyOf, $ref to "#/$defs/NAME",
// $defs at the root, and the annotations $schema, $id, $comment, title,
// description, examples, x-expected.
//
// - minLength and maxLength count Unicode code points (JSON Schema §6.3.1); the
//   parsed text is valid UTF-8, which nlohmann checks.
// - pattern is an ECMAScript std::regex, searched (not anchored), as the standard
//   says. std::regex backtracks recursively, so a schema with a pattern must set
//   maxLength (at most 256) on the same schema: the length is checked first and
//   no long string reaches the regex.
// - format "date" is RFC 3339 full-date: YYYY-MM-DD naming a real calendar day.
// - x-expected (ours): a short noun phrase saying what a pattern or format wants,
//   used in the error ("must be a decimal string").
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "common/result.h"

namespace signet::protocol {

// The first failure found: where (a JSON path such as "access.accounts[0].iban",
// empty for the value itself) and what is wrong, in words safe to show a client.
struct SchemaViolation {
  std::string path;
  std::string message;
  std::string text() const { return path.empty() ? message : path + ": " + message; }
};

class JsonSchema {
 public:
  struct Node;

  // The error (code "unsupported_keyword", "bad_schema") names what is wrong and
  // where in the schema.
  static Result<JsonSchema> compile(const nlohmann::json& schema);

  JsonSchema(JsonSchema&&) noexcept;
  JsonSchema& operator=(JsonSchema&&) noexcept;
  ~JsonSchema();

  // Validates depth first, stopping at the first failure (an object's members
  // in the order of their names). Recursion
  // follows the schema, not the value, so its depth is bounded by the schema's.
  std::optional<SchemaViolation> validate(const nlohmann::json& value) const;

 private:
  explicit JsonSchema(std::unique_ptr<Node> root);
  std::unique_ptr<Node> root_;
};

// A name from the input that may appear in an error description: 1-64 ASCII
// letters, digits, '_' or '-' (RFC 6749 §5.2 limits error_description's
// characters; anything else is left out of the message).
bool is_shown_name(std::string_view name);

}  // namespace signet::protocol
