#include "protocol/authorization_details.h"

#include <algorithm>
#include <set>
#include <stdexcept>
#include <utility>

#include "protocol/authorization_details_schemas.h"
#include "protocol/json_schema.h"

namespace signet::protocol {

using nlohmann::json;

namespace {
constexpr std::size_t kMaxBytes = 16 * 1024;
constexpr int kMaxDepth = 8;  // levels of arrays and objects, the outer array being 1
constexpr std::size_t kMaxDetails = 10;
constexpr char kParam[] = "authorization_details";
// A schema's own text (add()) is configuration, not request input, but it gets a
// ceiling all the same.
constexpr std::size_t kMaxSchemaBytes = 256 * 1024;
constexpr int kMaxSchemaDepth = 64;
// What an empty array of account references says on the consent page (§7.1: the
// customer fills it).
constexpr char kCustomerChooses[] = "the accounts you choose";

OAuthError refused(std::string description) {
  return OAuthError::invalid_authorization_details(std::move(description));
}

// Thrown by the parser callback to stop parsing at once; caught in strict_parse.
struct StopParsing {
  std::string why;
};

// JSON text refused when it repeats a key in any object or nests deeper than
// `max_depth`. nlohmann's parser keeps its own stack (no recursion), and the
// callback stops it at the first level too deep, before anything deeper is built.
Result<json> strict_parse(std::string_view text, int max_depth) {
  std::vector<std::set<std::string, std::less<>>> keys;  // one set per open object
  const json::parser_callback_t cb = [&](int depth, json::parse_event_t event, json& parsed) {
    switch (event) {
      case json::parse_event_t::object_start:
      case json::parse_event_t::array_start:
        if (depth >= max_depth) {
          throw StopParsing{"is nested deeper than " + std::to_string(max_depth) + " levels"};
        }
        if (event == json::parse_event_t::object_start) keys.emplace_back();
        break;
      case json::parse_event_t::key: {
        auto& name = parsed.get_ref<const std::string&>();
        if (!keys.back().insert(name).second) {
          throw StopParsing{is_shown_name(name) ? "repeats the key '" + name + "'"
                                                : std::string("repeats a key")};
        }
        break;
      }
      case json::parse_event_t::object_end:
        keys.pop_back();
        break;
      default:
        break;
    }
    return true;
  };
  try {
    return json::parse(text.begin(), text.end(), cb);
  } catch (const StopParsing& stop) {
    return fail("refused", stop.why);
  } catch (const json::exception&) {
    return fail("not_json", "is not valid JSON");
  }
}

std::vector<std::string> split_path(std::string_view path) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (true) {
    const auto dot = path.find('.', start);
    out.emplace_back(path.substr(start, dot == std::string_view::npos ? path.npos : dot - start));
    if (dot == std::string_view::npos) return out;
    start = dot + 1;
  }
}

// The schema object a "$ref" names, or the schema itself.
const json* deref(const json& root, const json* s) {
  for (int i = 0; s != nullptr && s->is_object() && s->contains("$ref") && i < 8; ++i) {
    const auto& ref = (*s)["$ref"];
    static constexpr std::string_view kPrefix = "#/$defs/";
    if (!ref.is_string() || ref.get_ref<const std::string&>().rfind(kPrefix, 0) != 0)
      return nullptr;
    const auto defs = root.find("$defs");
    if (defs == root.end() || !defs->is_object()) return nullptr;
    const auto it = defs->find(ref.get_ref<const std::string&>().substr(kPrefix.size()));
    s = it == defs->end() ? nullptr : &*it;
  }
  return s;
}

// The schema of the field at `path` (through "properties"), or nullptr.
const json* schema_at(const json& root, const std::vector<std::string>& path) {
  const json* s = &root;
  for (const auto& name : path) {
    s = deref(root, s);
    if (s == nullptr || !s->is_object() || !s->contains("properties")) return nullptr;
    const auto& props = (*s)["properties"];
    const auto it = props.find(name);
    if (it == props.end()) return nullptr;
    s = &*it;
  }
  return deref(root, s);
}

const json* value_at(const json& detail, const std::vector<std::string>& path) {
  const json* v = &detail;
  for (const auto& name : path) {
    if (!v->is_object()) return nullptr;
    const auto it = v->find(name);
    if (it == v->end()) return nullptr;
    v = &*it;
  }
  return v;
}

// "DE02100100109307118603" -> "DE02 1001 0010 9307 1186 03": easier to compare by eye.
std::string in_fours(const std::string& iban) {
  std::string out;
  for (std::size_t i = 0; i < iban.size(); ++i) {
    if (i > 0 && i % 4 == 0) out += ' ';
    out += iban[i];
  }
  return out;
}
}  // namespace

