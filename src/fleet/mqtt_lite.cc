#include "fleet/mqtt_lite.h"

#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstring>
#include <exception>
#include <map>
#include <mutex>
#include <random>
#include <string_view>
#include <thread>
#include <utility>

#include "agentd/mqtt_codec.h"
#include "core/log.h"

namespace outpost::fleet {

using namespace agentd::mqtt;  // NOLINT: the packets this client speaks

namespace {

using Clock = std::chrono::steady_clock;

// Connections being set up at once: a thousand SYNs in one burst overflow a broker's listen
// backlog, and the dropped ones wait a second for the kernel's retransmission.
constexpr int kMaxConnecting = 64;
constexpr auto kConnectTimeout = std::chrono::seconds(5);
// Reconnect delays grow from here, doubling, jittered by a factor of 0.5 to 1.5 so that a
// thousand sessions cut off together do not come back together.
constexpr double kBackoffMinS = 0.1;
constexpr double kBackoffMaxS = 5;
// How often keep-alives, timeouts and due reconnects are looked at.
constexpr auto kScanInterval = std::chrono::milliseconds(100);
// Bytes queued to a socket beyond which waiting messages stay waiting.
constexpr size_t kMaxUnsent = size_t{256} << 10;
// A buffer that grew for one large message goes back to the allocator once empty.
constexpr size_t kKeptBufferBytes = size_t{64} << 10;
constexpr uint64_t kWakeTag = ~uint64_t{0};


struct Outgoing {
  std::string topic, payload;
  bool retained = false;
  int qos = 0;
};

enum class Phase { kIdle, kConnecting, kAwaitConnack, kAwaitSuback, kConnected, kDead };

struct Session {
  int number = 0;
  MqttLiteLoop::SessionOptions options;
  MqttLiteLoop::MessageCallback on_message;
  MqttLiteLoop::ConnectedCallback on_connected;
  Phase phase = Phase::kIdle;
  int fd = -1;
  uint32_t generation = 0;  // of the socket: events of a closed one are told apart
  std::string in, out;
  size_t out_sent = 0;
  std::vector<Outgoing> queued;             // waiting for a connection or an in-flight slot
  std::map<uint16_t, Outgoing> in_flight;   // QoS 1, sent, no PUBACK yet
  uint16_t next_id = 1;
  uint16_t subscribe_id = 0;
  Clock::time_point due{};  // idle: when to connect; setting up: the deadline
  Clock::time_point last_sent{}, last_received{}, ping_sent{};
  bool ping_outstanding = false;
  int failures = 0;
  bool ever_connected = false;

  bool setting_up() const {
    return phase == Phase::kConnecting || phase == Phase::kAwaitConnack ||
           phase == Phase::kAwaitSuback;
  }
};

struct Command {
  enum Kind { kAdd, kPublish, kTimer } kind = kAdd;
  std::unique_ptr<Session> session;
  int number = 0;
  Outgoing message;
  Clock::time_point due{};
  std::function<void()> action;
};

struct Timer {
  Clock::time_point due;
  uint64_t seq = 0;  // keeps actions due at once in the order they were posted
  std::function<void()> action;
};

struct LaterFirst {
  bool operator()(const Timer& a, const Timer& b) const {
    return a.due != b.due ? a.due > b.due : a.seq > b.seq;
  }
};

std::string errno_text() { return std::strerror(errno); }

double seconds_since(Clock::time_point t, Clock::time_point now) {
  return std::chrono::duration<double>(now - t).count();
}

bool fits_mqtt_string(const std::string& s) { return s.size() <= kMaxStringBytes; }

}  // namespace

struct MqttLiteLoop::Impl {
  std::string broker;  // "host:port", for messages
  sockaddr_storage address{};
  socklen_t address_length = 0;
  int epoll_fd = -1;
  int wake_fd = -1;
  std::thread thread;
  std::atomic<bool> stopping{false};
  std::atomic<int> next_number{0};

  std::mutex inbox_mu;  // guards inbox and loop_id
  std::vector<Command> inbox;
  std::thread::id loop_id;

  // The loop thread's alone:
  std::vector<std::unique_ptr<Session>> sessions;  // by number
  std::vector<Timer> timers;                       // a heap, soonest first
  uint64_t timer_seq = 0;
  int connecting = 0;
  bool slot_freed = false;
  std::mt19937 rng{std::random_device{}()};
  std::array<char, 65536> read_buffer{};

