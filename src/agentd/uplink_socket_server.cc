#include "agentd/uplink_socket_server.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <mutex>
#include <nlohmann/json.hpp>
#include <vector>

#include "core/log.h"
#include "core/uplink_client.h"

namespace outpost::agentd {
namespace {

using nlohmann::json;

struct Connection {
  int fd = -1;
  std::string buffer;  // bytes received that do not yet make a whole line
};

bool is_producer_class(const json& c) {
  return c.is_string() && (c.get<std::string>() == "events" || c.get<std::string>() == "metrics");
}

json error_answer(const std::string& what) { return {{"error", what}}; }

}  // namespace

struct UplinkSocketServer::Impl {
  std::string path;
  std::string topic_prefix;
  agent::Outbox* outbox = nullptr;
  int listen_fd = -1;
  int wake_pipe[2] = {-1, -1};
  std::thread thread;
  std::vector<Connection> connections;
  mutable std::mutex stats_mu;
  UplinkSocketStats stats;

  ~Impl() {
    for (Connection& c : connections) ::close(c.fd);
    if (listen_fd >= 0) ::close(listen_fd);
    for (int fd : wake_pipe)
      if (fd >= 0) ::close(fd);
  }

  void count(int64_t UplinkSocketStats::*field, int64_t n = 1) {
    std::lock_guard<std::mutex> lock(stats_mu);
    stats.*field += n;
  }

  json store(const json& request) {
    for (const auto& [key, value] : request.items())
      if (key != "class" && key != "body") return error_answer("unknown key '" + key + "'");
    if (!is_producer_class(request["class"]))
      return error_answer("'class' must be \"events\" or \"metrics\"");
    if (!request.contains("body")) return error_answer("no 'body'");
    const std::string message_class = request["class"].get<std::string>();
    auto put = outbox->put(message_class, topic_prefix + message_class, request["body"].dump());
    // Not stored, for a reason of the agent's (a full disk): the producer keeps the message.
    if (!put.is_ok()) return {{"unavailable", put.status().message()}};
    if (!put->stored) {
      count(&UplinkSocketStats::refused);
      return {{"refused", true}};
    }
    count(&UplinkSocketStats::stored);
    return {{"id", put->id}};
  }

  json record_drops(const json& drops) {
    if (!drops.is_object()) return error_answer("'drops' must be an object");
    if (!is_producer_class(drops.value("class", json())))
      return error_answer("'drops.class' must be \"events\" or \"metrics\"");
    for (const char* key : {"count", "bytes", "first_ms", "last_ms"})
      if (!drops.contains(key) || !drops[key].is_number_integer())
        return error_answer(std::string("'drops.") + key + "' must be a whole number");
    const int64_t n = drops["count"].get<int64_t>();
    Status s = outbox->record_producer_drops(drops["class"].get<std::string>(), "unreachable", n,
                                            drops["bytes"].get<int64_t>(),
                                            drops["first_ms"].get<int64_t>(),
                                            drops["last_ms"].get<int64_t>());
    if (s.code() == StatusCode::kUsage) return error_answer(s.message());
    if (!s.is_ok()) return {{"unavailable", s.message()}};
    count(&UplinkSocketStats::producer_drops, n);
    return {{"recorded", true}};
  }

  json answer(const std::string& line) {
    const json request = json::parse(line, nullptr, /*allow_exceptions=*/false);
    json reply;
    if (!request.is_object())
      reply = error_answer("a request is one JSON object per line");
    else if (request.contains("drops") && request.size() == 1)
      reply = record_drops(request["drops"]);
    else if (request.contains("class"))
      reply = store(request);
    else
      reply = error_answer("a request has 'class' and 'body', or 'drops'");
    if (reply.contains("error")) count(&UplinkSocketStats::bad_requests);
    return reply;
  }

