// A download in progress in the content store (DIR/partial/<hex>.part), written through the
// store's quota: the one place where the agent's store grows, so that a full disk, a file size
// limit and the quota all give the same kind of error, naming the store, the file and why.
#pragma once

#include <cstdint>
#include <string>

#include "agentd/content_store.h"
#include "outpost/status.h"

namespace outpost::agentd {

class PartialFile {
 public:
  // Opens the partial file of `sha256` (created when missing), keeping the bytes it holds so
  // that a download can resume after them.
  static Result<PartialFile> open(const ContentStore& store, const std::string& sha256);

  PartialFile(PartialFile&& other) noexcept;
  PartialFile& operator=(PartialFile&&) = delete;
  PartialFile(const PartialFile&) = delete;
  ~PartialFile();

  uint64_t size() const { return size_; }
  // "partial/<hex>.part", as error messages name it.
  const std::string& name() const { return name_; }

  // kIoError naming the quota when `total_size` bytes in this file would not fit in it.
  Status reserve(uint64_t total_size) const;
  // Empties the file, to start the download over.
  Status truncate();
  // Writes at the end: kIoError naming the store, the file and the reason (the quota, or the
  // errno of a full disk, a file size limit, a disk quota).
  Status append(const char* data, size_t n);
  // Flushes the bytes to disk and closes the file.
  Status close();

 private:
  PartialFile(const ContentStore& store, std::string name, int fd, uint64_t size, uint64_t room);
  Status quota_error(uint64_t wanted) const;

  const ContentStore* store_;
  std::string name_;
  int fd_;
  uint64_t size_;
  uint64_t room_;  // bytes the quota still allows (unused without a quota)
};

// kIoError for a failed write into the store, e.g. "agent store '/var/lib/outpost/store':
// writing 'partial/ab...part' failed: No space left on device (disk full: ...)".
Status store_write_error(const ContentStore& store, const std::string& name, int err);

}  // namespace outpost::agentd
