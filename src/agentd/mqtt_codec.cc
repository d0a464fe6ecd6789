#include "agentd/mqtt_codec.h"

#include <algorithm>

namespace outpost::agentd::mqtt {

void put_u16(std::string& out, size_t v) {
  out.push_back(static_cast<char>((v >> 8) & 0xFF));
  out.push_back(static_cast<char>(v & 0xFF));
}

void put_string(std::string& out, std::string_view s) {
  put_u16(out, s.size());
  out.append(s);
}

uint16_t get_u16(std::string_view s, size_t at) {
  return static_cast<uint16_t>((static_cast<uint8_t>(s[at]) << 8) |
                               static_cast<uint8_t>(s[at + 1]));
}

std::string packet(uint8_t first_byte, std::string_view body) {
  std::string p(1, static_cast<char>(first_byte));
  size_t n = body.size();
  do {
    uint8_t digit = n % 128;
    n /= 128;
    if (n > 0) digit |= 0x80;
    p.push_back(static_cast<char>(digit));
  } while (n > 0);
  p.append(body);
  return p;
}

std::string connect_packet(const ConnectFields& f) {
  std::string body;
  put_string(body, "MQTT");
  body.push_back(4);  // protocol level: 3.1.1
  uint8_t flags = f.clean_session ? 0x02 : 0x00;
  if (!f.username.empty()) flags |= 0xC0;  // a user name and a password follow
  body.push_back(static_cast<char>(flags));
  put_u16(body, static_cast<size_t>(std::clamp(f.keepalive_s, 0, 65535)));
  put_string(body, f.client_id);
  if (!f.username.empty()) {
    put_string(body, f.username);
    put_string(body, f.password);
  }
  return packet(kConnect << 4, body);
}

std::string subscribe_packet(uint16_t id, const std::vector<std::string>& topics) {
  std::string body;
  put_u16(body, id);
  for (const std::string& t : topics) {
    put_string(body, t);
    body.push_back(1);  // QoS 1
  }
  return packet((kSubscribe << 4) | 0x02, body);  // SUBSCRIBE's reserved flags are 0010
}

std::string publish_packet(std::string_view topic, std::string_view payload, int qos,
                           bool retained, uint16_t id, bool dup) {
  std::string body;
  put_string(body, topic);
  if (qos > 0) put_u16(body, id);
  body.append(payload);
  const uint8_t flags = static_cast<uint8_t>((dup ? 0x08 : 0) | (qos << 1) | (retained ? 1 : 0));
  return packet(static_cast<uint8_t>((kPublish << 4) | flags), body);
}

std::string puback_packet(uint16_t id) {
  std::string body;
  put_u16(body, id);
  return packet(kPuback << 4, body);
}

std::string pingreq_packet() { return packet(kPingreq << 4, {}); }

std::string disconnect_packet() { return packet(kDisconnect << 4, {}); }

bool read_fixed_header(std::string_view in, size_t max_remaining, size_t* header_bytes,
                       size_t* remaining, std::string* error) {
  size_t value = 0;
  for (size_t i = 1; i <= 4; ++i) {
    if (in.size() <= i) return false;
    const uint8_t digit = static_cast<uint8_t>(in[i]);
    value |= static_cast<size_t>(digit & 0x7F) << (7 * (i - 1));
    if ((digit & 0x80) == 0) {
      if (value > max_remaining) {
        *error = "a packet of " + std::to_string(value) + " bytes, more than " +
                 std::to_string(max_remaining) + " taken";
        return false;
      }
      *header_bytes = i + 1;
      *remaining = value;
      return true;
    }
  }
  *error = "a remaining length longer than 4 bytes";
  return false;
}

std::string parse_publish(uint8_t flags, std::string_view body, Publish* out) {
  const int qos = (flags >> 1) & 0x03;
  if (qos > 1) return "a PUBLISH at QoS " + std::to_string(qos) + " (subscribed at 1)";
  if (body.size() < 2) return "a PUBLISH without a topic";
  const size_t topic_length = get_u16(body, 0);
  const size_t header = 2 + topic_length + (qos > 0 ? 2 : 0);
  if (body.size() < header) return "a PUBLISH shorter than its topic";
  out->topic.assign(body.substr(2, topic_length));
  out->payload.assign(body.substr(header));
  out->qos = qos;
  out->retained = (flags & 0x01) != 0;
  out->dup = (flags & 0x08) != 0;
  out->id = qos > 0 ? get_u16(body, 2 + topic_length) : 0;
  return "";
}

}  // namespace outpost::agentd::mqtt
