#include "agentd/sd_notify.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdint>
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <string>

namespace outpost::agentd {
namespace {

// A decimal environment variable; absent when unset, empty or not a whole number.
std::optional<uint64_t> env_number(const char* name) {
  const char* text = std::getenv(name);
  if (text == nullptr || *text == '\0') return std::nullopt;
  uint64_t value = 0;
  const char* end = text + std::strlen(text);
  const auto [at, ec] = std::from_chars(text, end, value);
  if (ec != std::errc() || at != end) return std::nullopt;
  return value;
}

}  // namespace

bool sd_notify_state(std::string_view state) {
  const char* socket_name = std::getenv("NOTIFY_SOCKET");
  if (socket_name == nullptr) return false;
  std::string name = socket_name;
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  // A path, or '@' for a name in the abstract namespace (whose first byte is NUL).
  if (name.size() < 2 || (name[0] != '/' && name[0] != '@')) return false;
  if (name.size() > sizeof(address.sun_path) - 1) return false;
  if (name[0] == '@') name[0] = '\0';
  std::memcpy(address.sun_path, name.data(), name.size());
  const socklen_t length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + name.size());
  const int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  ssize_t sent = -1;
  do {
    sent = sendto(fd, state.data(), state.size(), MSG_NOSIGNAL,
                  reinterpret_cast<const sockaddr*>(&address), length);
  } while (sent < 0 && errno == EINTR);
  close(fd);
  return sent == static_cast<ssize_t>(state.size());
}

std::optional<double> watchdog_interval_s() {
  const std::optional<uint64_t> usec = env_number("WATCHDOG_USEC");
  if (!usec || *usec == 0) return std::nullopt;
  // Set for the main process only; a child that inherited it must not answer for its parent.
  if (std::getenv("WATCHDOG_PID") != nullptr) {
    const std::optional<uint64_t> pid = env_number("WATCHDOG_PID");
    if (!pid || *pid != static_cast<uint64_t>(getpid())) return std::nullopt;
  }
  return static_cast<double>(*usec) / 2e6;
}

}  // namespace outpost::agentd