  std::atomic<int64_t> connected{0}, messages_in{0}, messages_out{0}, pubacks_in{0},
      reconnects{0}, protocol_errors{0}, dropped{0};

  ~Impl() {
    for (auto& s : sessions)
      if (s && s->fd >= 0) ::close(s->fd);
    if (epoll_fd >= 0) ::close(epoll_fd);
    if (wake_fd >= 0) ::close(wake_fd);
  }

  // --- The inbox: how other threads (and callbacks) reach the loop.

  void enqueue(Command c) {
    bool from_loop = false;
    {
      std::lock_guard<std::mutex> lock(inbox_mu);
      inbox.push_back(std::move(c));
      from_loop = std::this_thread::get_id() == loop_id;
    }
    // The loop drains its inbox before it waits again: a callback's own commands need no wake.
    if (!from_loop) wake();
  }

  void wake() {
    const uint64_t one = 1;
    if (::write(wake_fd, &one, sizeof(one)) != sizeof(one)) {
      // Only a counter at its maximum refuses, and then the loop is awake anyway.
    }
  }

  void drain_inbox() {
    std::vector<Command> commands;
    {
      std::lock_guard<std::mutex> lock(inbox_mu);
      commands.swap(inbox);
    }
    for (Command& c : commands) {
      if (c.kind == Command::kAdd) add(std::move(c.session));
      if (c.kind == Command::kPublish) queue_message(c.number, std::move(c.message));
      if (c.kind == Command::kTimer) {
        timers.push_back({c.due, timer_seq++, std::move(c.action)});
        std::push_heap(timers.begin(), timers.end(), LaterFirst());
      }
    }
  }

  void add(std::unique_ptr<Session> s) {
    const size_t n = static_cast<size_t>(s->number);
    if (sessions.size() <= n) sessions.resize(n + 1);
    Session& session = *s;
    sessions[n] = std::move(s);
    if (session.phase == Phase::kIdle && connecting < kMaxConnecting) begin_connect(session);
  }

  Session* find(int number) {
    if (number < 0 || static_cast<size_t>(number) >= sessions.size()) return nullptr;
    return sessions[static_cast<size_t>(number)].get();
  }

  void queue_message(int number, Outgoing m) {
    Session* s = find(number);
    if (s == nullptr || s->phase == Phase::kDead) return;
    s->queued.push_back(std::move(m));
    if (s->queued.size() > std::max<size_t>(s->options.max_queued, 1)) {
      if (dropped.fetch_add(1) == 0)
        OUTPOST_LOG_WARNING("mqtt-lite: session '" << s->options.client_id
                                                   << "': more than " << s->options.max_queued
                                                   << " messages waiting; the oldest is dropped "
                                                      "(counted in stats().dropped)");
      s->queued.erase(s->queued.begin());
    }
    send_and_flush(*s);
  }

  // --- Timers.

  void run_due_timers() {
    const auto now = Clock::now();
    while (!timers.empty() && timers.front().due <= now) {
      std::pop_heap(timers.begin(), timers.end(), LaterFirst());
      std::function<void()> action = std::move(timers.back().action);
      timers.pop_back();
      guarded("a timed action", [&] { action(); });
    }
  }

  // Callbacks are the caller's code: an exception from one must not end the loop's thread
  // (std::terminate), and every other session with it.
  template <typename F>
  void guarded(const char* what, F&& f) {
    try {
      f();
    } catch (const std::exception& e) {
      OUTPOST_LOG_ERROR("mqtt-lite: " << what << " threw: " << e.what());
    } catch (...) {
      OUTPOST_LOG_ERROR("mqtt-lite: " << what << " threw");
    }
  }

  // --- Connections.

