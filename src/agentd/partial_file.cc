#include "agentd/partial_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace outpost::agentd {
namespace {

constexpr const char* kKept = "the download stops here; the deployment that runs is kept";

const char* why_write_failed(int err) {
  switch (err) {
    case ENOSPC:
      return "disk full";
    case EFBIG:
      return "file size limit reached";
    case EDQUOT:
      return "disk quota exceeded";
    default:
      return "write error";
  }
}

}  // namespace

Status store_write_error(const ContentStore& store, const std::string& name, int err) {
  return io_error("agent store '" + store.dir() + "': writing '" + name + "' failed: " +
                  std::strerror(err) + " (" + why_write_failed(err) + ": " + kKept + ")");
}

Result<PartialFile> PartialFile::open(const ContentStore& store, const std::string& sha256) {
  const std::string name = "partial/" + sha256 + ".part";
  const std::string path = store.partial_path(sha256);
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0)
    return io_error("agent store '" + store.dir() + "': cannot open '" + name +
                    "': " + std::strerror(errno));
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return io_error("agent store '" + store.dir() + "': '" + name + "' is not a regular file");
  }
  // used_bytes() counts this file already: what the quota leaves is room for more.
  const uint64_t used = store.used_bytes();
  const uint64_t room = store.max_bytes() > used ? store.max_bytes() - used : 0;
  return PartialFile(store, name, fd, static_cast<uint64_t>(st.st_size), room);
}

PartialFile::PartialFile(const ContentStore& store, std::string name, int fd, uint64_t size,
                         uint64_t room)
    : store_(&store), name_(std::move(name)), fd_(fd), size_(size), room_(room) {}

PartialFile::PartialFile(PartialFile&& other) noexcept
    : store_(other.store_),
      name_(std::move(other.name_)),
      fd_(other.fd_),
      size_(other.size_),
      room_(other.room_) {
  other.fd_ = -1;
}

PartialFile::~PartialFile() {
  if (fd_ >= 0) ::close(fd_);
}

Status PartialFile::quota_error(uint64_t wanted) const {
  return io_error("agent store '" + store_->dir() + "': writing '" + name_ + "' would pass the " +
                  "store's quota of " + std::to_string(store_->max_bytes()) + " bytes (" +
                  std::to_string(store_->max_bytes() - room_) + " in use, " +
                  std::to_string(wanted) + " more needed): " + kKept);
}

Status PartialFile::reserve(uint64_t total_size) const {
  if (store_->max_bytes() == 0 || total_size <= size_) return Status::ok();
  if (total_size - size_ > room_) return quota_error(total_size - size_);
  return Status::ok();
}

Status PartialFile::truncate() {
  if (::ftruncate(fd_, 0) != 0) return store_write_error(*store_, name_, errno);
  room_ += size_;
  size_ = 0;
  return Status::ok();
}

Status PartialFile::append(const char* data, size_t n) {
  if (store_->max_bytes() > 0 && n > room_) return quota_error(n);
  while (n > 0) {
    const ssize_t w = ::write(fd_, data, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return store_write_error(*store_, name_, w < 0 ? errno : ENOSPC);
    data += w;
    n -= static_cast<size_t>(w);
    size_ += static_cast<uint64_t>(w);
    if (store_->max_bytes() > 0) room_ -= static_cast<uint64_t>(w);
  }
  return Status::ok();
}

Status PartialFile::close() {
  if (fd_ < 0) return Status::ok();
  const int rc = ::fsync(fd_);
  const int err = errno;
  ::close(fd_);
  fd_ = -1;
  if (rc != 0) return store_write_error(*store_, name_, err);
  return Status::ok();
}

}  // namespace outpost::agentd
