#include "protocol/json_schema.h"

#include "common/date.h"

#include <cctype>
#include <cmath>
#include <cstdint>
#include <regex>
#include <set>
#include <string_view>
#include <utility>
#include <vector>

namespace signet::protocol {

using nlohmann::json;

namespace {
// A schema nested deeper than this (counting $ref expansions) is refused: it
// bounds compilation of a self-referencing $ref and the validator's recursion.
constexpr int kMaxSchemaDepth = 32;
// The longest string a pattern may be applied to (see the header).
constexpr uint64_t kMaxPatternInput = 256;

enum TypeBit : unsigned {
  kObject = 1,
  kArray = 2,
  kString = 4,
  kBoolean = 8,
  kInteger = 16,
  kNumber = 32,
  kNull = 64,
};

unsigned type_bit(std::string_view name) {
  if (name == "object") return kObject;
  if (name == "array") return kArray;
  if (name == "string") return kString;
  if (name == "boolean") return kBoolean;
  if (name == "integer") return kInteger;
  if (name == "number") return kNumber;
  if (name == "null") return kNull;
  return 0;
}

unsigned type_of(const json& v) {
  switch (v.type()) {
    case json::value_t::object:
      return kObject;
    case json::value_t::array:
      return kArray;
    case json::value_t::string:
      return kString;
    case json::value_t::boolean:
      return kBoolean;
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
      return kInteger | kNumber;
    case json::value_t::number_float: {
      const double d = v.get<double>();
      return std::isfinite(d) && std::trunc(d) == d ? (kInteger | kNumber) : kNumber;
    }
    case json::value_t::null:
      return kNull;
    default:
      return 0;
  }
}

std::string type_words(unsigned bits) {
  static const std::pair<unsigned, const char*> kNames[] = {
      {kObject, "an object"},   {kArray, "an array"},
      {kString, "a string"},    {kBoolean, "true or false"},
      {kInteger, "an integer"}, {kNumber, "a number"},
      {kNull, "null"}};
  std::string out;
  for (const auto& [bit, name] : kNames) {
    if ((bits & bit) == 0 || (bit == kInteger && (bits & kNumber))) continue;
    if (!out.empty()) out += " or ";
    out += name;
  }
  return out;
}

// Unicode code points in valid UTF-8: the bytes that do not continue a sequence.
uint64_t code_points(const std::string& s) {
  uint64_t n = 0;
  for (const char c : s) {
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++n;
  }
  return n;
}

std::string member_path(const std::string& base, const std::string& key) {
  return base.empty() ? key : base + "." + key;
}
}  // namespace

bool is_shown_name(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  for (const char c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-') return false;
  }
  return true;
}

struct JsonSchema::Node {
  unsigned types = 0;  // 0: any
  std::vector<std::pair<std::string, std::unique_ptr<Node>>> properties;
  std::vector<std::string> required;
  bool additional_properties = true;
  std::optional<uint64_t> min_properties;
  std::unique_ptr<Node> items;
  std::optional<uint64_t> min_items, max_items, min_length, max_length;
  std::optional<std::regex> pattern;
  bool date = false;
  std::optional<json> const_value;
  std::optional<std::vector<json>> enum_values;
  std::vector<std::unique_ptr<Node>> all_of, any_of;
  std::string expected;  // x-expected

  const Node* property(const std::string& name) const {
    for (const auto& [k, n] : properties) {
      if (k == name) return n.get();
    }
    return nullptr;
  }