  void begin_connect(Session& s) {
    s.fd = ::socket(address.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    ++s.generation;
    s.phase = Phase::kConnecting;
    s.due = Clock::now() + kConnectTimeout;
    ++connecting;
    if (s.fd < 0) return lose(s, "socket: " + errno_text(), false);
    const int one = 1;  // our PUBACKs and small reports go at once, not after Nagle's delay
    ::setsockopt(s.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    if (::connect(s.fd, reinterpret_cast<const sockaddr*>(&address), address_length) != 0 &&
        errno != EINPROGRESS)
      return lose(s, "connect: " + errno_text(), false);
    epoll_event ev{};
    // Edge-triggered, both ways, registered once: writability is reported when a full socket
    // drains, so no epoll_ctl per message.
    ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
    ev.data.u64 = (uint64_t{s.generation} << 32) | static_cast<uint32_t>(s.number);
    if (::epoll_ctl(epoll_fd, EPOLL_CTL_ADD, s.fd, &ev) != 0)
      return lose(s, "epoll_ctl: " + errno_text(), false);
    s.out = connect_packet({s.options.client_id, s.options.clean_session, s.options.keepalive_s, {}, {}});
    s.out_sent = 0;
  }

  // Closes the connection and schedules the next one.
  void lose(Session& s, const std::string& why, bool protocol_error) {
    if (s.fd >= 0) ::close(s.fd);
    s.fd = -1;
    if (s.setting_up()) {
      --connecting;
      slot_freed = true;
    }
    if (s.phase == Phase::kConnected) connected.fetch_sub(1);
    if (protocol_error) {
      protocol_errors.fetch_add(1);
      OUTPOST_LOG_WARNING("mqtt-lite: session '" << s.options.client_id << "' to " << broker
                                                 << ": " << why << "; reconnecting");
    } else {
      OUTPOST_LOG_DEBUG("mqtt-lite: session '" << s.options.client_id << "' to " << broker
                                               << ": " << why << "; reconnecting");
    }
    for (std::string* b : {&s.in, &s.out}) {
      b->clear();
      if (b->capacity() > kKeptBufferBytes) b->shrink_to_fit();
    }
    s.out_sent = 0;
    s.ping_outstanding = false;
    s.phase = Phase::kIdle;
    const double backoff =
        std::min(kBackoffMaxS, kBackoffMinS * std::pow(2.0, std::min(s.failures, 16)));
    ++s.failures;
    const double delay = backoff * std::uniform_real_distribution<double>(0.5, 1.5)(rng);
    s.due = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                               std::chrono::duration<double>(delay));
  }

  void became_connected(Session& s) {
    --connecting;
    slot_freed = true;
    s.phase = Phase::kConnected;
    s.failures = 0;
    connected.fetch_add(1);
    if (s.ever_connected) reconnects.fetch_add(1);
    s.ever_connected = true;
    // What the broker did not acknowledge before the connection dropped goes again, flagged
    // as a possible duplicate (MQTT 3.1.1, 4.4).
    for (const auto& [id, m] : s.in_flight) s.out += publish_packet(m.topic, m.payload, m.qos, m.retained, id, /*dup=*/true);
    send_waiting(s);
    guarded("on_connected", [&] { s.on_connected(s.number); });
  }

  uint16_t take_packet_id(Session& s) {
    for (;;) {
      const uint16_t id = s.next_id++;
      if (s.next_id == 0) s.next_id = 1;  // 0 is not a packet id
      if (id != 0 && s.in_flight.count(id) == 0) return id;
    }
  }

  // Moves waiting messages to the socket's buffer, as far as the in-flight bound allows.
  void send_waiting(Session& s) {
    if (s.phase != Phase::kConnected) return;
    size_t sent = 0;
    while (sent < s.queued.size() && s.out.size() - s.out_sent < kMaxUnsent) {
      Outgoing& m = s.queued[sent];
      if (m.qos > 0 && s.in_flight.size() >= static_cast<size_t>(kMaxInFlight)) break;
      const uint16_t id = m.qos > 0 ? take_packet_id(s) : 0;
      s.out += publish_packet(m.topic, m.payload, m.qos, m.retained, id, false);
      if (m.qos > 0) s.in_flight.emplace(id, std::move(m));
      messages_out.fetch_add(1);
      ++sent;
    }
    s.queued.erase(s.queued.begin(), s.queued.begin() + static_cast<std::ptrdiff_t>(sent));
  }

  // Writes what the socket takes; false when the connection is broken.
  bool flush(Session& s) {
    if (s.fd < 0 || s.phase == Phase::kConnecting) return true;
    while (s.out_sent < s.out.size()) {
      const ssize_t n = ::send(s.fd, s.out.data() + s.out_sent, s.out.size() - s.out_sent,
                               MSG_NOSIGNAL);
      if (n > 0) {
        s.out_sent += static_cast<size_t>(n);
        s.last_sent = Clock::now();
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      // Full: the edge-triggered EPOLLOUT says when it has room again.
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return true;
      return false;
    }
    s.out.clear();
    s.out_sent = 0;
    if (s.out.capacity() > kKeptBufferBytes) s.out.shrink_to_fit();
    return true;
  }

  void send_and_flush(Session& s) {
    send_waiting(s);
    if (!flush(s)) lose(s, "send: " + errno_text(), false);
  }

  // --- Receiving.

  // One packet; an error message when it breaks the protocol.
  std::string handle(Session& s, uint8_t first_byte, std::string_view body) {
    const uint8_t type = first_byte >> 4;
    if (type == kPublish) return handle_publish(s, first_byte & 0x0F, body);
    if (type == kConnack) {
      if (first_byte != (kConnack << 4) || body.size() != 2 || s.phase != Phase::kAwaitConnack)
        return "an unexpected CONNACK";
      const uint8_t code = static_cast<uint8_t>(body[1]);
      if (code != 0) {
        // Well-formed, and a reason to try again later (a broker starting up, an ACL).
        lose(s, "the broker refused the connection (CONNACK code " + std::to_string(code) + ")",
             false);
        return "";
      }
      if (s.options.subscriptions.empty()) {
        became_connected(s);
      } else {
        s.phase = Phase::kAwaitSuback;
        s.subscribe_id = take_packet_id(s);
        s.out += subscribe_packet(s.subscribe_id, s.options.subscriptions);
      }
      return "";
    }
    if (type == kSuback) {
      if (first_byte != (kSuback << 4) || body.size() < 3 || s.phase != Phase::kAwaitSuback ||
          get_u16(body, 0) != s.subscribe_id)
        return "an unexpected SUBACK";
      // A refused subscription is the broker's choice (an ACL), not a broken stream.
      const std::vector<std::string>& topics = s.options.subscriptions;
      for (size_t i = 2; i < body.size(); ++i)
        if (static_cast<uint8_t>(body[i]) == 0x80)
          OUTPOST_LOG_WARNING("mqtt-lite: session '" << s.options.client_id
                                                     << "': the broker refused the subscription "
                                                        "to '"
                                                     << topics[std::min(i - 2, topics.size() - 1)]
                                                     << "'");
      became_connected(s);
      return "";
    }
    if (type == kPuback) {
      if (first_byte != (kPuback << 4) || body.size() != 2 || s.phase != Phase::kConnected)
        return "an unexpected PUBACK";
      // An id not in flight: an acknowledgement of a resend whose first copy was acknowledged.
      if (s.in_flight.erase(get_u16(body, 0)) > 0) pubacks_in.fetch_add(1);
      return "";
    }
    if (type == kPingresp) {
      if (first_byte != (kPingresp << 4) || !body.empty()) return "a malformed PINGRESP";
      s.ping_outstanding = false;
      return "";
    }
    return "a packet of type " + std::to_string(type) + ", which a broker does not send here";
  }

  std::string handle_publish(Session& s, uint8_t flags, std::string_view body) {
    // A persistent session's queued messages may come before the SUBACK.
    if (s.phase != Phase::kConnected && s.phase != Phase::kAwaitSuback)
      return "a PUBLISH before the CONNACK";
    Publish p;
    if (std::string error = parse_publish(flags, body, &p); !error.empty()) return error;
    LiteMessage m{std::move(p.topic), std::move(p.payload), p.retained};
    if (p.qos > 0) s.out += puback_packet(p.id);
    guarded("on_message", [&] { s.on_message(s.number, m); });
    messages_in.fetch_add(1);  // after the callback: a reader of stats() sees it handled
    return "";
  }

  // Handles every whole packet in the session's buffer; false when the session was dropped.
  bool parse(Session& s) {
    size_t at = 0;
    while (at < s.in.size()) {
      const std::string_view rest = std::string_view(s.in).substr(at);
      size_t header_bytes = 0, remaining = 0;
      std::string error;
      if (!read_fixed_header(rest, kMaxLitePacketBytes, &header_bytes, &remaining, &error) && error.empty()) break;
      if (error.empty() && rest.size() < header_bytes + remaining) break;
      if (error.empty())
        error = handle(s, static_cast<uint8_t>(rest[0]), rest.substr(header_bytes, remaining));
      if (!error.empty()) {
        lose(s, error, /*protocol_error=*/true);
        return false;
      }
      if (s.phase == Phase::kIdle) return false;  // handled by dropping it (a refused CONNACK)
      at += header_bytes + remaining;
    }
    s.in.erase(0, at);
    return true;
  }

  // Reads until the socket is empty (edge-triggered); false when the session was dropped.
  bool receive(Session& s) {
    for (;;) {
      const ssize_t n = ::read(s.fd, read_buffer.data(), read_buffer.size());
      if (n > 0) {
        s.last_received = Clock::now();
        s.in.append(read_buffer.data(), static_cast<size_t>(n));
        if (!parse(s)) return false;
        continue;
      }
      if (n == 0) {
        lose(s, "the broker closed the connection", false);
        return false;
      }
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) return true;
      lose(s, "read: " + errno_text(), false);
      return false;
    }
  }

  void on_event(uint64_t tag, uint32_t events) {
    if (tag == kWakeTag) {
      uint64_t count = 0;
      if (::read(wake_fd, &count, sizeof(count)) < 0) {
        // EAGAIN: another read took it; the inbox is drained either way.
      }
      return;
    }
    Session* s = find(static_cast<int>(tag & 0xFFFFFFFF));
    if (s == nullptr || s->fd < 0 || s->generation != static_cast<uint32_t>(tag >> 32)) return;
    if (s->phase == Phase::kConnecting) {
      int error = 0;
      socklen_t length = sizeof(error);
      if (::getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &error, &length) != 0) error = errno;
      if (error != 0) return lose(*s, std::string("connect: ") + std::strerror(error), false);
      if ((events & (EPOLLOUT | EPOLLERR | EPOLLHUP)) == 0) return;
      s->phase = Phase::kAwaitConnack;
      s->last_received = s->last_sent = Clock::now();
    }
    if ((events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) != 0 && !receive(*s)) return;
    send_and_flush(*s);
  }

