// The one Mustache renderer behind every page (pages.cc, logout_pages.cc,
// connected_apps.cc): templates compiled in from consent-ui/, parsed once per
// thread, and the shared layout around each page body.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <kainjow/mustache.hpp>

#include "protocol/authorization_details.h"
#include "protocol/model.h"

namespace signet::interaction {

namespace mstch = kainjow::mustache;

// Renders templates/<name>.html with `data` and wraps it in the layout with
// `title` (escaped). Throws std::logic_error for a template not compiled in.
std::string render_page(std::string_view name, const std::string& title, const mstch::data& data);

// Hidden form fields ({name, value} items) carrying a request's parameters,
// without the ones the page sets itself.
mstch::data hidden_fields(const std::vector<std::pair<std::string, std::string>>& fields,
                          const std::vector<std::string_view>& set_by_page);

// The {name, description} items of a list of scopes, as the consent and
// connected-apps pages show them (a scope without a description shows its name).
mstch::data scope_items(const std::vector<protocol::ScopeDescription>& scopes);

// Each authorization detail in words (RFC 9396), as the consent and
// connected-apps pages show them: {title, lines: [{label, value}]} items.
mstch::data detail_items(const std::vector<protocol::DetailDescription>& details);

}  // namespace signet::interaction
