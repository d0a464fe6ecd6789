#include "bundle/trust_store.h"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <system_error>
#include <vector>

namespace outpost::bundle {
namespace {

std::string mode_text(mode_t mode) {
  char text[8];
  std::snprintf(text, sizeof(text), "%04o", static_cast<unsigned>(mode & 07777));
  return text;
}

// Whoever may write the trust store decides what this device runs: it must be root or the
// user running Outpost, and neither group nor others may write it.
Status check_owner_and_mode(const struct stat& st, const std::string& path, const char* what) {
  const uid_t me = ::geteuid();
  if (st.st_uid != 0 && st.st_uid != me)
    return Status(StatusCode::kUntrusted,
                  std::string("trust store ") + what + " '" + path + "' is owned by uid " +
                      std::to_string(st.st_uid) +
                      ", neither root nor this user: whoever owns it decides what runs here "
                      "(sudo chown " + std::to_string(me) + " '" + path + "', or root)");
  if ((st.st_mode & 022) != 0)
    return Status(StatusCode::kUntrusted,
                  std::string("trust store ") + what + " '" + path + "' has mode " +
                      mode_text(st.st_mode) +
                      ": group or others may write it, and so add a publisher (chmod go-w '" +
                      path + "')");
  return Status::ok();
}

// Reads one key of the store through a descriptor opened without following a symlink, so the
// checks and the read are on the same file, and no link can point out of the store.
Result<KeyPair> read_store_key(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ELOOP)
      return Status(StatusCode::kUntrusted,
                    "trust store key '" + path +
                        "' is a symbolic link; keys must be files in the store itself (replace "
                        "the link with a copy of the .pub it points to)");
    return io_error("cannot open trust store key '" + path + "': " + std::strerror(errno));
  }
  struct stat st {};
  Status s = ::fstat(fd, &st) != 0
                 ? io_error("cannot stat '" + path + "': " + std::strerror(errno))
                 : !S_ISREG(st.st_mode)
                       ? io_error("trust store key '" + path + "' is not a regular file")
                       : check_owner_and_mode(st, path, "key");
  std::string text;
  if (s.is_ok() && st.st_size > 64 * 1024)
    s = io_error("trust store key '" + path + "' is too large to be a key file");
  if (s.is_ok()) {
    text.resize(static_cast<size_t>(st.st_size));
    size_t done = 0;
    while (s.is_ok() && done < text.size()) {
      const ssize_t n = ::read(fd, text.data() + done, text.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) s = io_error("cannot read '" + path + "'");
      else done += static_cast<size_t>(n);
    }
  }
  ::close(fd);
  if (!s.is_ok()) return s;
  auto key = parse_key_text(text, path);
  sodium_memzero(text.data(), text.size());
  return key;
}

}  // namespace

Result<TrustStore> TrustStore::load(const std::string& dir) {
  namespace fs = std::filesystem;
  TrustStore store;
  store.source_ = dir;
  std::error_code ec;
  std::vector<std::string> files;
  if (fs::is_regular_file(dir, ec)) {
    files.push_back(dir);
  } else if (fs::is_directory(dir, ec)) {
    struct stat st {};
    if (::stat(dir.c_str(), &st) != 0)
      return io_error("cannot stat trust store '" + dir + "': " + std::strerror(errno));
    OUTPOST_RETURN_IF_ERROR(check_owner_and_mode(st, dir, "directory"));
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
    OUTPOST_ASSIGN_OR_RETURN(KeyPair key, read_store_key(path));
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
