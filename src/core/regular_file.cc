#include "core/regular_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

namespace outpost {
namespace {

const char* kind_of(mode_t mode) {
  if (S_ISFIFO(mode)) return "a named pipe (FIFO)";
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISSOCK(mode)) return "a socket";
  return "not a regular file";
}

Status not_regular(const std::string& path, mode_t mode) {
  const char* what_to_do = S_ISDIR(mode) ? "give the path of a file in it"
                                         : "give the path of a file (save what it streams to "
                                           "a file first)";
  return io_error("'" + path + "' is " + kind_of(mode) + ", not a regular file; " + what_to_do);
}

Status cannot_open(const std::string& path, int error) {
  return io_error("cannot open '" + path + "': " + std::strerror(error));
}

}  // namespace

RegularFile::RegularFile(RegularFile&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)), size_(other.size_) {}

RegularFile& RegularFile::operator=(RegularFile&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(other.fd_, -1);
    size_ = other.size_;
  }
  return *this;
}

RegularFile::~RegularFile() {
  if (fd_ >= 0) ::close(fd_);
}

Status check_regular_file(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return cannot_open(path, errno);
  if (!S_ISREG(st.st_mode)) return not_regular(path, st.st_mode);
  return Status::ok();
}

Result<RegularFile> open_regular_file(const std::string& path) {
  // stat first, so that a device is never opened at all (opening one can have side effects).
  OUTPOST_RETURN_IF_ERROR(check_regular_file(path));
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) return cannot_open(path, errno);
  RegularFile file(fd, 0);
  struct stat st {};
  if (::fstat(fd, &st) != 0) return cannot_open(path, errno);
  if (!S_ISREG(st.st_mode)) return not_regular(path, st.st_mode);
  // O_NONBLOCK means nothing for regular files' reads, but clear it so that what the caller
  // does with the descriptor behaves as after a plain open().
  const int flags = ::fcntl(fd, F_GETFL);
  if (flags >= 0) (void)::fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
  file.size_ = static_cast<size_t>(st.st_size);
  return file;
}

Result<std::string> read_regular_file(const std::string& path) {
  OUTPOST_ASSIGN_OR_RETURN(RegularFile file, open_regular_file(path));
  std::string text;
  text.reserve(file.size());
  char buffer[1 << 16];
  for (;;) {
    const ssize_t n = ::read(file.fd(), buffer, sizeof(buffer));
    if (n == 0) break;
    if (n < 0) {
      if (errno == EINTR) continue;
      return io_error("cannot read '" + path + "': " + std::strerror(errno));
    }
    text.append(buffer, static_cast<size_t>(n));
  }
  return text;
}

}  // namespace outpost