  // Answers every whole line received; false when the connection is to be closed.
  bool serve(Connection& c) {
    char chunk[65536];
    const ssize_t n = ::read(c.fd, chunk, sizeof(chunk));
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) return true;
    if (n <= 0) return false;
    c.buffer.append(chunk, static_cast<size_t>(n));
    size_t start = 0;
    for (size_t end; (end = c.buffer.find('\n', start)) != std::string::npos; start = end + 1) {
      const std::string reply = answer(c.buffer.substr(start, end - start)).dump() + "\n";
      // The producer reads each answer before its next request: a reply that does not fit the
      // socket's buffer means it does not, and it is dropped.
      if (::send(c.fd, reply.data(), reply.size(), MSG_NOSIGNAL | MSG_DONTWAIT) !=
          static_cast<ssize_t>(reply.size()))
        return false;
    }
    c.buffer.erase(0, start);
    if (c.buffer.size() > kMaxUplinkLineBytes) {
      count(&UplinkSocketStats::bad_requests);
      const std::string reply = error_answer("a line longer than " +
                                             std::to_string(kMaxUplinkLineBytes) + " bytes").dump() + "\n";
      ::send(c.fd, reply.data(), reply.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
      return false;
    }
    return true;
  }

  void accept_one() {
    const int fd = ::accept4(listen_fd, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (fd < 0) return;
    if (connections.size() >= kMaxConnections) {
      OUTPOST_LOG_WARNING("agent: uplink socket: more than " << kMaxConnections
                                                             << " connections; one refused");
      ::close(fd);
      return;
    }
    connections.push_back({fd, {}});
  }

  void loop() {
    for (;;) {
      std::vector<pollfd> fds = {{wake_pipe[0], POLLIN, 0}, {listen_fd, POLLIN, 0}};
      for (const Connection& c : connections) fds.push_back({c.fd, POLLIN, 0});
      if (::poll(fds.data(), fds.size(), -1) < 0) {
        if (errno == EINTR) continue;
        OUTPOST_LOG_ERROR("agent: uplink socket: poll: " << std::strerror(errno));
        return;
      }
      if (fds[0].revents != 0) return;
      if (fds[1].revents & POLLIN) accept_one();
      // Connections accepted just now are polled next time round (fds has only the old ones).
      for (size_t i = fds.size(); i-- > 2;) {
        if (fds[i].revents == 0) continue;
        Connection& c = connections[i - 2];
        if (!serve(c)) {
          ::close(c.fd);
          connections.erase(connections.begin() + static_cast<std::ptrdiff_t>(i - 2));
        }
      }
    }
  }
};

Result<std::unique_ptr<UplinkSocketServer>> UplinkSocketServer::start(const std::string& socket_path,
                                                                      std::string topic_prefix,
                                                                      agent::Outbox& outbox) {
  sockaddr_un address{};
  if (socket_path.empty() || socket_path.size() >= sizeof(address.sun_path))
    return usage_error("the uplink socket path '" + socket_path + "' is longer than a Unix socket takes (" +
                       std::to_string(sizeof(address.sun_path) - 1) +
                       " bytes): give the agent a shorter state_dir");
  auto impl = std::make_unique<Impl>();
  impl->path = socket_path;
  impl->topic_prefix = std::move(topic_prefix);
  impl->outbox = &outbox;
  if (::pipe2(impl->wake_pipe, O_CLOEXEC) != 0)
    return io_error(std::string("uplink socket: pipe: ") + std::strerror(errno));
  impl->listen_fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (impl->listen_fd < 0) return io_error(std::string("uplink socket: ") + std::strerror(errno));
  address.sun_family = AF_UNIX;
  std::memcpy(address.sun_path, socket_path.data(), socket_path.size());
  ::unlink(socket_path.c_str());  // a stale socket of an agent that did not stop cleanly
  if (::bind(impl->listen_fd, reinterpret_cast<const sockaddr*>(&address), sizeof(address)) != 0 ||
      ::chmod(socket_path.c_str(), 0600) != 0 || ::listen(impl->listen_fd, 16) != 0)
    return io_error("the uplink socket '" + socket_path + "' cannot be made: " + std::strerror(errno));
  Impl* raw = impl.get();
  impl->thread = std::thread([raw] { raw->loop(); });
  return std::unique_ptr<UplinkSocketServer>(new UplinkSocketServer(std::move(impl)));
}

UplinkSocketServer::UplinkSocketServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

UplinkSocketServer::~UplinkSocketServer() {
  const char stop = 1;
  if (::write(impl_->wake_pipe[1], &stop, 1) != 1) {
    // The pipe is ours and empty: a write cannot fail short of a broken process.
  }
  impl_->thread.join();
  ::unlink(impl_->path.c_str());
}

UplinkSocketStats UplinkSocketServer::stats() const {
  std::lock_guard<std::mutex> lock(impl_->stats_mu);
  return impl_->stats;
}

}  // namespace outpost::agentd
