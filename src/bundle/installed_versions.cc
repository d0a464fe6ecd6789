#include "bundle/installed_versions.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "core/mapped_file.h"

namespace outpost::bundle {
namespace {

Status write_all(int fd, const std::string& text, const std::string& path) {
  size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return io_error("cannot write '" + path + "': " + std::strerror(errno));
    done += static_cast<size_t>(n);
  }
  return Status::ok();
}

// Holds an exclusive flock on STATE_DIR/installed-versions.lock while alive.
class StateLock {
 public:
  explicit StateLock(const std::string& state_dir) {
    fd_ = ::open((state_dir + "/installed-versions.lock").c_str(),
                 O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd_ >= 0) ::flock(fd_, LOCK_EX);
  }
  ~StateLock() {
    if (fd_ >= 0) ::close(fd_);  // releases the lock
  }
  StateLock(const StateLock&) = delete;
  StateLock& operator=(const StateLock&) = delete;

 private:
  int fd_ = -1;
};

Status write_atomically(const std::string& path, const std::string& text) {
  const std::string tmp = path + ".tmp";
  const int fd =
      ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
  if (fd < 0) return io_error("cannot write '" + tmp + "': " + std::strerror(errno));
  Status s = write_all(fd, text, tmp);
  if (s.is_ok() && ::fsync(fd) != 0)
    s = io_error("cannot flush '" + tmp + "': " + std::strerror(errno));
  ::close(fd);
  if (s.is_ok() && ::rename(tmp.c_str(), path.c_str()) != 0)
    s = io_error("cannot rename '" + tmp + "' to '" + path + "': " + std::strerror(errno));
  if (!s.is_ok()) {
    ::unlink(tmp.c_str());
    return s;
  }
  // The rename itself is durable only once the directory is.
  const std::string dir = std::filesystem::path(path).parent_path().string();
  const int dfd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  return Status::ok();
}

}  // namespace

std::string installed_versions_path(const std::string& state_dir) {
  return state_dir + "/installed-versions.json";
}

Result<std::map<std::string, SemVer>> read_installed_versions(const std::string& state_dir) {
  const std::string path = installed_versions_path(state_dir);
  std::map<std::string, SemVer> versions;
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return versions;
  OUTPOST_ASSIGN_OR_RETURN(std::string text, read_text_file(path));
  const auto bad = [&](const std::string& why) {
    return io_error("anti-rollback state '" + path + "' " + why +
                         "; it is not reset on its own (that would allow a rollback): restore it "
                         "or remove it on purpose");
  };
  const nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return bad("is not a JSON object");
  if (j.value("format", 0) != 1) return bad("has no \"format\": 1");
  const auto it = j.find("versions");
  if (it == j.end() || !it->is_object()) return bad("has no \"versions\" object");
  for (const auto& [name, v] : it->items()) {
    if (!v.is_string()) return bad("has a version of '" + name + "' that is not a string");
    auto parsed = parse_semver(v.get<std::string>(), "the version of '" + name + "'");
    if (!parsed.is_ok()) return bad("has " + parsed.status().message());
    versions[name] = std::move(parsed).value();
  }
  return versions;
}

Status record_installed_version(const std::string& state_dir, const std::string& name,
                                const SemVer& version) {
  std::error_code ec;
  std::filesystem::create_directories(state_dir, ec);
  if (ec) return io_error("cannot create the state directory '" + state_dir + "': " + ec.message());
  StateLock lock(state_dir);
  OUTPOST_ASSIGN_OR_RETURN(auto versions, read_installed_versions(state_dir));
  const auto it = versions.find(name);
  if (it != versions.end() && compare_semver(version, it->second) <= 0) return Status::ok();
  versions[name] = version;
  nlohmann::json j{{"format", 1}, {"versions", nlohmann::json::object()}};
  for (const auto& [n, v] : versions) j["versions"][n] = v.text;
  return write_atomically(installed_versions_path(state_dir), j.dump(2) + "\n");
}

}  // namespace outpost::bundle
