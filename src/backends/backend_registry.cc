#include <algorithm>
#include <mutex>

#include "backends/backend.h"

// The generated list of backends this build was configured with (src/backends/CMakeLists.txt):
// one OUTPOST_BACKEND(id) line each, declaring and calling `BackendEntry id##_backend_entry()`.
#define OUTPOST_BACKEND(id) BackendEntry id##_backend_entry();
namespace outpost {
#include "backends/builtin_backends.inc"
}  // namespace outpost
#undef OUTPOST_BACKEND

namespace outpost {

namespace {

bool higher_priority(const BackendEntry& a, const BackendEntry& b) { return a.priority > b.priority; }

struct Registry {
  std::mutex mutex;
  std::vector<BackendEntry> entries;
};

Registry& registry() {
  static Registry* r = [] {
    auto* made = new Registry;  // never destroyed: sessions may outlive static destructors
#define OUTPOST_BACKEND(id) made->entries.push_back(id##_backend_entry());
#include "backends/builtin_backends.inc"
#undef OUTPOST_BACKEND
    std::stable_sort(made->entries.begin(), made->entries.end(), higher_priority);
    return made;
  }();
  return *r;
}

}  // namespace

std::vector<BackendEntry> registered_backends() {
  Registry& r = registry();
  std::lock_guard<std::mutex> lock(r.mutex);
  return r.entries;
}

Status register_backend(BackendEntry entry) {
  if (entry.name.empty() || entry.create == nullptr)
    return usage_error("a backend needs a name and a create function");
  Registry& r = registry();
  std::lock_guard<std::mutex> lock(r.mutex);
  for (const BackendEntry& e : r.entries)
    if (e.name == entry.name) return usage_error("a backend called '" + entry.name + "' is already registered");
  r.entries.insert(std::upper_bound(r.entries.begin(), r.entries.end(), entry, higher_priority), std::move(entry));
  return Status::ok();
}

bool find_backend(const std::string& name) {
  for (const BackendEntry& entry : registered_backends())
    if (entry.name == name) return true;
  return false;
}

const Backend& reference_backend() {
  // It holds no state: one serves every session and the folding of every graph.
  static const std::unique_ptr<Backend> backend = std::move(ref_backend_entry().create(1)).value();
  return *backend;
}

std::string registered_backend_names() {
  std::string names;
  for (const BackendEntry& entry : registered_backends()) names += (names.empty() ? "" : ", ") + entry.name;
  return names;
}

}  // namespace outpost
