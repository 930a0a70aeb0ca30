#include "interaction/render.h"

#include <algorithm>
#include <map>
#include <stdexcept>

#include "interaction/assets.h"

namespace signet::interaction {

namespace assets {

std::string_view get(std::string_view path) {
  for (std::size_t i = 0; i < kAssetCount; ++i) {
    if (kAssets[i].path == path) return kAssets[i].text;
  }
  throw std::logic_error("consent-ui asset not compiled in: " + std::string(path));
}

}  // namespace assets

namespace {

mstch::mustache parse(const std::string& path) {
  mstch::mustache tmpl{std::string(assets::get(path))};
  if (!tmpl.is_valid()) {
    throw std::logic_error("consent-ui template " + path + ": " + tmpl.error_message());
  }
  return tmpl;
}

// kainjow's render is not const (it walks and may annotate the parsed tree), so each
// thread parses its own copy once instead of sharing one across threads.
mstch::mustache& template_named(std::string_view name) {
  thread_local std::map<std::string, mstch::mustache, std::less<>> parsed;
  auto it = parsed.find(name);
  if (it == parsed.end()) {
    it = parsed.emplace(std::string(name), parse("templates/" + std::string(name) + ".html")).first;
  }
  return it->second;
}

}  // namespace

std::string render_page(std::string_view name, const std::string& title, const mstch::data& data) {
  // `content` is our own rendered HTML (its variables were escaped when it was
  // rendered); `title` is escaped by the layout.
  mstch::data page;
  page.set("title", title);
  page.set("content", template_named(name).render(data));
  return template_named("layout").render(page);
}

mstch::data hidden_fields(const std::vector<std::pair<std::string, std::string>>& fields,
                          const std::vector<std::string_view>& set_by_page) {
  mstch::data list{mstch::data::type::list};
  for (const auto& [name, value] : fields) {
    if (std::find(set_by_page.begin(), set_by_page.end(), name) != set_by_page.end()) continue;
    mstch::data item;
    item.set("name", name);
    item.set("value", value);
    list.push_back(item);
  }
  return list;
}

mstch::data scope_items(const std::vector<protocol::ScopeDescription>& scopes) {
  mstch::data items{mstch::data::type::list};
  for (const auto& s : scopes) {
    mstch::data item;
    item.set("name", s.name);
    item.set("description", s.description.empty() ? s.name : s.description);
    items.push_back(item);
  }
  return items;
}

mstch::data detail_items(const std::vector<protocol::DetailDescription>& details) {
  mstch::data items{mstch::data::type::list};
  for (const auto& detail : details) {
    mstch::data lines{mstch::data::type::list};
    for (const auto& l : detail.lines) {
      mstch::data line;
      line.set("label", l.label);
      line.set("value", l.value);
      lines.push_back(line);
    }
    mstch::data item;
    item.set("title", detail.title);
    item.set("lines", lines);
    items.push_back(item);
  }
  return items;
}

}  // namespace signet::interaction
