#include <sodium.h>

#include <algorithm>
#include <filesystem>

#include "agent/signed_manifest.h"
#include "agentd/desired_state_source.h"
#include "core/regular_file.h"

namespace outpost::agentd {
namespace {

namespace fs = std::filesystem;

bool is_candidate_name(const std::string& name) {
  const std::string suffix = ".json";
  return !name.empty() && name[0] != '.' && name.size() > suffix.size() &&
         name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::string content_key(const std::string& bytes) {
  uint8_t hash[16];
  crypto_generichash(hash, sizeof hash, reinterpret_cast<const uint8_t*>(bytes.data()),
                     bytes.size(), nullptr, 0);
  return std::string(reinterpret_cast<const char*>(hash), sizeof hash);
}

}  // namespace

DirectorySource::DirectorySource(std::string dir) : dir_(std::move(dir)) {}

std::string DirectorySource::describe() const { return "directory '" + dir_ + "'"; }

Result<std::vector<ManifestCandidate>> DirectorySource::poll() {
  std::error_code ec;
  fs::directory_iterator it(dir_, ec);
  if (ec)
    return io_error("manifest directory '" + dir_ + "' cannot be read: " + ec.message() +
                    " (create it, or fix manifest_dir in the agent's configuration)");
  std::vector<std::string> names;
  for (; it != fs::directory_iterator(); it.increment(ec)) {
    if (ec) break;
    const std::string name = it->path().filename().string();
    if (is_candidate_name(name)) names.push_back(name);
  }
  std::sort(names.begin(), names.end());  // a stable order for reports and tests
  std::vector<ManifestCandidate> out;
  for (const std::string& name : names) {
    const std::string path = dir_ + "/" + name;
    // Not a regular file (a FIFO, a directory named *.json): skipped without blocking.
    auto file = open_regular_file(path);
    if (!file.is_ok()) continue;  // removed or renamed in between: the next poll sees it
    ManifestCandidate candidate{path, "", ""};
    std::string key;
    if (file->size() > agent::kMaxSignedManifestBytes) {
      candidate.refusal = "'" + path + "' is " + std::to_string(file->size()) +
                          " bytes, above the " + std::to_string(agent::kMaxSignedManifestBytes) +
                          " a signed manifest may have";
      key = "size:" + std::to_string(file->size());
    } else {
      auto bytes = read_regular_file(path);
      if (!bytes.is_ok()) continue;
      candidate.signed_text = std::move(*bytes);
      key = content_key(candidate.signed_text);
    }
    auto [pos, inserted] = seen_.try_emplace(name, key);
    if (!inserted && pos->second == key) continue;
    pos->second = key;
    out.push_back(std::move(candidate));
  }
  return out;
}

}  // namespace outpost::agentd