  // --- Time: keep-alives, deadlines, due reconnects.

  void check(Session& s, Clock::time_point now) {
    if (s.setting_up() && now >= s.due) return lose(s, "no answer within 5 s", false);
    if (s.phase != Phase::kConnected || s.options.keepalive_s <= 0) return;
    const double keepalive = s.options.keepalive_s;
    if (s.ping_outstanding) {
      if (seconds_since(s.ping_sent, now) > std::max(2.0, keepalive / 2))
        lose(s, "no PINGRESP", false);
      return;
    }
    // Also when only we talk (QoS 0 out, nothing in): a silent broker is found out.
    if (seconds_since(s.last_sent, now) >= keepalive ||
        seconds_since(s.last_received, now) >= keepalive) {
      s.out += pingreq_packet();
      s.ping_outstanding = true;
      s.ping_sent = now;
      if (!flush(s)) lose(s, "send: " + errno_text(), false);
    }
  }

  void connect_due_sessions(Clock::time_point now) {
    for (auto& s : sessions) {
      if (connecting >= kMaxConnecting) return;
      if (s && s->phase == Phase::kIdle && s->due <= now) begin_connect(*s);
    }
  }

  void scan() {
    const auto now = Clock::now();
    for (auto& s : sessions)
      if (s) check(*s, now);
    connect_due_sessions(now);
  }

