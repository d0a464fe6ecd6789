// A TCP proxy on loopback that a test can cut: while cut, it forwards nothing in either
// direction, on the connections it has and on new ones (which it accepts and leaves silent), as
// a network that drops every packet would, with both ends still up; restored, it forwards
// again what waited. For fault-injection tests of the uplink (tests/e2e/uplink_faults_test.cc).
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <thread>
#include <vector>

namespace outpost::testing {

class TcpProxy {
 public:
  TcpProxy(int listen_port, int target_port) : target_port_(target_port) {
    listen_fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    const int one = 1;
    setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    const sockaddr_in a = loopback(listen_port);
    bound_ = bind(listen_fd_, reinterpret_cast<const sockaddr*>(&a), sizeof(a)) == 0 &&
             listen(listen_fd_, 16) == 0;
    thread_ = std::thread([this] { loop(); });
  }
  ~TcpProxy() {
    stop_ = true;
    thread_.join();
    for (const Pair& p : pairs_) {
      close(p.client);
      close(p.server);
    }
    close(listen_fd_);
  }
  bool bound() const { return bound_; }
  void cut() { cut_ = true; }
  void restore() { cut_ = false; }

 private:
  struct Pair {
    int client, server;
  };
  static sockaddr_in loopback(int port) {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return a;
  }
  // Moves what `from` has to `to`; false when either end is gone.
  static bool forward(int from, int to) {
    char buffer[65536];
    const ssize_t n = read(from, buffer, sizeof(buffer));
    if (n <= 0) return false;
    for (ssize_t sent = 0; sent < n;) {
      const ssize_t w = send(to, buffer + sent, static_cast<size_t>(n - sent), MSG_NOSIGNAL);
      if (w <= 0) return false;
      sent += w;
    }
    return true;
  }
  void accept_one() {
    const int client = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (client < 0) return;
    const int server = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    const sockaddr_in a = loopback(target_port_);
    if (connect(server, reinterpret_cast<const sockaddr*>(&a), sizeof(a)) != 0) {
      close(client);  // the broker is down: so is the connection through the proxy
      close(server);
      return;
    }
    pairs_.push_back({client, server});
  }
  void loop() {
    while (!stop_) {
      std::vector<pollfd> fds = {{listen_fd_, POLLIN, 0}};
      const bool cut = cut_;
      if (!cut)
        for (const Pair& p : pairs_) {
          fds.push_back({p.client, POLLIN, 0});
          fds.push_back({p.server, POLLIN, 0});
        }
      if (poll(fds.data(), fds.size(), 50) <= 0) continue;
      const size_t polled = (fds.size() - 1) / 2;  // the pairs in fds: not one accepted below
      if (fds[0].revents & POLLIN) accept_one();
      if (cut) continue;
      for (size_t i = polled; i-- > 0;) {
        const Pair p = pairs_[i];
        const short from_client = fds[1 + 2 * i].revents, from_server = fds[2 + 2 * i].revents;
        const bool ok = (from_client == 0 || forward(p.client, p.server)) &&
                        (from_server == 0 || forward(p.server, p.client));
        if (!ok) {
          close(p.client);
          close(p.server);
          pairs_.erase(pairs_.begin() + static_cast<std::ptrdiff_t>(i));
        }
      }
    }
  }

  int target_port_;
  int listen_fd_ = -1;
  bool bound_ = false;
  std::atomic<bool> cut_{false}, stop_{false};
  std::thread thread_;
  std::vector<Pair> pairs_;  // only the proxy's thread touches it
};

}  // namespace outpost::testing
