// MQTT 3.1.1 (OASIS, 2014) packets, written and read: what the agent's gateway relay
// (agentd/gateway_relay.h) and the fleet's many-session client (fleet/mqtt_lite.h) both speak.
// Only the packets a client sends or receives at QoS 0 and 1: CONNECT/CONNACK,
// SUBSCRIBE/SUBACK, PUBLISH/PUBACK, PINGREQ/PINGRESP, DISCONNECT.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace outpost::agentd::mqtt {

enum PacketType : uint8_t {
  kConnect = 1,
  kConnack = 2,
  kPublish = 3,
  kPuback = 4,
  kSubscribe = 8,
  kSuback = 9,
  kPingreq = 12,
  kPingresp = 13,
  kDisconnect = 14,
};

constexpr size_t kMaxStringBytes = 65535;  // an MQTT string's 16-bit length

void put_u16(std::string& out, size_t v);
void put_string(std::string& out, std::string_view s);
uint16_t get_u16(std::string_view s, size_t at);

// A whole packet: the fixed header (type and flags, the remaining length as a base-128
// varint, least significant group first) and `body`.
std::string packet(uint8_t first_byte, std::string_view body);

struct ConnectFields {
  std::string client_id;
  bool clean_session = false;
  int keepalive_s = 60;               // 0: no keep-alive
  std::string username, password;     // sent when username is not empty
};
std::string connect_packet(const ConnectFields& fields);
std::string subscribe_packet(uint16_t id, const std::vector<std::string>& topics);  // at QoS 1
std::string publish_packet(std::string_view topic, std::string_view payload, int qos,
                           bool retained, uint16_t id, bool dup);
std::string puback_packet(uint16_t id);
std::string pingreq_packet();
std::string disconnect_packet();

// The fixed header at the start of `in`: false with `error` empty while more bytes are needed,
// false with `error` set on a malformed one or one whose remaining length passes `max_remaining`.
bool read_fixed_header(std::string_view in, size_t max_remaining, size_t* header_bytes,
                       size_t* remaining, std::string* error);

struct Publish {
  std::string topic, payload;
  int qos = 0;
  bool retained = false;
  bool dup = false;  // the sender may have sent it before (a resend after a reconnect)
  uint16_t id = 0;   // QoS 1 only
};
// A PUBLISH's body and the flags of its first byte; the error when it is malformed (empty when
// it is not). QoS 2 is refused: these clients subscribe at QoS 1.
std::string parse_publish(uint8_t flags, std::string_view body, Publish* out);

}  // namespace outpost::agentd::mqtt