  int wait_ms(Clock::time_point next_scan) const {
    Clock::time_point until = next_scan;
    if (!timers.empty()) until = std::min(until, timers.front().due);
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(until - Clock::now());
    return static_cast<int>(std::max<int64_t>(0, left.count()));
  }

  void loop() {
    {
      std::lock_guard<std::mutex> lock(inbox_mu);
      loop_id = std::this_thread::get_id();
    }
    std::array<epoll_event, 256> events{};
    auto next_scan = Clock::now();
    while (!stopping) {
      run_due_timers();
      if (Clock::now() >= next_scan) {
        scan();
        next_scan = Clock::now() + kScanInterval;
      }
      drain_inbox();
      const int n = ::epoll_wait(epoll_fd, events.data(), static_cast<int>(events.size()),
                                 wait_ms(next_scan));
      if (n < 0 && errno != EINTR) {
        OUTPOST_LOG_ERROR("mqtt-lite: epoll_wait: " << errno_text() << "; the loop stops");
        break;
      }
      for (int i = 0; i < n; ++i) {
        const epoll_event& e = events[static_cast<size_t>(i)];
        on_event(e.data.u64, e.events);
      }
      if (slot_freed) {
        slot_freed = false;
        connect_due_sessions(Clock::now());
      }
    }
    shut_down();
  }

