// The agent's content-addressed store: every bundle, pipeline file and signed manifest it
// fetched, named by its SHA-256 (`DIR/sha256/<64 hex>`), so that the same file is kept once,
// a deployment can be brought back with no network, and a file is never used under a name
// its content does not hash to. Downloads in progress live in `DIR/partial/<64 hex>.part`
// until they are complete and checked.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <string_view>

#include "outpost/status.h"

namespace outpost::agentd {

class ContentStore {
 public:
  // `max_bytes` > 0: a quota on the store's files (complete and partial together); a write
  // that would pass it fails with kIoError naming the quota, as a full disk does.
  explicit ContentStore(std::string dir, uint64_t max_bytes = 0);

  // Creates the directories (mode 0700) when missing. kIoError naming the path otherwise.
  Status init() const;

  const std::string& dir() const { return dir_; }
  uint64_t max_bytes() const { return max_bytes_; }
  std::string path(const std::string& sha256) const;          // DIR/sha256/<hex>
  std::string partial_path(const std::string& sha256) const;  // DIR/partial/<hex>.part

  // Present as a complete file (its name is only ever given after its hash was checked).
  bool has(const std::string& sha256) const;

  // Stores `bytes` (e.g. a signed manifest) durably under their SHA-256, returned.
  Result<std::string> put_bytes(std::string_view bytes) const;

  // Moves a complete partial file into the store after checking its size and SHA-256 (fsync,
  // rename, directory fsync). kInvalidModel naming both hashes (or both sizes) on a mismatch
  // (the partial file is deleted: its bytes are wrong, resuming cannot mend them); kUsage
  // when `sha256` is not 64 lowercase hex digits.
  Status commit_partial(const std::string& sha256, uint64_t expected_size) const;

  // Re-hashes a stored file: kInvalidModel when it changed on disk (bit rot, tampering).
  Status verify(const std::string& sha256) const;

  // Deletes every complete and partial file not in `keep` (garbage collection after a
  // deployment became last-good).
  Status remove_except(const std::set<std::string>& keep) const;

  // Bytes used by complete and partial files.
  uint64_t used_bytes() const;

 private:
  std::string dir_;
  uint64_t max_bytes_;
};

// True for 64 lowercase hex digits: the only names the store gives its files.
bool is_sha256_hex(const std::string& s);

// SHA-256 of bytes / of a file, as 64 lowercase hex digits.
std::string sha256_hex(std::string_view bytes);
Result<std::string> sha256_file_hex(const std::string& path);

}  // namespace outpost::agentd
