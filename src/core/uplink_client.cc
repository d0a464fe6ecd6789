#include "core/uplink_client.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

#include "core/json_text.h"

namespace outpost {
namespace {

using Clock = std::chrono::steady_clock;

int remaining_ms(Clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  return left.count() < 0 ? 0 : static_cast<int>(left.count());
}

}  // namespace

UplinkClient::UplinkClient(std::string socket_path, double answer_timeout_s)
    : socket_path_(std::move(socket_path)), answer_timeout_s_(answer_timeout_s) {}

UplinkClient::~UplinkClient() { disconnect(); }

void UplinkClient::disconnect() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  buffer_.clear();
}

Status UplinkClient::connect_if_needed() {
  if (fd_ >= 0) return Status::ok();
  sockaddr_un address{};
  if (socket_path_.empty() || socket_path_.size() >= sizeof(address.sun_path))
    return usage_error("the agent's uplink socket path '" + socket_path_ + "' is empty or longer than " +
                       std::to_string(sizeof(address.sun_path) - 1) + " bytes");
  address.sun_family = AF_UNIX;
  std::memcpy(address.sun_path, socket_path_.data(), socket_path_.size());
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return {StatusCode::kNetwork, std::string("socket: ") + std::strerror(errno)};
  // A Unix socket connects at once or fails at once (no listener, no file): no time-out needed.
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof(address)) != 0) {
    const int err = errno;
    ::close(fd);
    return {StatusCode::kNetwork, "the agent's uplink socket '" + socket_path_ +
                                      "' does not answer: " + std::strerror(err)};
  }
  fd_ = fd;
  return Status::ok();
}

Result<std::string> UplinkClient::read_line() {
  const auto deadline = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                           std::chrono::duration<double>(answer_timeout_s_));
  for (;;) {
    if (const size_t end = buffer_.find('\n'); end != std::string::npos) {
      std::string line = buffer_.substr(0, end);
      buffer_.erase(0, end + 1);
      return line;
    }
    if (buffer_.size() > kMaxUplinkLineBytes) break;
    pollfd p{fd_, POLLIN, 0};
    const int ready = ::poll(&p, 1, remaining_ms(deadline));
    if (ready < 0 && errno == EINTR) continue;
    if (ready == 0) {
      disconnect();
      return Status{StatusCode::kNetwork, "the agent did not answer within " +
                                              std::to_string(answer_timeout_s_) + " s on '" +
                                              socket_path_ + "'"};
    }
    char chunk[4096];
    const ssize_t n = ::read(fd_, chunk, sizeof(chunk));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    buffer_.append(chunk, static_cast<size_t>(n));
  }
  disconnect();
  return Status{StatusCode::kNetwork, "the agent closed its uplink socket '" + socket_path_ + "'"};
}

Result<nlohmann::json> UplinkClient::request(const nlohmann::json& message) {
  const std::string line = json_line(message) + "\n";
  if (line.size() > kMaxUplinkLineBytes)
    return usage_error("a message of " + std::to_string(line.size()) +
                       " bytes is larger than the agent takes (" +
                       std::to_string(kMaxUplinkLineBytes) + " bytes)");
  OUTPOST_RETURN_IF_ERROR(connect_if_needed());
  for (size_t sent = 0; sent < line.size();) {
    const ssize_t n = ::send(fd_, line.data() + sent, line.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int err = errno;
      disconnect();
      return Status{StatusCode::kNetwork,
                    "writing to the agent's uplink socket '" + socket_path_ + "': " + std::strerror(err)};
    }
    sent += static_cast<size_t>(n);
  }
  OUTPOST_ASSIGN_OR_RETURN(std::string answer_text, read_line());
  nlohmann::json answer = nlohmann::json::parse(answer_text, nullptr, /*allow_exceptions=*/false);
  if (!answer.is_object()) {
    disconnect();
    return Status{StatusCode::kNetwork, "the agent's answer on '" + socket_path_ + "' is not JSON"};
  }
  if (answer.contains("error"))
    return usage_error("the agent refused the message: " + answer["error"].dump());
  return answer;
}

Result<int64_t> UplinkClient::send(const std::string& message_class, const nlohmann::json& body) {
  OUTPOST_ASSIGN_OR_RETURN(nlohmann::json answer,
                           request({{"class", message_class}, {"body", body}}));
  if (answer.value("refused", false)) return int64_t{0};
  const auto id = answer.find("id");
  if (id == answer.end() || !id->is_number_integer() || id->get<int64_t>() <= 0) {
    disconnect();
    return Status{StatusCode::kNetwork, "the agent's answer has no id: " + answer.dump()};
  }
  return id->get<int64_t>();
}

Status UplinkClient::report_drops(const std::string& message_class, int64_t count, int64_t bytes,
                                  int64_t first_ms, int64_t last_ms) {
  OUTPOST_ASSIGN_OR_RETURN(nlohmann::json answer,
                           request({{"drops",
                                     {{"class", message_class},
                                      {"count", count},
                                      {"bytes", bytes},
                                      {"first_ms", first_ms},
                                      {"last_ms", last_ms}}}}));
  if (!answer.value("recorded", false)) {
    disconnect();
    return {StatusCode::kNetwork, "the agent did not record the drops: " + answer.dump()};
  }
  return Status::ok();
}

}  // namespace outpost
