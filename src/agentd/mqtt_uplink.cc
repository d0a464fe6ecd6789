#include "agentd/mqtt_uplink.h"

#include <MQTTClient.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <mutex>
#include <random>
#include <thread>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "agentd/paho_support.h"
#include "core/log.h"

namespace outpost::agentd {
namespace {

std::string envelope(const agent::OutboxMessage& m) {
  nlohmann::json j;
  j["id"] = m.id;
  j["class"] = m.message_class;
  j["created_ms"] = m.created_ms;
  if (nlohmann::json::accept(m.payload))
    j["body"] = nlohmann::json::parse(m.payload);
  else
    j["body"] = m.payload;  // as a string (dump() escapes what is not UTF-8)
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string drop_envelope(const agent::DropReport& d) {
  return nlohmann::json{{"drops",
                         {{"id", d.id},
                          {"class", d.message_class},
                          {"reason", d.reason},
                          {"count", d.count},
                          {"bytes", d.bytes},
                          {"first_ms", d.first_ms},
                          {"last_ms", d.last_ms},
                          {"first_id", d.first_id},
                          {"last_id", d.last_id}}}}
      .dump();
}

}  // namespace

struct MqttUplink::Impl {
  Impl(UplinkOptions o, agent::Outbox& box) : options(std::move(o)), outbox(box) {}
  ~Impl() {
    if (client != nullptr) {
      if (MQTTClient_isConnected(client)) MQTTClient_disconnect(client, 1000);
      MQTTClient_destroy(&client);
    }
  }

  UplinkOptions options;
  agent::Outbox& outbox;
  MQTTClient client = nullptr;
  mutable std::mutex mu;  // guards stats and received
  UplinkStats stats;
  std::vector<std::string> received;
  std::vector<TopicMessage> relayed;
  std::mt19937 rng{std::random_device{}()};


  Status lost(const std::string& what, int rc) {
    if (MQTTClient_isConnected(client)) MQTTClient_disconnect(client, 0);
    return Status(StatusCode::kNetwork, options.broker_uri + ": " + what + ": " + paho_error(rc));
  }

  Status connect() {
    if (MQTTClient_isConnected(client)) return Status::ok();
    MQTTClient_connectOptions o = MQTTClient_connectOptions_initializer;
    o.keepAliveInterval = 20;
    o.cleansession = 0;  // a persistent session: the broker keeps the device's subscriptions
    o.reliable = 0;      // several messages in flight, up to the window
    // Paho's own bound on messages in flight is 10 unless told: past it, a publish waits in
    // Paho's 100 ms yield, and a window of 32 drained at about 100 messages/s.
    o.maxInflightMessages = static_cast<int>(std::max<size_t>(options.window, 1));
    o.connectTimeout = std::max(1, static_cast<int>(std::ceil(options.connect_timeout_s)));
    MQTTClient_SSLOptions tls = MQTTClient_SSLOptions_initializer;
    if (is_tls_broker(options.broker_uri))
      use_tls(o, tls, options.ca_file, options.cert_file, options.key_file);
    const int rc = MQTTClient_connect(client, &o);
    if (rc != MQTTCLIENT_SUCCESS) {
      std::lock_guard<std::mutex> lock(mu);
      ++stats.connection_failures;
      return Status(StatusCode::kNetwork,
                    options.broker_uri + ": cannot connect: " + paho_error(rc));
    }
    {
      std::lock_guard<std::mutex> lock(mu);
      ++stats.connects;
    }
    std::vector<std::string> topics = options.relayed_topics;
    if (!options.desired_topic.empty()) topics.push_back(options.desired_topic);
    for (const std::string& topic : topics) {
      const int sub = MQTTClient_subscribe(client, topic.c_str(), 1);
      if (sub != MQTTCLIENT_SUCCESS) return lost("cannot subscribe to " + topic, sub);
    }
    return Status::ok();
  }

  // Takes what the broker sent (queued by Paho while we published, or arriving within
  // `timeout_ms`). A connection found gone here is found again by the next drain().
  void receive(unsigned long timeout_ms) {
    std::optional<PahoMessage> message;
    receive_message(client, timeout_ms, &message);
    if (!message) return;
    std::lock_guard<std::mutex> lock(mu);
    if (message->topic == options.desired_topic)
      received.push_back(std::move(message->payload));
    else
      relayed.push_back({std::move(message->topic), std::move(message->payload)});
  }


  // Publishes at QoS 1; the token to wait on for its PUBACK.
  Result<MQTTClient_deliveryToken> publish(const std::string& topic, const std::string& body,
                                           bool retained = false) {
    MQTTClient_message message = MQTTClient_message_initializer;
    message.payload = const_cast<char*>(body.data());
    message.payloadlen = static_cast<int>(body.size());
    message.qos = 1;
    message.retained = retained ? 1 : 0;
    MQTTClient_deliveryToken token = 0;
    const int rc = MQTTClient_publishMessage(client, topic.c_str(), &message, &token);
    if (rc != MQTTCLIENT_SUCCESS) return lost("publish failed", rc);
    return token;
  }

