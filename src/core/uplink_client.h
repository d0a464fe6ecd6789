// A module's way into the device agent's outbox (issue 15): the agent listens on a Unix socket
// in its state directory (agentd/uplink_socket_server.h) and tells its modules where, in the
// environment variable OUTPOST_UPLINK_SOCKET. Each message is stored durably in the agent's
// outbox before the agent answers, so a message send() returned an id for survives the agent,
// the device and the uplink going down (docs/mqtt.md, "Local producers").
//
// The protocol is one JSON object per line each way, in order, one answer per request:
//   -> {"class": "events", "body": {...}}                 <- {"id": 42}   (stored)
//                                                         <- {"refused": true} (outbox full of
//                                                            messages it keeps; counted there)
//   -> {"drops": {"class": "events", "count": 3, "bytes": 900, "first_ms": T0, "last_ms": T1}}
//                                                         <- {"recorded": true}
//   any malformed request                                 <- {"error": "what is wrong"}
// A line is at most kMaxUplinkLineBytes; JSON text is valid UTF-8 (core/json_text.h).
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "outpost/status.h"

namespace outpost {

inline constexpr const char* kUplinkSocketEnv = "OUTPOST_UPLINK_SOCKET";
inline constexpr size_t kMaxUplinkLineBytes = size_t{1} << 20;

class UplinkClient {
 public:
  // Connects lazily, on the first request.
  explicit UplinkClient(std::string socket_path, double answer_timeout_s = 10);
  ~UplinkClient();
  UplinkClient(const UplinkClient&) = delete;
  UplinkClient& operator=(const UplinkClient&) = delete;

  const std::string& socket_path() const { return socket_path_; }

  // Stores `body` in the agent's outbox as a message of `message_class` ("events" or
  // "metrics"). Returns its id, or 0 when the outbox refused it (full of messages it keeps;
  // the agent counted the refusal in its drop reports). kNetwork when the agent cannot be
  // reached or does not answer in time: the message may not be stored, and the connection is
  // closed (the next request connects again). kUsage when the agent refuses the request.
  Result<int64_t> send(const std::string& message_class, const nlohmann::json& body);

  // Tells the agent that `count` messages (`bytes` of JSON) of `message_class` were lost before
  // they reached it, between first_ms and last_ms (ms since the epoch): it records them with
  // its own drops (reason "unreachable"), so the loss is reported upstream.
  Status report_drops(const std::string& message_class, int64_t count, int64_t bytes,
                      int64_t first_ms, int64_t last_ms);

  bool connected() const { return fd_ >= 0; }
  void disconnect();

 private:
  Status connect_if_needed();
  Result<nlohmann::json> request(const nlohmann::json& message);
  Result<std::string> read_line();

  std::string socket_path_;
  double answer_timeout_s_;
  int fd_ = -1;
  std::string buffer_;  // bytes read past the last answer's newline (none, in this protocol)
};

}  // namespace outpost
