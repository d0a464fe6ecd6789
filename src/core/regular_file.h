// Opening a path a user gave us: regular files only, and never an open() that can block.
//
// open() of a FIFO waits for a writer (forever, if none comes), and a device may block or act
// on being opened (a tape rewinds, a serial line hangs up), so a check made after open() is
// too late: every reader of a user-given path goes through here instead.
#pragma once

#include <cstddef>
#include <string>

#include "outpost/status.h"

namespace outpost {

// A regular file open for reading; closes it when destroyed.
class RegularFile {
 public:
  RegularFile(RegularFile&& other) noexcept;
  RegularFile& operator=(RegularFile&& other) noexcept;
  RegularFile(const RegularFile&) = delete;
  RegularFile& operator=(const RegularFile&) = delete;
  ~RegularFile();

  int fd() const { return fd_; }
  size_t size() const { return size_; }  // when opened

 private:
  friend Result<RegularFile> open_regular_file(const std::string& path);
  RegularFile(int fd, size_t size) : fd_(fd), size_(size) {}
  int fd_ = -1;
  size_t size_ = 0;
};

// Opens `path` read-only when it is a regular file (symlinks followed). Anything else (FIFO,
// socket, device, directory) is refused with kIoError naming the path and what it is, without
// blocking: the type is checked before open(), and open() itself cannot block (O_NONBLOCK) in
// case the path changed in between.
Result<RegularFile> open_regular_file(const std::string& path);

// The check alone, for paths a third-party library opens itself.
Status check_regular_file(const std::string& path);

// The whole content of a regular file.
Result<std::string> read_regular_file(const std::string& path);

}  // namespace outpost
