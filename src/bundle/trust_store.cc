#include "bundle/trust_store.h"

#include <algorithm>
#include <filesystem>
#include <system_error>
#include <vector>

namespace outpost::bundle {

Result<TrustStore> TrustStore::load(const std::string& dir) {
  namespace fs = std::filesystem;
  TrustStore store;
  store.source_ = dir;
  std::error_code ec;
  std::vector<std::string> files;
  if (fs::is_regular_file(dir, ec)) {
    files.push_back(dir);
  } else if (fs::is_directory(dir, ec)) {
    for (const auto& entry : fs::directory_iterator(dir, ec))
      if (entry.path().extension() == ".pub") files.push_back(entry.path().string());
    if (ec) return io_error("cannot list trust store '" + dir + "': " + ec.message());
    std::sort(files.begin(), files.end());  // stable error messages
  } else if (fs::exists(dir, ec)) {  // a FIFO or a device: never opened (it could block)
    return io_error("trust store '" + dir +
                    "' is neither a directory of publisher .pub files nor a .pub file");
  } else {
    return io_error("trust store '" + dir +
                    "' does not exist (a directory of publisher .pub files)");
  }
  for (const auto& path : files) {
    OUTPOST_ASSIGN_OR_RETURN(KeyPair key, read_key_file(path));
    if (key.publisher && !key.has_secret) store.add(key);
  }
  return store;
}

void TrustStore::add(const KeyPair& publisher_public_key) {
  KeyPair pub;
  pub.publisher = true;
  pub.name = publisher_public_key.name;
  pub.public_key = publisher_public_key.public_key;
  keys_[pub.id()] = pub;
}

const KeyPair* TrustStore::find(const KeyId& id) const {
  auto it = keys_.find(id);
  return it == keys_.end() ? nullptr : &it->second;
}

}  // namespace outpost::bundle
