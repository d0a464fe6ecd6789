#include "agentd/rotating_log.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>

namespace outpost::agentd {
namespace {

int open_for_append(const std::string& path, bool truncate) {
  return ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | (truncate ? O_TRUNC : 0),
                0640);
}

}  // namespace

Result<std::unique_ptr<RotatingLog>> RotatingLog::open(const std::string& path,
                                                       uint64_t max_bytes, int files) {
  if (max_bytes == 0) return usage_error(path + ": a log's size limit must be above 0 bytes");
  if (files < 1) return usage_error(path + ": a log must keep at least 1 file");
  const std::filesystem::path parent = std::filesystem::path(path).parent_path();
  std::error_code ec;
  if (!parent.empty()) std::filesystem::create_directories(parent, ec);
  if (ec) return io_error(parent.string() + ": cannot create the log directory: " + ec.message());
  const int fd = open_for_append(path, false);
  if (fd < 0) return io_error(path + ": cannot open the log: " + std::strerror(errno));
  struct stat st {};
  const uint64_t size = fstat(fd, &st) == 0 ? static_cast<uint64_t>(st.st_size) : 0;
  return std::unique_ptr<RotatingLog>(new RotatingLog(path, max_bytes, files, fd, size));
}

RotatingLog::RotatingLog(std::string path, uint64_t max_bytes, int files, int fd, uint64_t size)
    : path_(std::move(path)), max_bytes_(max_bytes), files_(files), fd_(fd), size_(size) {}

RotatingLog::~RotatingLog() {
  if (fd_ >= 0) close(fd_);
}

uint64_t RotatingLog::dropped_bytes() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return dropped_;
}

void RotatingLog::write(std::string_view bytes) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (fd_ < 0) fd_ = open_for_append(path_, false);  // the last reopen failed: try again
  if (fd_ < 0) {
    dropped_ += bytes.size();
    return;
  }
  while (!bytes.empty()) {
    const uint64_t room = max_bytes_ - std::min(size_, max_bytes_);
    if (bytes.size() <= room) {
      append(bytes);
      return;
    }
    // Too much for this file: end it after the last whole line that fits; when none fits,
    // begin the next file with the line, or cut a line longer than a whole file.
    size_t take = 0;
    const size_t newline = bytes.substr(0, room).rfind('\n');
    if (newline != std::string_view::npos) take = newline + 1;
    if (take == 0 && size_ == 0) take = room;
    append(bytes.substr(0, take));
    bytes.remove_prefix(take);
    rotate();
    if (fd_ < 0) {
      dropped_ += bytes.size();
      return;
    }
  }
}

void RotatingLog::append(std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = fd_ < 0 ? -1 : ::write(fd_, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {  // a full disk, a failed reopen: drop rather than stall the module
      dropped_ += bytes.size();
      return;
    }
    size_ += static_cast<uint64_t>(n);
    bytes.remove_prefix(static_cast<size_t>(n));
  }
}

void RotatingLog::rotate() {
  if (fd_ >= 0) close(fd_);
  if (files_ > 1) {
    const auto numbered = [&](int k) { return path_ + "." + std::to_string(k); };
    unlink(numbered(files_ - 1).c_str());
    for (int k = files_ - 1; k >= 2; --k) rename(numbered(k - 1).c_str(), numbered(k).c_str());
    rename(path_.c_str(), numbered(1).c_str());
  }
  // Truncated: with one file kept, or when a rename failed, the file starts over.
  fd_ = open_for_append(path_, true);
  size_ = 0;
}

}  // namespace outpost::agentd
