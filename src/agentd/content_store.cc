#include "agentd/content_store.h"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <vector>

#include "agentd/partial_file.h"

namespace outpost::agentd {
namespace {

namespace fs = std::filesystem;
constexpr size_t kHashChunk = 64 * 1024;
const std::string kPartialSuffix = ".part";

std::string to_hex(const unsigned char* digest) {
  static const char kDigits[] = "0123456789abcdef";
  std::string hex(2 * crypto_hash_sha256_BYTES, '0');
  for (size_t i = 0; i < crypto_hash_sha256_BYTES; ++i) {
    hex[2 * i] = kDigits[digest[i] >> 4];
    hex[2 * i + 1] = kDigits[digest[i] & 15];
  }
  return hex;
}

// Hashes what `fd` holds from its current offset to its end.
Result<std::string> sha256_fd_hex(int fd, const std::string& path) {
  crypto_hash_sha256_state state;
  crypto_hash_sha256_init(&state);
  std::string buffer(kHashChunk, '\0');
  for (;;) {
    const ssize_t n = ::read(fd, buffer.data(), buffer.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return io_error("cannot read '" + path + "': " + std::strerror(errno));
    if (n == 0) break;
    crypto_hash_sha256_update(&state, reinterpret_cast<const unsigned char*>(buffer.data()),
                              static_cast<unsigned long long>(n));
  }
  unsigned char digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256_final(&state, digest);
  return to_hex(digest);
}

// The rename of a file into or out of a directory is durable only once the directory is.
void sync_directory(const std::string& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

uint64_t bytes_in(const std::string& dir) {
  uint64_t total = 0;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    std::error_code size_ec;
    const uintmax_t size = it->is_regular_file(size_ec) ? it->file_size(size_ec) : 0;
    if (!size_ec) total += size;
  }
  return total;
}

Status bad_name(const std::string& sha256) {
  return usage_error("content store: '" + sha256 + "' is not 64 lowercase hex digits");
}

}  // namespace

bool is_sha256_hex(const std::string& s) {
  if (s.size() != 64) return false;
  for (const char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

std::string sha256_hex(std::string_view bytes) {
  unsigned char digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(digest, reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size());
  return to_hex(digest);
}

Result<std::string> sha256_file_hex(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return io_error("cannot open '" + path + "': " + std::strerror(errno));
  auto hex = sha256_fd_hex(fd, path);
  ::close(fd);
  return hex;
}

ContentStore::ContentStore(std::string dir, uint64_t max_bytes)
    : dir_(std::move(dir)), max_bytes_(max_bytes) {}

Status ContentStore::init() const {
  for (const std::string& d : {dir_, dir_ + "/sha256", dir_ + "/partial"}) {
    if (::mkdir(d.c_str(), 0700) != 0 && errno != EEXIST)
      return io_error("agent store '" + dir_ + "': cannot create '" + d +
                      "': " + std::strerror(errno));
    if (!fs::is_directory(d))
      return io_error("agent store '" + dir_ + "': '" + d + "' is not a directory");
  }
  return Status::ok();
}

std::string ContentStore::path(const std::string& sha256) const {
  return dir_ + "/sha256/" + sha256;
}

std::string ContentStore::partial_path(const std::string& sha256) const {
  return dir_ + "/partial/" + sha256 + kPartialSuffix;
}

bool ContentStore::has(const std::string& sha256) const {
  struct stat st {};
  return is_sha256_hex(sha256) && ::stat(path(sha256).c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

Result<std::string> ContentStore::put_bytes(std::string_view bytes) const {
  const std::string sha256 = sha256_hex(bytes);
  if (has(sha256)) return sha256;
  OUTPOST_RETURN_IF_ERROR(init());
  OUTPOST_ASSIGN_OR_RETURN(PartialFile file, PartialFile::open(*this, sha256));
  OUTPOST_RETURN_IF_ERROR(file.truncate());
  OUTPOST_RETURN_IF_ERROR(file.reserve(bytes.size()));
  Status s = file.append(bytes.data(), bytes.size());
  if (s.is_ok()) s = file.close();
  if (!s.is_ok()) {
    ::unlink(partial_path(sha256).c_str());
    return s;
  }
  OUTPOST_RETURN_IF_ERROR(commit_partial(sha256, bytes.size()));
  return sha256;
}

Status ContentStore::commit_partial(const std::string& sha256, uint64_t expected_size) const {
  if (!is_sha256_hex(sha256)) return bad_name(sha256);
  const std::string from = partial_path(sha256);
  const std::string what = "agent store '" + dir_ + "': 'partial/" + sha256 + kPartialSuffix + "'";
  const int fd = ::open(from.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) return io_error(what + ": cannot open: " + std::strerror(errno));
  struct stat st {};
  Status s;
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    s = io_error(what + " is not a regular file");
  } else if (static_cast<uint64_t>(st.st_size) != expected_size) {
    s = invalid_model(what + " holds " + std::to_string(st.st_size) + " bytes where " +
                      std::to_string(expected_size) + " were expected; it is deleted");
  } else if (auto hex = sha256_fd_hex(fd, from); !hex.is_ok()) {
    s = hex.status();
  } else if (hex.value() != sha256) {
    s = invalid_model(what + " has SHA-256 " + hex.value() + " where " + sha256 +
                      " was expected; its bytes are wrong and it is deleted");
  } else if (::fsync(fd) != 0) {
    s = store_write_error(*this, "partial/" + sha256 + kPartialSuffix, errno);
  }
  ::close(fd);
  if (s.code() == StatusCode::kInvalidModel) ::unlink(from.c_str());
  if (!s.is_ok()) return s;
  if (::rename(from.c_str(), path(sha256).c_str()) != 0)
    return io_error(what + ": cannot rename it to 'sha256/" + sha256 +
                    "': " + std::strerror(errno));
  sync_directory(dir_ + "/sha256");
  sync_directory(dir_ + "/partial");
  return Status::ok();
}

Status ContentStore::verify(const std::string& sha256) const {
  if (!is_sha256_hex(sha256)) return bad_name(sha256);
  OUTPOST_ASSIGN_OR_RETURN(std::string hex, sha256_file_hex(path(sha256)));
  if (hex != sha256)
    return invalid_model("agent store '" + dir_ + "': 'sha256/" + sha256 +
                         "' changed on disk: its SHA-256 is now " + hex);
  return Status::ok();
}

Status ContentStore::remove_except(const std::set<std::string>& keep) const {
  for (const std::string sub : {"sha256", "partial"}) {
    // Listed first, deleted after: a directory is not changed while it is being read.
    std::vector<std::string> names;
    std::error_code ec;
    for (fs::directory_iterator it(dir_ + "/" + sub, ec), end; !ec && it != end; it.increment(ec))
      names.push_back(it->path().filename().string());
    if (ec && ec != std::errc::no_such_file_or_directory)
      return io_error("agent store '" + dir_ + "': cannot list '" + sub + "': " + ec.message());
    for (const std::string& name : names) {
      // A download in progress stays while its artifact is kept.
      const std::string stem = name.ends_with(kPartialSuffix)
                                   ? name.substr(0, name.size() - kPartialSuffix.size())
                                   : name;
      if (keep.count(stem) != 0) continue;
      if (::unlink((dir_ + "/" + sub + "/" + name).c_str()) != 0 && errno != ENOENT)
        return io_error("agent store '" + dir_ + "': cannot delete '" + sub + "/" + name +
                        "': " + std::strerror(errno));
    }
  }
  return Status::ok();
}

uint64_t ContentStore::used_bytes() const {
  return bytes_in(dir_ + "/sha256") + bytes_in(dir_ + "/partial");
}

}  // namespace outpost::agentd
