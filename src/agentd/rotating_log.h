// A size-bounded log file for a module's output: appends; when the next write would take the
// file past `max_bytes`, path.(n-1) becomes path.n, ..., path becomes path.1 and a new path is
// begun, keeping `files` files in all (path and path.1 .. path.(files-1)). A write does not
// split a line across files when the line fits in one.
//
// Writing never fails: when the disk is full or the file cannot be reopened, the bytes are
// dropped and counted, since a module must not stop because its log cannot grow.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "outpost/status.h"

namespace outpost::agentd {

class RotatingLog {
 public:
  // Opens (creating it and its directory when missing) `path` for appending. kIoError naming
  // the path when it cannot; kUsage when max_bytes is 0 or files is below 1.
  static Result<std::unique_ptr<RotatingLog>> open(const std::string& path, uint64_t max_bytes,
                                                   int files);
  ~RotatingLog();
  RotatingLog(const RotatingLog&) = delete;
  RotatingLog& operator=(const RotatingLog&) = delete;

  // Thread-safe.
  void write(std::string_view bytes);
  uint64_t dropped_bytes() const;
  const std::string& path() const { return path_; }

 private:
  RotatingLog(std::string path, uint64_t max_bytes, int files, int fd, uint64_t size);
  void append(std::string_view bytes);  // into the current file, which has room for them
  void rotate();

  const std::string path_;
  const uint64_t max_bytes_;
  const int files_;
  mutable std::mutex mutex_;
  int fd_ = -1;        // -1 after a failed reopen: the next write tries again
  uint64_t size_ = 0;  // of the current file
  uint64_t dropped_ = 0;
};

}  // namespace outpost::agentd
