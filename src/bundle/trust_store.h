// The publisher keys a device trusts: every publisher public key file (*.pub with the
// outpost-publisher-public-v1 tag) in one directory. Device key files there are ignored.
#pragma once

#include <map>
#include <string>

#include "bundle/keys.h"

namespace outpost::bundle {

class TrustStore {
 public:
  // Reads every *.pub publisher key in `dir` (or the single key file `dir` names). A file that
  // is not a key file is an error, so a typo in the store is never silently ignored. Whoever
  // can write the store decides what runs, so the directory and each key must be owned by root
  // or this user and not writable by group or others, and a key may not be a symbolic link
  // (read with O_NOFOLLOW): kUntrusted naming the path and the chmod/chown that fixes it.
  static Result<TrustStore> load(const std::string& dir);

  void add(const KeyPair& publisher_public_key);
  // nullptr when `id` is not trusted.
  const KeyPair* find(const KeyId& id) const;
  size_t size() const { return keys_.size(); }
  const std::string& source() const { return source_; }

 private:
  std::map<KeyId, KeyPair> keys_;
  std::string source_ = "(in memory)";
};

}  // namespace outpost::bundle