namespace rar {
// One registered type: its schema compiled, and its x-consent block compiled into
// lines of text pieces and field references.
struct DetailType {
  struct Field {
    std::vector<std::string> path;
    bool iban = false;  // the "|iban" filter
  };
  struct Piece {
    std::string text;            // literal text, when field is empty
    std::optional<Field> field;  // a "{path}" reference
  };
  struct Line {
    std::string label;
    std::vector<Piece> pieces;
  };

  std::string name;
  std::optional<JsonSchema> schema;
  bool at_most_once = false;
  std::string title;
  std::vector<Line> lines;
  std::vector<std::string> account_choices;

  bool is_choice(const std::vector<std::string>& path) const {
    for (const auto& c : account_choices) {
      if (split_path(c) == path) return true;
    }
    return false;
  }

  // The words for one field, or nullopt when the detail does not have it.
  std::optional<std::string> render(const json& detail, const Field& f) const {
    const json* v = value_at(detail, f.path);
    if (v == nullptr || v->is_null() ||
        (v->is_string() && v->get_ref<const std::string&>().empty())) {
      return std::nullopt;  // nothing to show: "Reference: " would say nothing
    }
    const auto scalar = [&](const json& x) -> std::string {
      if (x.is_string()) {
        const auto& s = x.get_ref<const std::string&>();
        return f.iban ? in_fours(s) : s;
      }
      if (x.is_boolean()) return x.get<bool>() ? "yes" : "no";
      if (x.is_object() && x.contains("iban") && x["iban"].is_string()) {
        return f.iban ? in_fours(x["iban"].get<std::string>()) : x["iban"].get<std::string>();
      }
      return x.dump();
    };
    if (!v->is_array()) return scalar(*v);
    if (v->empty())
      return is_choice(f.path) ? std::optional<std::string>(kCustomerChooses) : std::nullopt;
    std::string out;
    for (const auto& item : *v) {
      if (!out.empty()) out += ", ";
      out += scalar(item);
    }
    return out;
  }
};

}  // namespace rar

// The registry's private type is the one above; the helpers below use its name.
struct AuthorizationDetailsTypes::Type : rar::DetailType {};