  // Paho's MQTTClient_waitForCompletion reads the connection in steps of 100 ms (its yield), so
  // a window waited that way took 100 ms whatever the broker's speed (about 70 messages/s in
  // the fault tests). The connection is read here in steps of a few ms instead.
  Status wait_for_ack(MQTTClient_deliveryToken token) {
    const auto deadline = std::chrono::steady_clock::now() +
                          std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                              std::chrono::duration<double>(options.ack_timeout_s));
    for (;;) {
      if (delivery_complete(client, token)) return Status::ok();
      if (!MQTTClient_isConnected(client)) return lost("no PUBACK", MQTTCLIENT_DISCONNECTED);
      if (std::chrono::steady_clock::now() >= deadline) return lost("no PUBACK", MQTTCLIENT_FAILURE);
      receive(2);  // reads what the broker sent: PUBACKs, and desired-state messages
    }
  }

  // One window of messages: published together, then confirmed to the outbox in order as
  // their PUBACKs come. Returns how many were sent (0: the outbox is empty).
  Result<size_t> send_window() {
    OUTPOST_ASSIGN_OR_RETURN(auto batch, outbox.peek(std::max<size_t>(options.window, 1)));
    std::vector<std::pair<MQTTClient_deliveryToken, int64_t>> in_flight;
    for (const agent::OutboxMessage& m : batch) {
      OUTPOST_ASSIGN_OR_RETURN(MQTTClient_deliveryToken token, publish(m.topic, envelope(m), m.message_class == "state"));
      in_flight.push_back({token, m.id});
    }
    for (const auto& [token, id] : in_flight) {
      OUTPOST_RETURN_IF_ERROR(wait_for_ack(token));
      OUTPOST_RETURN_IF_ERROR(outbox.acknowledge(id));
      std::lock_guard<std::mutex> lock(mu);
      ++stats.delivered;
    }
    return batch.size();
  }

  Status send_drop_reports() {
    OUTPOST_ASSIGN_OR_RETURN(auto reports, outbox.drop_reports());
    for (const agent::DropReport& d : reports) {
      OUTPOST_ASSIGN_OR_RETURN(MQTTClient_deliveryToken token,
                               publish(options.drops_topic, drop_envelope(d)));
      OUTPOST_RETURN_IF_ERROR(wait_for_ack(token));
      OUTPOST_RETURN_IF_ERROR(outbox.acknowledge_drop_report(d.id));
      std::lock_guard<std::mutex> lock(mu);
      ++stats.drop_reports;
    }
    return Status::ok();
  }

  Status drain() {
    OUTPOST_RETURN_IF_ERROR(connect());
    for (;;) {
      OUTPOST_ASSIGN_OR_RETURN(const size_t sent, send_window());
      if (sent == 0) break;
    }
    return send_drop_reports();
  }

  // Sleeps up to `seconds`, waking early on stop; keeps the connection's keep-alive going.
  void pause(double seconds, const std::atomic<bool>& stop) {
    const auto until = std::chrono::steady_clock::now() +
                       std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                           std::chrono::duration<double>(seconds));
    while (!stop.load() && std::chrono::steady_clock::now() < until) {
      if (MQTTClient_isConnected(client))
        receive(20);  // also keeps the connection alive
      else
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }

  void run(const std::atomic<bool>& stop) {
    double backoff = options.backoff_min_s;
    std::string last_error;  // logged once while it stays the same, not at every retry
    while (!stop.load()) {
      const Status sent = drain();
      if (sent.is_ok()) {
        if (!last_error.empty())
          OUTPOST_LOG_INFO("uplink: " << options.broker_uri << " reached again");
        last_error.clear();
        backoff = options.backoff_min_s;
        pause(options.poll_interval_s, stop);
        continue;
      }
      if (sent.message() != last_error)
        OUTPOST_LOG_WARNING("uplink: " << sent.message()
                                       << "; the outbox keeps what is not sent, retrying");
      last_error = sent.message();
      // Jittered (x0.5 to x1.5) so that a fleet that lost its broker does not come back at once.
      const double jittered = backoff * std::uniform_real_distribution<double>(0.5, 1.5)(rng);
      pause(jittered, stop);
      backoff = std::min(options.backoff_max_s, backoff * 2);
    }
  }
};

MqttUplink::MqttUplink(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
MqttUplink::~MqttUplink() = default;

Result<std::unique_ptr<MqttUplink>> MqttUplink::create(UplinkOptions options,
                                                       agent::Outbox& outbox) {
  if (options.client_id.empty()) return usage_error("the uplink needs a client id (the device's)");
  if (options.drops_topic.empty()) return usage_error("the uplink needs a topic for drop reports");
  OUTPOST_RETURN_IF_ERROR(
      check_broker_files(options.broker_uri, options.ca_file, options.cert_file, options.key_file));
  auto impl = std::make_unique<Impl>(std::move(options), outbox);
  const int rc = MQTTClient_create(&impl->client, impl->options.broker_uri.c_str(),
                                   impl->options.client_id.c_str(), MQTTCLIENT_PERSISTENCE_NONE,
                                   nullptr);
  if (rc != MQTTCLIENT_SUCCESS)
    return usage_error("broker '" + impl->options.broker_uri + "': " + paho_error(rc) +
                       " (expected ssl://HOST:PORT or tcp://HOST:PORT)");
  return std::unique_ptr<MqttUplink>(new MqttUplink(std::move(impl)));
}

Status MqttUplink::drain() { return impl_->drain(); }

void MqttUplink::run(const std::atomic<bool>& stop) { impl_->run(stop); }

std::vector<std::string> MqttUplink::take_received() {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return std::exchange(impl_->received, {});
}

std::vector<TopicMessage> MqttUplink::take_relayed() {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return std::exchange(impl_->relayed, {});
}

UplinkStats MqttUplink::stats() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return impl_->stats;
}

}  // namespace outpost::agentd
