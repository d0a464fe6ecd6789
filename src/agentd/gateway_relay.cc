#include "agentd/gateway_relay.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <deque>
#include <map>
#include <utility>

#include "agentd/mqtt_codec.h"
#include "core/log.h"

namespace outpost::agentd {
namespace {

using Clock = std::chrono::steady_clock;
namespace mq = mqtt;

// The local broker refuses larger packets (its max_packet_size, agentd/gateway.cc); a signed
// manifest (3 MiB at most) fits.
constexpr size_t kMaxPacketBytes = size_t{4} << 20;
constexpr size_t kMaxDownInFlight = 16;
constexpr auto kConnackTimeout = std::chrono::seconds(5);

std::string errno_text() { return std::strerror(errno); }

bool send_all(int fd, const std::string& bytes) {
  size_t sent = 0;
  while (sent < bytes.size()) {
    const ssize_t n = ::send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    sent += static_cast<size_t>(n);
  }
  return true;
}

double seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

}  // namespace

std::string child_message_class(const std::string& topic, std::string* child) {
  constexpr std::string_view kPrefix = "outpost/v1/";
  if (topic.compare(0, kPrefix.size(), kPrefix) != 0) return "";
  const size_t slash = topic.find('/', kPrefix.size());
  if (slash == std::string::npos || slash == kPrefix.size()) return "";
  const std::string kind = topic.substr(slash + 1);
  *child = topic.substr(kPrefix.size(), slash - kPrefix.size());
  if (kind == "events" || kind == "metrics") return kind;
  if (kind == "reported") return "state";
  return "";
}

// One connection to the local broker, and what it holds: bytes read and not yet parsed, the
// desired states sent and not yet acknowledged.
struct GatewayRelay::Session {
  int fd = -1;
  std::string in;
  uint16_t next_id = 1;
  std::map<uint16_t, TopicMessage> in_flight;
  Clock::time_point last_sent = Clock::now(), ping_sent{};
  bool ping_outstanding = false;