namespace {
using Type = rar::DetailType;

// "{instructedAmount.amount} {instructedAmount.currency}" -> pieces; each field
// must be a property the schema declares, so a typo fails at add(), not on a page.
Result<std::vector<Type::Piece>> compile_template(const json& schema, const std::string& tpl) {
  std::vector<Type::Piece> pieces;
  std::size_t i = 0;
  while (i < tpl.size()) {
    const auto open = tpl.find('{', i);
    if (open == std::string::npos) {
      pieces.push_back({tpl.substr(i), std::nullopt});
      break;
    }
    if (open > i) pieces.push_back({tpl.substr(i, open - i), std::nullopt});
    const auto close = tpl.find('}', open);
    if (close == std::string::npos)
      return fail("bad_schema", "x-consent: unclosed { in \"" + tpl + "\"");
    std::string ref = tpl.substr(open + 1, close - open - 1);
    Type::Field field;
    if (const auto bar = ref.find('|'); bar != std::string::npos) {
      if (ref.substr(bar + 1) != "iban") {
        return fail("bad_schema", "x-consent: unknown filter in {" + ref + "} (only |iban)");
      }
      field.iban = true;
      ref.resize(bar);
    }
    field.path = split_path(ref);
    if (ref.empty() || schema_at(schema, field.path) == nullptr) {
      return fail("bad_schema", "x-consent: {" + ref + "} is not a property of the schema");
    }
    pieces.push_back({"", std::move(field)});
    i = close + 1;
  }
  return pieces;
}

Status<> read_consent(const json& schema, Type& type) {
  const auto it = schema.find("x-consent");
  if (it == schema.end() || !it->is_object()) return fail("bad_schema", "x-consent is missing");
  const json& c = *it;
  for (const auto& [key, value] : c.items()) {
    if (key != "title" && key != "lines" && key != "account_choices") {
      return fail("unsupported_keyword", "x-consent: unknown member \"" + key + "\"");
    }
  }
  if (!c.contains("title") || !c["title"].is_string() || c["title"].get<std::string>().empty()) {
    return fail("bad_schema", "x-consent: title must be a non-empty string");
  }
  type.title = c["title"].get<std::string>();
  if (!c.contains("lines") || !c["lines"].is_array()) {
    return fail("bad_schema", "x-consent: lines must be an array");
  }
  for (const auto& l : c["lines"]) {
    if (!l.is_object() || l.size() != 2 || !l.contains("label") || !l["label"].is_string() ||
        !l.contains("value") || !l["value"].is_string()) {
      return fail("bad_schema",
                  "x-consent: each line must be {\"label\": TEXT, \"value\": TEMPLATE}");
    }
    auto pieces = compile_template(schema, l["value"].get<std::string>());
    if (!pieces) return fail(pieces.error());
    const bool has_field = std::any_of(pieces->begin(), pieces->end(),
                                       [](const Type::Piece& p) { return p.field.has_value(); });
    if (!has_field) return fail("bad_schema", "x-consent: a line's value names no field");
    type.lines.push_back({l["label"].get<std::string>(), std::move(*pieces)});
  }
  if (c.contains("account_choices")) {
    if (!c["account_choices"].is_array()) {
      return fail("bad_schema", "x-consent: account_choices must be an array of paths");
    }
    for (const auto& p : c["account_choices"]) {
      const json* s = p.is_string() ? schema_at(schema, split_path(p.get<std::string>())) : nullptr;
      if (s == nullptr || !s->is_object() || !s->contains("type") || (*s)["type"] != "array") {
        return fail("bad_schema", "x-consent: account_choices " + p.dump() +
                                      " is not an array property of the schema");
      }
      type.account_choices.push_back(p.get<std::string>());
    }
  }
  return Ok{};
}

// transactionsFromDate after transactionsToDate is refused by code: JSON Schema
// cannot compare two fields. Both are full-dates when the schema declares them
// so, and full-dates compare as text.
std::optional<std::string> check_date_order(const json& detail) {
  const auto from = detail.find("transactionsFromDate");
  const auto to = detail.find("transactionsToDate");
  if (from == detail.end() || to == detail.end() || !from->is_string() || !to->is_string()) {
    return std::nullopt;
  }
  if (from->get_ref<const std::string&>() > to->get_ref<const std::string&>()) {
    return std::string("transactionsFromDate: must not be after transactionsToDate");
  }
  return std::nullopt;
}
}  // namespace

AuthorizationDetailsTypes::AuthorizationDetailsTypes() = default;
AuthorizationDetailsTypes::~AuthorizationDetailsTypes() = default;
AuthorizationDetailsTypes::AuthorizationDetailsTypes(AuthorizationDetailsTypes&&) noexcept =
    default;
AuthorizationDetailsTypes& AuthorizationDetailsTypes::operator=(
    AuthorizationDetailsTypes&&) noexcept = default;

const AuthorizationDetailsTypes& AuthorizationDetailsTypes::builtin() {
  static const AuthorizationDetailsTypes types = [] {
    AuthorizationDetailsTypes t;
    for (std::size_t i = 0; i < authorization_details_schemas::kCount; ++i) {
      const auto& s = authorization_details_schemas::kSchemas[i];
      if (auto added = t.add(s.text); !added) {
        // A built-in schema is part of the source: this is a bug, found by any test.
        throw std::logic_error(std::string("schemas/authorization-details/") + s.file + ": " +
                               added.error().message);
      }
    }
    return t;
  }();
  return types;
}

