#include "store/resource_cache.h"

#include <utility>

namespace signet::store {

CachedResourceStore::CachedResourceStore(Loader load, const Clock& clock, int64_t ttl_seconds)
    : load_(std::move(load)), clock_(clock), ttl_(ttl_seconds) {}

protocol::StoreResult<std::optional<protocol::ResourceServer>> CachedResourceStore::find_resource(
    std::string_view audience) {
  const int64_t now = clock_.now();
  std::shared_ptr<const Registry> registry;
  {
    std::lock_guard lock(mu_);
    if (registry_ && expires_at_ > now) registry = registry_;
  }
  if (!registry) {
    const uint64_t generation = generation_.load();
    auto loaded = load_();
    if (!loaded) return fail(std::move(loaded.error()));  // errors are never kept
    auto fresh = std::make_shared<Registry>();
    for (auto& r : *loaded) {
      std::string key = r.audience;
      fresh->emplace(std::move(key), std::move(r));
    }
    registry = fresh;
    std::lock_guard lock(mu_);
    if (generation_.load() == generation) {
      registry_ = std::move(fresh);
      expires_at_ = now + ttl_;
    }
  }
  auto it = registry->find(audience);
  if (it == registry->end()) return std::optional<protocol::ResourceServer>{};
  return std::optional<protocol::ResourceServer>{it->second};
}

void CachedResourceStore::invalidate() {
  std::lock_guard lock(mu_);
  ++generation_;
  registry_.reset();
}

}  // namespace signet::store