  std::optional<SchemaViolation> check(const json& v, const std::string& path) const;
};

namespace {
SchemaViolation violation(const std::string& path, std::string message) {
  return SchemaViolation{path, std::move(message)};
}

std::string must_be(const JsonSchema::Node& n, const char* fallback) {
  return "must be " + (n.expected.empty() ? std::string(fallback) : n.expected);
}
}  // namespace

std::optional<SchemaViolation> JsonSchema::Node::check(const json& v,
                                                       const std::string& path) const {
  const unsigned t = type_of(v);
  if (types != 0 && (types & t) == 0) return violation(path, "must be " + type_words(types));
  if (const_value && v != *const_value) {
    return violation(path, const_value->is_string() ? "must be " + const_value->get<std::string>()
                                                    : "has a value that is not allowed");
  }
  if (enum_values) {
    bool found = false;
    for (const auto& e : *enum_values) found = found || v == e;
    if (!found) return violation(path, "has a value that is not allowed");
  }
  if (v.is_object()) {
    for (const auto& name : required) {
      if (!v.contains(name)) return violation(member_path(path, name), "is missing");
    }
    if (min_properties && v.size() < *min_properties) {
      return violation(path, "needs at least " + std::to_string(*min_properties) + " member(s)");
    }
    for (const auto& [key, value] : v.items()) {
      const Node* p = property(key);
      if (p == nullptr) {
        if (additional_properties) continue;
        return is_shown_name(key) ? violation(member_path(path, key), "is not allowed")
                                  : violation(path, "has a member that is not allowed");
        continue;
      }
      if (auto bad = p->check(value, member_path(path, key))) return bad;
    }
  } else if (v.is_array()) {
    if (max_items && v.size() > *max_items) {
      return violation(path, "has more than " + std::to_string(*max_items) + " items");
    }
    if (min_items && v.size() < *min_items) {
      return violation(path, "needs at least " + std::to_string(*min_items) + " item(s)");
    }
    if (items) {
      for (size_t i = 0; i < v.size(); ++i) {
        if (auto bad = items->check(v[i], path + "[" + std::to_string(i) + "]")) return bad;
      }
    }
  } else if (v.is_string()) {
    const auto& s = v.get_ref<const std::string&>();
    const uint64_t n = code_points(s);
    if (max_length && n > *max_length) {
      return violation(path, "is longer than " + std::to_string(*max_length) + " characters");
    }
    if (min_length && n < *min_length) {
      return violation(path,
                       n == 0 ? "must not be empty"
                              : "is shorter than " + std::to_string(*min_length) + " characters");
    }
    if (date && !is_full_date(s)) return violation(path, must_be(*this, "a date (YYYY-MM-DD)"));
    if (pattern && !std::regex_search(s, *pattern)) {
      return violation(path, must_be(*this, "of the expected form"));
    }
  }
  for (const auto& sub : all_of) {
    if (auto bad = sub->check(v, path)) return bad;
  }
  if (!any_of.empty()) {
    std::optional<SchemaViolation> first;
    for (const auto& sub : any_of) {
      auto bad = sub->check(v, path);
      if (!bad) return std::nullopt;
      if (!first) first = std::move(bad);
    }
    return first;
  }
  return std::nullopt;
}

namespace {
// Compiles one schema object; `where` is its JSON pointer in the schema, for errors.
class Compiler {
 public:
  explicit Compiler(const json& root) : root_(root) {}