Status<> AuthorizationDetailsTypes::add(std::string_view schema_text) {
  if (schema_text.size() > kMaxSchemaBytes) return fail("bad_schema", "the schema is too long");
  auto parsed = strict_parse(schema_text, kMaxSchemaDepth);
  if (!parsed) return fail("bad_schema", "the schema " + parsed.error().message);
  json schema = std::move(*parsed);
  if (!schema.is_object()) return fail("bad_schema", "the schema must be a JSON object");

  auto type = std::make_unique<AuthorizationDetailsTypes::Type>();
  // The type's name is the const of its "type" property, which must be required.
  const json* t = schema_at(schema, {"type"});
  if (t == nullptr || !t->is_object() || !t->contains("const") || !(*t)["const"].is_string() ||
      !is_shown_name((*t)["const"].get<std::string>())) {
    return fail("bad_schema",
                "properties/type must be {\"const\": NAME}, NAME of 1-64 letters, digits, _ or -");
  }
  type->name = (*t)["const"].get<std::string>();
  const auto required = schema.find("required");
  if (required == schema.end() || !required->is_array() ||
      std::find(required->begin(), required->end(), "type") == required->end()) {
    return fail("bad_schema", type->name + ": \"type\" must be required");
  }
  if (const auto ap = schema.find("additionalProperties"); ap == schema.end() || *ap != false) {
    return fail("bad_schema", type->name + ": additionalProperties must be false at the root");
  }
  if (types_.count(type->name) != 0) {
    return fail("bad_schema", type->name + ": the type is already registered");
  }
  if (auto consent = read_consent(schema, *type); !consent) {
    return fail(consent.error().code, type->name + ": " + consent.error().message);
  }
  if (const auto once = schema.find("x-at-most-once"); once != schema.end()) {
    if (!once->is_boolean())
      return fail("bad_schema", type->name + ": x-at-most-once must be true or false");
    type->at_most_once = once->get<bool>();
  }
  // The two keywords of ours are read above; the rest must be JSON Schema that
  // JsonSchema supports.
  schema.erase("x-consent");
  schema.erase("x-at-most-once");
  auto compiled = JsonSchema::compile(schema);
  if (!compiled) return fail(compiled.error().code, type->name + ": " + compiled.error().message);
  type->schema = std::move(*compiled);
  types_.emplace(type->name, std::move(type));
  return Ok{};
}

std::vector<std::string> AuthorizationDetailsTypes::names() const {
  std::vector<std::string> out;
  for (const auto& [name, type] : types_) out.push_back(name);
  return out;  // std::map: sorted
}

bool AuthorizationDetailsTypes::knows(std::string_view type) const {
  return types_.find(type) != types_.end();
}

Result<json, OAuthError> AuthorizationDetailsTypes::parse(
    std::string_view text, const std::vector<std::string>* allowed) const {
  // The size first: nothing longer is even parsed.
  if (text.size() > kMaxBytes) {
    return fail(
        refused(std::string(kParam) + " is longer than " + std::to_string(kMaxBytes) + " bytes"));
  }
  auto details = strict_parse(text, kMaxDepth);
  if (!details) return fail(refused(std::string(kParam) + " " + details.error().message));
  return check(*details, allowed);
}

