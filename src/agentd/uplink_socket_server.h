// The agent's side of core/uplink_client.h: a Unix socket in the state directory where the
// modules (pipelines) put their events and metrics into the agent's one outbox. The outbox
// stays owned by the agent alone (it is locked exclusively), and a message is answered only once
// it is durable there: stored before acknowledged, as for the agent's own reported state.
//
// One thread polls the listening socket and every connection; each request line is handled
// whole (its outbox transaction committed) before the next. The socket file is made owner-only
// (the modules run as the agent's user) and removed when the server stops.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>

#include "agent/outbox.h"
#include "outpost/status.h"

namespace outpost::agentd {

struct UplinkSocketStats {
  int64_t stored = 0;          // messages put into the outbox
  int64_t refused = 0;         // messages the outbox refused (full; counted in its drops)
  int64_t producer_drops = 0;  // messages producers reported lost before they got here
  int64_t bad_requests = 0;    // malformed lines, answered with an error
};

class UplinkSocketServer {
 public:
  // Binds `socket_path` (a stale file there is replaced), then serves on a thread of its own.
  // Messages of class C are stored under the topic `topic_prefix` + C; only `events` and
  // `metrics` are taken (the state class belongs to the agent). kUsage when the path does not
  // fit a Unix socket address (107 bytes); kIoError when it cannot be bound.
  static Result<std::unique_ptr<UplinkSocketServer>> start(const std::string& socket_path,
                                                           std::string topic_prefix,
                                                           agent::Outbox& outbox);
  ~UplinkSocketServer();  // stops serving, closes every connection, removes the socket file
  UplinkSocketServer(const UplinkSocketServer&) = delete;
  UplinkSocketServer& operator=(const UplinkSocketServer&) = delete;

  UplinkSocketStats stats() const;

  static constexpr size_t kMaxConnections = 64;

 private:
  struct Impl;
  explicit UplinkSocketServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace outpost::agentd