  Result<std::unique_ptr<JsonSchema::Node>> node(const json& s, const std::string& where,
                                                 int depth) {
    if (depth > kMaxSchemaDepth) return bad(where, "is nested too deeply");
    if (s.is_boolean() && s.get<bool>()) return std::make_unique<JsonSchema::Node>();
    if (!s.is_object()) return bad(where, "must be an object");
    if (s.contains("$ref")) {
      if (s.size() != 1) return bad(where, "$ref must stand alone");
      return ref(s["$ref"], where, depth);
    }
    auto n = std::make_unique<JsonSchema::Node>();
    for (const auto& [key, value] : s.items()) {
      const std::string at = where + "/" + key;
      if (key == "$schema" || key == "$id" || key == "$comment" || key == "title" ||
          key == "description" || key == "examples") {
        continue;
      } else if (key == "$defs") {
        if (depth != 0 || !value.is_object()) return bad(at, "must be an object at the root");
      } else if (key == "x-expected") {
        if (!value.is_string()) return bad(at, "must be a string");
        n->expected = value.get<std::string>();
      } else if (key == "type") {
        for (const auto& t : value.is_array() ? value : json::array({value})) {
          const unsigned bit = t.is_string() ? type_bit(t.get<std::string>()) : 0;
          if (bit == 0) return bad(at, "names an unknown type");
          n->types |= bit;
        }
        if (n->types == 0) return bad(at, "must name a type");
      } else if (key == "properties") {
        if (!value.is_object()) return bad(at, "must be an object");
        for (const auto& [name, sub] : value.items()) {
          auto c = node(sub, at + "/" + name, depth + 1);
          if (!c) return fail(c.error());
          n->properties.emplace_back(name, std::move(*c));
        }
      } else if (key == "required") {
        if (!value.is_array()) return bad(at, "must be an array of names");
        for (const auto& r : value) {
          if (!r.is_string()) return bad(at, "must be an array of names");
          n->required.push_back(r.get<std::string>());
        }
      } else if (key == "additionalProperties") {
        if (!value.is_boolean()) return bad(at, "only true or false is supported");
        n->additional_properties = value.get<bool>();
      } else if (key == "items") {
        auto c = node(value, at, depth + 1);
        if (!c) return fail(c.error());
        n->items = std::move(*c);
      } else if (key == "minProperties" || key == "minItems" || key == "maxItems" ||
                 key == "minLength" || key == "maxLength") {
        if (!value.is_number_unsigned()) return bad(at, "must be a non-negative integer");
        const uint64_t u = value.get<uint64_t>();
        if (key == "minProperties") n->min_properties = u;
        if (key == "minItems") n->min_items = u;
        if (key == "maxItems") n->max_items = u;
        if (key == "minLength") n->min_length = u;
        if (key == "maxLength") n->max_length = u;
      } else if (key == "pattern") {
        if (!value.is_string()) return bad(at, "must be a string");
        try {
          n->pattern.emplace(value.get<std::string>(), std::regex::ECMAScript);
        } catch (const std::regex_error& e) {
          return bad(at, std::string("is not a valid regular expression: ") + e.what());
        }
      } else if (key == "format") {
        if (value != "date") return bad(at, "only format \"date\" is supported");
        n->date = true;
      } else if (key == "const") {
        n->const_value = value;
      } else if (key == "enum") {
        if (!value.is_array() || value.empty()) return bad(at, "must be a non-empty array");
        n->enum_values = value.get<std::vector<json>>();
      } else if (key == "allOf" || key == "anyOf") {
        if (!value.is_array() || value.empty()) return bad(at, "must be a non-empty array");
        auto& list = key == "allOf" ? n->all_of : n->any_of;
        for (size_t i = 0; i < value.size(); ++i) {
          auto c = node(value[i], at + "/" + std::to_string(i), depth + 1);
          if (!c) return fail(c.error());
          list.push_back(std::move(*c));
        }
      } else {
        return fail("unsupported_keyword",
                    "unsupported JSON Schema keyword \"" + key + "\" at " + pointer(where));
      }
    }
    if (n->pattern && (!n->max_length || *n->max_length > kMaxPatternInput)) {
      return bad(where, "a pattern needs maxLength of at most " + std::to_string(kMaxPatternInput) +
                            " beside it");
    }
    return n;
  }

 private:
  Result<std::unique_ptr<JsonSchema::Node>> ref(const json& target, const std::string& where,
                                                int depth) {
    static constexpr std::string_view kPrefix = "#/$defs/";
    if (!target.is_string()) return bad(where + "/$ref", "must be a string");
    const auto& t = target.get_ref<const std::string&>();
    if (t.rfind(kPrefix, 0) != 0) return bad(where + "/$ref", "only \"#/$defs/NAME\" is supported");
    const std::string name = t.substr(kPrefix.size());
    const auto defs = root_.find("$defs");
    if (defs == root_.end() || !defs->is_object() || !defs->contains(name)) {
      return bad(where + "/$ref", "names no definition in $defs");
    }
    return node((*defs)[name], "/$defs/" + name, depth + 1);
  }

  static std::string pointer(const std::string& where) { return where.empty() ? "/" : where; }
  static Unexpected<Error> bad(const std::string& where, std::string what) {
    return fail("bad_schema", "schema " + pointer(where) + ": " + what);
  }

  const json& root_;
};
}  // namespace

Result<JsonSchema> JsonSchema::compile(const json& schema) {
  Compiler c(schema);
  auto root = c.node(schema, "", 0);
  if (!root) return fail(root.error());
  return JsonSchema(std::move(*root));
}

JsonSchema::JsonSchema(std::unique_ptr<Node> root) : root_(std::move(root)) {}
JsonSchema::JsonSchema(JsonSchema&&) noexcept = default;
JsonSchema& JsonSchema::operator=(JsonSchema&&) noexcept = default;
JsonSchema::~JsonSchema() = default;

std::optional<SchemaViolation> JsonSchema::validate(const json& value) const {
  return root_->check(value, "");
}

}  // namespace signet::protocol