  // Last messages and a DISCONNECT, as far as each socket takes them without waiting: the
  // broker then drops the sessions without publishing anything on their behalf.
  void shut_down() {
    drain_inbox();
    for (auto& s : sessions) {
      if (!s || s->phase != Phase::kConnected) continue;
      send_waiting(*s);
      s->out += disconnect_packet();
      (void)flush(*s);
      ::close(s->fd);
      s->fd = -1;
      s->phase = Phase::kIdle;
      connected.fetch_sub(1);
    }
  }
};

Result<std::unique_ptr<MqttLiteLoop>> MqttLiteLoop::start(const std::string& host, int port) {
  if (port < 1 || port > 65535)
    return usage_error("MQTT broker port " + std::to_string(port) + " is not in 1..65535");
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  const int rc = ::getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &found);
  if (rc != 0 || found == nullptr)
    return usage_error("MQTT broker host '" + host + "' cannot be resolved: " + ::gai_strerror(rc));
  auto impl = std::make_unique<Impl>();
  impl->broker = host + ":" + std::to_string(port);
  std::memcpy(&impl->address, found->ai_addr, found->ai_addrlen);
  impl->address_length = found->ai_addrlen;
  ::freeaddrinfo(found);
  impl->epoll_fd = ::epoll_create1(EPOLL_CLOEXEC);
  impl->wake_fd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (impl->epoll_fd < 0 || impl->wake_fd < 0)
    return io_error("mqtt-lite: epoll or eventfd: " + errno_text());
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.u64 = kWakeTag;
  if (::epoll_ctl(impl->epoll_fd, EPOLL_CTL_ADD, impl->wake_fd, &ev) != 0)
    return io_error("mqtt-lite: epoll_ctl: " + errno_text());
  Impl* raw = impl.get();
  impl->thread = std::thread([raw] { raw->loop(); });
  return std::unique_ptr<MqttLiteLoop>(new MqttLiteLoop(std::move(impl)));
}

MqttLiteLoop::MqttLiteLoop(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

MqttLiteLoop::~MqttLiteLoop() {
  impl_->stopping = true;
  impl_->wake();
  impl_->thread.join();
}

int MqttLiteLoop::add_session(SessionOptions options, MessageCallback on_message,
                              ConnectedCallback on_connected) {
  auto s = std::make_unique<Session>();
  s->number = impl_->next_number.fetch_add(1);
  bool encodable = fits_mqtt_string(options.client_id);
  for (const std::string& t : options.subscriptions) encodable = encodable && fits_mqtt_string(t);
  if (!encodable) {
    // Nothing of it can be sent: the session stays, never connecting, so that its number
    // still means what the caller was told.
    OUTPOST_LOG_ERROR("mqtt-lite: a client id or topic longer than MQTT's 65535 bytes; session "
                      << s->number << " will not connect");
    s->phase = Phase::kDead;
  }
  s->options = std::move(options);
  s->on_message = on_message ? std::move(on_message) : [](int, const LiteMessage&) {};
  s->on_connected = on_connected ? std::move(on_connected) : [](int) {};
  const int number = s->number;
  Command c;
  c.kind = Command::kAdd;
  c.session = std::move(s);
  impl_->enqueue(std::move(c));
  return number;
}

void MqttLiteLoop::publish(int session, const std::string& topic, const std::string& payload,
                           bool retained, int qos) {
  if (!fits_mqtt_string(topic) || payload.size() > kMaxLitePacketBytes) {
    OUTPOST_LOG_ERROR("mqtt-lite: a message too large for MQTT (topic " << topic.size()
                      << " bytes, payload " << payload.size() << "); not sent");
    return;
  }
  Command c;
  c.kind = Command::kPublish;
  c.number = session;
  c.message = {topic, payload, retained, std::clamp(qos, 0, 1)};
  impl_->enqueue(std::move(c));
}

void MqttLiteLoop::post_after(double seconds, std::function<void()> action) {
  Command c;
  c.kind = Command::kTimer;
  c.due = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                             std::chrono::duration<double>(std::max(0.0, seconds)));
  c.action = std::move(action);
  impl_->enqueue(std::move(c));
}

MqttLiteLoop::Stats MqttLiteLoop::stats() const {
  Stats s;
  s.connected_sessions = impl_->connected.load();
  s.messages_in = impl_->messages_in.load();
  s.messages_out = impl_->messages_out.load();
  s.pubacks_in = impl_->pubacks_in.load();
  s.reconnects = impl_->reconnects.load();
  s.protocol_errors = impl_->protocol_errors.load();
  s.dropped = impl_->dropped.load();
  return s;
}

}  // namespace outpost::fleet
