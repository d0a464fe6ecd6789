// systemd's notification protocol against real unix datagram sockets (a path and an abstract
// name), and the watchdog interval read from the environment.
#include "agentd/sd_notify.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>

#include "support/test_paths.h"

namespace outpost::agentd {
namespace {

// A bound datagram socket; `name` starting with '@' is abstract.
int bind_datagram(const std::string& name) {
  const int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::memcpy(address.sun_path, name.data(), name.size());
  if (name[0] == '@') address.sun_path[0] = '\0';
  const auto length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + name.size());
  if (fd < 0 || bind(fd, reinterpret_cast<sockaddr*>(&address), length) != 0) return -1;
  return fd;
}

std::string receive(int fd) {
  char buffer[256];
  const ssize_t n = recv(fd, buffer, sizeof(buffer), MSG_DONTWAIT);
  return n < 0 ? "(nothing)" : std::string(buffer, static_cast<size_t>(n));
}

TEST(SdNotify, SendsToASocketPath) {
  const std::string dir = testing::make_temp_dir("outpost-notify");
  const std::string path = dir + "/notify";
  const int fd = bind_datagram(path);
  ASSERT_GE(fd, 0) << std::strerror(errno);
  setenv("NOTIFY_SOCKET", path.c_str(), 1);
  EXPECT_TRUE(sd_notify_state("READY=1"));
  EXPECT_EQ(receive(fd), "READY=1");
  EXPECT_TRUE(sd_notify_state("STATUS=applying lobby v3\nWATCHDOG=1"));
  EXPECT_EQ(receive(fd), "STATUS=applying lobby v3\nWATCHDOG=1");
  unsetenv("NOTIFY_SOCKET");
  close(fd);
  std::filesystem::remove_all(dir);
}

TEST(SdNotify, SendsToAnAbstractSocket) {
  const std::string name = "@outpost-notify-test-" + std::to_string(getpid());
  const int fd = bind_datagram(name);
  ASSERT_GE(fd, 0) << std::strerror(errno);
  setenv("NOTIFY_SOCKET", name.c_str(), 1);
  EXPECT_TRUE(sd_notify_state("STOPPING=1"));
  EXPECT_EQ(receive(fd), "STOPPING=1");
  unsetenv("NOTIFY_SOCKET");
  close(fd);
}

TEST(SdNotify, OutsideSystemdNothingIsSent) {
  unsetenv("NOTIFY_SOCKET");
  EXPECT_FALSE(sd_notify_state("READY=1"));
  setenv("NOTIFY_SOCKET", "relative/path", 1);  // neither a path nor an abstract name
  EXPECT_FALSE(sd_notify_state("READY=1"));
  const std::string dir = testing::make_temp_dir("outpost-notify");
  setenv("NOTIFY_SOCKET", (dir + "/nobody-listens").c_str(), 1);
  EXPECT_FALSE(sd_notify_state("READY=1"));
  unsetenv("NOTIFY_SOCKET");
  std::filesystem::remove_all(dir);
}

TEST(SdNotify, WatchdogIntervalIsHalfOfWatchdogUsec) {
  unsetenv("WATCHDOG_PID");
  unsetenv("WATCHDOG_USEC");
  EXPECT_FALSE(watchdog_interval_s().has_value());
  setenv("WATCHDOG_USEC", "30000000", 1);
  ASSERT_TRUE(watchdog_interval_s().has_value());
  EXPECT_DOUBLE_EQ(*watchdog_interval_s(), 15.0);
  setenv("WATCHDOG_PID", std::to_string(getpid()).c_str(), 1);
  ASSERT_TRUE(watchdog_interval_s().has_value());
  EXPECT_DOUBLE_EQ(*watchdog_interval_s(), 15.0);
  // Meant for another process (this one's parent, which passed its environment on).
  setenv("WATCHDOG_PID", std::to_string(getppid()).c_str(), 1);
  EXPECT_FALSE(watchdog_interval_s().has_value());
  unsetenv("WATCHDOG_PID");
  setenv("WATCHDOG_USEC", "soon", 1);
  EXPECT_FALSE(watchdog_interval_s().has_value());
  setenv("WATCHDOG_USEC", "0", 1);
  EXPECT_FALSE(watchdog_interval_s().has_value());
  unsetenv("WATCHDOG_USEC");
}

}  // namespace
}  // namespace outpost::agentd