Result<json, OAuthError> AuthorizationDetailsTypes::check(
    const json& details, const std::vector<std::string>* allowed) const {
  if (!details.is_array()) return fail(refused(std::string(kParam) + " must be a JSON array"));
  if (details.empty()) return fail(refused(std::string(kParam) + " must not be empty"));
  if (details.size() > kMaxDetails) {
    return fail(refused(std::string(kParam) + " has more than " + std::to_string(kMaxDetails) +
                        " details"));
  }
  std::set<std::string> once_seen;
  for (std::size_t i = 0; i < details.size(); ++i) {
    const std::string at = std::string(kParam) + "[" + std::to_string(i) + "]: ";
    const json& d = details[i];
    if (!d.is_object()) return fail(refused(at + "must be an object"));
    const auto t = d.find("type");
    if (t == d.end()) return fail(refused(at + "type is missing"));
    if (!t->is_string()) return fail(refused(at + "type must be a string"));
    const auto& name = t->get_ref<const std::string&>();
    const std::string shown = is_shown_name(name) ? "type '" + name + "'" : std::string("the type");
    const auto type = types_.find(name);
    if (type == types_.end()) return fail(refused(at + shown + " is unknown"));
    if (allowed != nullptr && !allowed->empty() &&
        std::find(allowed->begin(), allowed->end(), name) == allowed->end()) {
      return fail(refused(at + shown + " is not allowed for this client"));
    }
    if (auto bad = type->second->schema->validate(d)) return fail(refused(at + bad->text()));
    if (auto bad = check_date_order(d)) return fail(refused(at + *bad));
    if (type->second->at_most_once && !once_seen.insert(name).second) {
      return fail(refused(at + "only one " + name + " is allowed"));
    }
    for (std::size_t j = 0; j < i; ++j) {
      if (details[j] == d) {
        return fail(refused(at + "repeats " + kParam + "[" + std::to_string(j) + "]"));
      }
    }
  }
  return details;
}

DetailDescription AuthorizationDetailsTypes::describe(const json& detail) const {
  DetailDescription out;
  if (detail.is_object() && detail.contains("type") && detail["type"].is_string()) {
    out.type = detail["type"].get<std::string>();
  }
  const auto it = types_.find(out.type);
  if (it == types_.end()) {
    out.title = out.type;
    return out;
  }
  const Type& type = *it->second;
  out.title = type.title;
  for (const auto& line : type.lines) {
    std::string value;
    bool any = false;
    for (const auto& piece : line.pieces) {
      if (!piece.field) {
        value += piece.text;
        continue;
      }
      auto words = type.render(detail, *piece.field);
      any = any || words.has_value();
      value += words.value_or("…");
    }
    if (any) out.lines.push_back({line.label, std::move(value)});
  }
  for (const auto& choice : type.account_choices) {
    const json* v = value_at(detail, split_path(choice));
    if (v != nullptr && v->is_array() && v->empty()) out.account_choices.push_back(choice);
  }
  return out;
}

json AuthorizationDetailsTypes::with_chosen_accounts(const json& detail,
                                                     const std::vector<std::string>& ibans) const {
  json out = detail;
  if (!detail.is_object() || !detail.contains("type") || !detail["type"].is_string()) return out;
  const auto it = types_.find(detail["type"].get<std::string>());
  if (it == types_.end()) return out;
  json accounts = json::array();
  for (const auto& iban : ibans) accounts.push_back({{"iban", iban}});
  for (const auto& choice : it->second->account_choices) {
    json* v = &out;
    for (const auto& name : split_path(choice)) {
      if (v == nullptr || !v->is_object() || !v->contains(name)) {
        v = nullptr;
        break;
      }
      v = &(*v)[name];
    }
    if (v != nullptr && v->is_array() && v->empty()) *v = accounts;
  }
  return out;
}

Result<json, OAuthError> narrow_authorization_details(const json& requested, const json& granted) {
  if (!requested.is_array() || requested.empty()) {
    return fail(refused(std::string(kParam) + " must be a non-empty JSON array"));
  }
  for (std::size_t i = 0; i < requested.size(); ++i) {
    const bool found = granted.is_array() &&
                       std::find(granted.begin(), granted.end(), requested[i]) != granted.end();
    if (!found) {
      return fail(refused(std::string(kParam) + "[" + std::to_string(i) + "] was not granted"));
    }
  }
  return requested;
}

json authorization_details_for_audience(const json& details, const std::string& audience) {
  json out = json::array();
  if (!details.is_array()) return out;
  for (const auto& d : details) {
    if (!d.is_object()) continue;
    const auto loc = d.find("locations");
    if (loc == d.end()) {
      out.push_back(d);
    } else if (loc->is_array() && std::find(loc->begin(), loc->end(), audience) != loc->end()) {
      out.push_back(d);
    }
  }
  return out;
}

}  // namespace signet::protocol
