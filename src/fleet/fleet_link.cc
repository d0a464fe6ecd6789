#include "fleet/fleet_link.h"

#include <unistd.h>

#include <chrono>
#include <cmath>
#include <deque>
#include <utility>

#include "agentd/paho_support.h"

namespace outpost::fleet {
namespace {

using Clock = std::chrono::steady_clock;
using agentd::paho_error;

constexpr char kReportedFilter[] = "outpost/v1/+/reported";

Clock::time_point after(double seconds) {
  return Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
}

}  // namespace

std::string device_of_reported_topic(const std::string& topic) {
  const std::string prefix = "outpost/v1/", suffix = "/reported";
  if (topic.size() <= prefix.size() + suffix.size() || topic.rfind(prefix, 0) != 0 ||
      topic.compare(topic.size() - suffix.size(), suffix.size(), suffix) != 0)
    return "";
  const std::string device = topic.substr(prefix.size(), topic.size() - prefix.size() - suffix.size());
  return device.find('/') == std::string::npos ? device : "";
}

struct FleetLink::Impl {
  FleetLinkOptions options;
  MQTTClient client = nullptr;
  std::deque<std::pair<std::string, std::string>> inbox;  // (topic, payload) not yet polled

  ~Impl() {
    if (client == nullptr) return;
    if (MQTTClient_isConnected(client)) MQTTClient_disconnect(client, 1000);
    MQTTClient_destroy(&client);
  }

  // Reads what the broker sent within `timeout_ms` into the inbox; false when disconnected.
  bool receive(unsigned long timeout_ms) {
    std::optional<agentd::PahoMessage> message;
    const bool connected = agentd::receive_message(client, timeout_ms, &message);
    if (message) inbox.emplace_back(std::move(message->topic), std::move(message->payload));
    return connected;
  }

  Status lost(const std::string& what) const {
    return {StatusCode::kNetwork, options.broker_uri + ": " + what};
  }
};

FleetLink::FleetLink(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
FleetLink::~FleetLink() = default;

Result<std::unique_ptr<FleetLink>> FleetLink::connect(FleetLinkOptions options) {
  OUTPOST_RETURN_IF_ERROR(agentd::check_broker_files(options.broker_uri, options.ca_file,
                                                     options.cert_file, options.key_file));
  if (options.client_id.empty()) options.client_id = "outpost-fleet-" + std::to_string(::getpid());
  auto impl = std::make_unique<Impl>();
  impl->options = std::move(options);
  const FleetLinkOptions& o = impl->options;
  int rc = MQTTClient_create(&impl->client, o.broker_uri.c_str(), o.client_id.c_str(),
                             MQTTCLIENT_PERSISTENCE_NONE, nullptr);
  if (rc != MQTTCLIENT_SUCCESS)
    return usage_error("broker '" + o.broker_uri + "': " + paho_error(rc) +
                       " (expected ssl://HOST:PORT or tcp://HOST:PORT)");
  MQTTClient_connectOptions c = MQTTClient_connectOptions_initializer;
  c.keepAliveInterval = 30;
  c.cleansession = 1;  // a tool that comes and goes: the retained reports are its start
  c.reliable = 0;
  c.maxInflightMessages = 65535;  // a wave's manifests go out together (see publish_desired)
  c.connectTimeout = std::max(1, static_cast<int>(std::ceil(o.connect_timeout_s)));
  MQTTClient_SSLOptions tls = MQTTClient_SSLOptions_initializer;
  if (agentd::is_tls_broker(o.broker_uri)) agentd::use_tls(c, tls, o.ca_file, o.cert_file, o.key_file);
  rc = MQTTClient_connect(impl->client, &c);
  if (rc != MQTTCLIENT_SUCCESS)
    return impl->lost("cannot connect (" + paho_error(rc) +
                      "): is a broker listening there? For ssl://, are the CA, certificate and key "
                      "the right ones?");
  rc = MQTTClient_subscribe(impl->client, kReportedFilter, 1);
  if (rc != MQTTCLIENT_SUCCESS)
    return impl->lost(std::string("cannot subscribe to ") + kReportedFilter + ": " + paho_error(rc));
  return std::unique_ptr<FleetLink>(new FleetLink(std::move(impl)));
}

Status FleetLink::poll(double seconds, const ReportedCallback& on_reported, double quiet_s) {
  const auto end = after(seconds);
  auto quiet_end = after(quiet_s);
  for (;;) {
    while (!impl_->inbox.empty()) {
      auto [topic, payload] = std::move(impl_->inbox.front());
      impl_->inbox.pop_front();
      quiet_end = after(quiet_s);
      const std::string device = device_of_reported_topic(topic);
      const nlohmann::json envelope = nlohmann::json::parse(payload, nullptr, false);
      // A report that is not the uplink's envelope (another publisher on the topic) is ignored.
      if (device.empty() || !envelope.is_object() || !envelope.contains("body")) continue;
      on_reported(device, envelope["body"]);
    }
    const auto now = Clock::now();
    if (now >= end || (quiet_s > 0 && now >= quiet_end)) return Status::ok();
    if (!impl_->receive(20)) return impl_->lost("the connection was lost");
  }
}

Status FleetLink::publish_desired(const std::vector<std::string>& devices,
                                  const std::string& signed_manifest) {
  std::vector<MQTTClient_deliveryToken> tokens;
  for (const std::string& device : devices) {
    const std::string topic = "outpost/v1/" + device + "/desired";
    MQTTClient_message message = MQTTClient_message_initializer;
    message.payload = const_cast<char*>(signed_manifest.data());
    message.payloadlen = static_cast<int>(signed_manifest.size());
    message.qos = 1;
    message.retained = 1;  // a device that connects later (or again) gets it at once
    MQTTClient_deliveryToken token = 0;
    const int rc = MQTTClient_publishMessage(impl_->client, topic.c_str(), &message, &token);
    if (rc != MQTTCLIENT_SUCCESS) return impl_->lost("cannot publish to " + topic + ": " + paho_error(rc));
    tokens.push_back(token);
  }
  const auto deadline = after(impl_->options.ack_timeout_s);
  for (MQTTClient_deliveryToken token : tokens) {
    while (!agentd::delivery_complete(impl_->client, token)) {
      if (Clock::now() >= deadline) return impl_->lost("no PUBACK for a desired manifest");
      if (!impl_->receive(2)) return impl_->lost("the connection was lost while publishing");
    }
  }
  return Status::ok();
}

}  // namespace outpost::fleet