  ~Session() {
    if (fd >= 0) ::close(fd);
  }
  uint16_t take_id() {
    uint16_t id = 0;
    do {
      id = next_id++;
      if (next_id == 0) next_id = 1;
    } while (in_flight.count(id) > 0);
    return id;
  }
  bool send(const std::string& bytes) {
    last_sent = Clock::now();
    return send_all(fd, bytes);
  }
  // Reads what the broker sent within `timeout_ms`; an error text when the connection is gone.
  std::string read(int timeout_ms) {
    pollfd p{fd, POLLIN, 0};
    const int ready = ::poll(&p, 1, timeout_ms);
    if (ready < 0 && errno != EINTR) return "poll: " + errno_text();
    if (ready <= 0) return "";
    char chunk[65536];
    const ssize_t n = ::recv(fd, chunk, sizeof(chunk), 0);
    if (n == 0) return "the local broker closed the connection";
    if (n < 0) return errno == EINTR || errno == EAGAIN ? "" : "recv: " + errno_text();
    in.append(chunk, static_cast<size_t>(n));
    return "";
  }
  // The next whole packet in `in` (first byte and body), removed from it; false while more
  // bytes are needed, or with `error` set on a malformed one.
  bool next_packet(uint8_t* first_byte, std::string* body, std::string* error) {
    size_t header = 0, remaining = 0;
    if (!mq::read_fixed_header(in, kMaxPacketBytes, &header, &remaining, error)) return false;
    if (in.size() < header + remaining) return false;
    *first_byte = static_cast<uint8_t>(in[0]);
    body->assign(in, header, remaining);
    in.erase(0, header + remaining);
    return true;
  }
};

GatewayRelay::GatewayRelay(GatewayRelayOptions options, agent::Outbox& outbox,
                           DownwardSource downward)
    : options_(std::move(options)),
      outbox_(outbox),
      downward_(std::move(downward)),
      children_(options_.children.begin(), options_.children.end()) {
  thread_ = std::thread([this] { run(); });
}

GatewayRelay::~GatewayRelay() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

GatewayRelayStats GatewayRelay::stats() const {
  GatewayRelayStats s;
  s.relayed_up = relayed_up_.load();
  s.resends_recognised = resends_.load();
  s.refused = refused_.load();
  s.ignored = ignored_.load();
  s.relayed_down = relayed_down_.load();
  s.connects = connects_.load();
  return s;
}

void GatewayRelay::run() {
  double backoff = options_.backoff_min_s;
  std::string last_error;
  std::map<std::string, std::string> last_down;  // topic -> the payload relayed last
  std::deque<TopicMessage> down;
  std::unique_ptr<Session> s;
  auto lose = [&](const std::string& why) {
    if (why != last_error)
      OUTPOST_LOG_WARNING("gateway relay: " << why << "; reconnecting to the local broker");
    last_error = why;
    // Sent again later, first in the order they went (ids grow; a later state of a child must
    // stay after an earlier one, or the broker would retain the older).
    for (auto it = s->in_flight.rbegin(); it != s->in_flight.rend(); ++it)
      down.push_front(std::move(it->second));
    s.reset();
    connected_ = false;
  };
  while (!stop_.load()) {
    // The uplink sends a retained desired state again on every reconnect: only a change is
    // relayed (the local broker retains the last one for the child anyway).
    for (TopicMessage& m : downward_()) {
      auto [it, inserted] = last_down.try_emplace(m.topic, m.payload);
      if (!inserted && it->second == m.payload) continue;
      it->second = m.payload;
      down.push_back(std::move(m));
    }
    if (!s) {
      std::string error;
      s = open_session(options_, &error);
      if (!s) {
        if (error != last_error)
          OUTPOST_LOG_WARNING("gateway relay: " << error << "; retrying");
        last_error = error;
        const auto until = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                              std::chrono::duration<double>(backoff));
        while (!stop_.load() && Clock::now() < until)
          std::this_thread::sleep_for(std::chrono::milliseconds(20));
        backoff = std::min(options_.backoff_max_s, backoff * 2);
        continue;
      }
      if (!last_error.empty()) OUTPOST_LOG_INFO("gateway relay: connected to the local broker");
      last_error.clear();
      backoff = options_.backoff_min_s;
      ++connects_;
      connected_ = true;
      std::vector<std::string> topics;
      for (const char* kind : {"events", "metrics", "reported"})
        topics.push_back(std::string("outpost/v1/+/") + kind);
      if (!s->send(mq::subscribe_packet(s->take_id(), topics))) {
        lose("cannot subscribe: " + errno_text());
        continue;
      }
    }
    if (std::string error = step(*s, down); !error.empty()) lose(error);
  }
  if (s) s->send(mq::disconnect_packet());
}

// One turn: desired states sent, keep-alive kept, and what the broker sent handled.
std::string GatewayRelay::step(Session& s, std::deque<TopicMessage>& down) {
  while (!down.empty() && s.in_flight.size() < kMaxDownInFlight) {
    const uint16_t id = s.take_id();
    TopicMessage& m = down.front();
    if (!s.send(mq::publish_packet(m.topic, m.payload, 1, /*retained=*/true, id, false)))
      return "send: " + errno_text();
    s.in_flight.emplace(id, std::move(m));
    down.pop_front();
  }
  const auto now = Clock::now();
  if (s.ping_outstanding && seconds(now - s.ping_sent) > options_.keepalive_s)
    return "no PINGRESP from the local broker";
  if (!s.ping_outstanding && seconds(now - s.last_sent) > options_.keepalive_s / 2) {
    if (!s.send(mq::pingreq_packet())) return "send: " + errno_text();
    s.ping_outstanding = true;
    s.ping_sent = now;
  }
  if (std::string error = s.read(50); !error.empty()) return error;
  uint8_t first = 0;
  std::string body, error;
  while (s.next_packet(&first, &body, &error)) {
    if (std::string e = handle(s, first, body); !e.empty()) return e;
  }
  return error;
}

