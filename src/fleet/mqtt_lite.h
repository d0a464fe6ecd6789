// A minimal MQTT 3.1.1 client for many sessions at once: the simulated device agents of the
// fleet scale tests (issue 15), a thousand sessions in one process. Paho's synchronous client
// needs a thread per client, and its asynchronous library may not be linked beside the
// synchronous one the `outpost` binary uses, so this speaks the protocol itself (MQTT 3.1.1,
// OASIS 2014): CONNECT/CONNACK, SUBSCRIBE/SUBACK (QoS 1), PUBLISH at QoS 0 and 1 with PUBACK,
// PINGREQ/PINGRESP, DISCONNECT. TCP only (no TLS): it is for loopback brokers in tests.
//
// Every session runs on ONE thread: non-blocking sockets under epoll, a buffer each way per
// session, and a min-heap of timed actions (post_after) that the simulator's devices use too, so
// their state needs no lock. A session whose connection is lost, refused, silent past its
// keep-alive or speaking garbage reconnects after a jittered, growing delay. Not a general MQTT
// client: no QoS 2, no will, no user name.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "outpost/status.h"

namespace outpost::fleet {

struct LiteMessage {
  std::string topic, payload;
  bool retained = false;
};

// Packets larger than this (their remaining length) are taken as garbage: the session drops
// the connection. A signed manifest (3 MiB at most) fits.
constexpr size_t kMaxLitePacketBytes = size_t{4} << 20;

class MqttLiteLoop {
 public:
  struct SessionOptions {
    std::string client_id;
    bool clean_session = false;
    int keepalive_s = 60;                    // 0: no keep-alive
    std::vector<std::string> subscriptions;  // at QoS 1, on every connection
    // Messages waiting for the connection or for room in flight; past it the oldest is
    // dropped (and counted), so that a session cut off for long holds bounded memory.
    size_t max_queued = 1024;
  };
  struct Stats {
    int64_t connected_sessions = 0;  // now connected and subscribed
    int64_t messages_in = 0;         // PUBLISH packets received (and handed to on_message)
    int64_t messages_out = 0;        // PUBLISH packets sent (a resend after a reconnect: not)
    int64_t pubacks_in = 0;          // acknowledgements of our QoS 1 publishes
    int64_t reconnects = 0;          // connections made by sessions that had one before
    int64_t protocol_errors = 0;     // connections dropped for what the broker sent
    int64_t dropped = 0;             // messages dropped from a full queue (max_queued)
  };
  using MessageCallback = std::function<void(int session, const LiteMessage&)>;
  using ConnectedCallback = std::function<void(int session)>;

  // Resolves `host` (kUsage when it cannot be, or the port is out of range) and starts the loop's
  // thread; kIoError when epoll cannot be set up. Nothing connects before add_session.
  static Result<std::unique_ptr<MqttLiteLoop>> start(const std::string& host, int port);
  // Sends DISCONNECT on every connected session (what fits the socket), closes them and joins
  // the thread. Never call it from a callback.
  ~MqttLiteLoop();
  MqttLiteLoop(const MqttLiteLoop&) = delete;
  MqttLiteLoop& operator=(const MqttLiteLoop&) = delete;

  // Adds a session; it connects in the background, at most a few dozen sessions connecting at
  // once. `on_connected` runs once the broker acknowledged the connection and the
  // subscriptions (on every reconnect too), `on_message` for each message received. Both run
  // on the loop's thread and must not block. Thread-safe; returns the session's number.
  int add_session(SessionOptions options, MessageCallback on_message,
                  ConnectedCallback on_connected);

  // Queues a message for the loop to send (thread-safe). Messages published while the session
  // is not connected, or has kMaxInFlight QoS 1 messages unacknowledged, wait, up to the
  // session's max_queued (the oldest are dropped first); QoS 1 ones not acknowledged when the
  // connection drops are sent again after it, flagged DUP.
  void publish(int session, const std::string& topic, const std::string& payload, bool retained,
               int qos);

  // Runs `action` on the loop's thread after `seconds` (thread-safe). Actions still waiting when
  // the loop stops are dropped.
  void post_after(double seconds, std::function<void()> action);

  Stats stats() const;

  static constexpr int kMaxInFlight = 64;  // QoS 1 messages awaiting their PUBACK per session

 private:
  struct Impl;
  explicit MqttLiteLoop(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace outpost::fleet