std::string GatewayRelay::handle(Session& s, uint8_t first_byte, const std::string& body) {
  const uint8_t type = first_byte >> 4;
  if (type == mq::kPublish) {
    mq::Publish p;
    if (std::string error = mq::parse_publish(first_byte & 0x0F, body, &p); !error.empty())
      return error;
    std::string child;
    const std::string message_class = child_message_class(p.topic, &child);
    if (message_class.empty() || children_.count(child) == 0) {
      ++ignored_;  // the broker's ACL lets no child publish there: acknowledged and dropped
    } else {
      auto put = p.qos > 0 ? outbox_.put_relayed(message_class, p.topic, p.payload,
                                                 {p.id, p.dup})
                           : outbox_.put(message_class, p.topic, p.payload);
      // Not acknowledged: the broker keeps the message and sends it again after a reconnect.
      if (!put.is_ok()) return put.status().message();
      if (put->duplicate)
        ++resends_;
      else if (put->stored)
        ++relayed_up_;
      else
        ++refused_;
    }
    if (p.qos > 0 && !s.send(mq::puback_packet(p.id))) return "send: " + errno_text();
    return "";
  }
  if (type == mq::kPuback) {
    if (body.size() != 2) return "a malformed PUBACK";
    if (s.in_flight.erase(mq::get_u16(body, 0)) > 0) ++relayed_down_;
    return "";
  }
  if (type == mq::kSuback) {
    for (size_t i = 2; i < body.size(); ++i)
      if (static_cast<uint8_t>(body[i]) == 0x80)
        return "the local broker refused the relay's subscriptions (its configuration?)";
    return "";
  }
  if (type == mq::kPingresp) {
    s.ping_outstanding = false;
    return "";
  }
  return "an unexpected packet of type " + std::to_string(type) + " from the local broker";
}

// Connects to the broker's socket and opens the relay's persistent session (its
// subscriptions, and the children's messages queued while it was away, survive reconnects).
std::unique_ptr<GatewayRelay::Session> GatewayRelay::open_session(const GatewayRelayOptions& o,
                                                                  std::string* error) {
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  if (o.socket_path.size() >= sizeof(address.sun_path)) {
    *error = "the local broker's socket path '" + o.socket_path + "' is too long";
    return nullptr;
  }
  std::memcpy(address.sun_path, o.socket_path.data(), o.socket_path.size());
  auto s = std::make_unique<GatewayRelay::Session>();
  s->fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (s->fd < 0 ||
      ::connect(s->fd, reinterpret_cast<const sockaddr*>(&address), sizeof(address)) != 0) {
    *error = "cannot reach the local broker at " + o.socket_path + ": " + errno_text();
    return nullptr;
  }
  mq::ConnectFields c;
  c.client_id = o.client_id;
  c.clean_session = false;
  c.keepalive_s = static_cast<int>(o.keepalive_s);
  if (!s->send(mq::connect_packet(c))) {
    *error = "cannot send CONNECT: " + errno_text();
    return nullptr;
  }
  const auto deadline = Clock::now() + kConnackTimeout;
  while (Clock::now() < deadline) {
    if (std::string e = s->read(50); !e.empty()) {
      *error = e;
      return nullptr;
    }
    uint8_t first = 0;
    std::string body;
    if (s->next_packet(&first, &body, error)) {
      if (first != (mq::kConnack << 4) || body.size() != 2) {
        *error = "the local broker answered CONNECT with something else than a CONNACK";
        return nullptr;
      }
      if (body[1] != 0) {
        *error = "the local broker refused the relay (CONNACK code " +
                 std::to_string(static_cast<uint8_t>(body[1])) + ")";
        return nullptr;
      }
      return s;
    }
    if (!error->empty()) return nullptr;
  }
  *error = "no CONNACK from the local broker";
  return nullptr;
}

}  // namespace outpost::agentd
