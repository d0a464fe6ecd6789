#include "agentd/paho_support.h"

namespace outpost::agentd {

std::string paho_error(int rc) {
  const char* text = MQTTClient_strerror(rc);
  return text != nullptr ? text : "error " + std::to_string(rc);
}

bool is_tls_broker(const std::string& broker_uri) { return broker_uri.rfind("ssl://", 0) == 0; }

Status check_broker_files(const std::string& broker_uri, const std::string& ca_file,
                          const std::string& cert_file, const std::string& key_file) {
  const bool files = !ca_file.empty() && !cert_file.empty() && !key_file.empty();
  if (is_tls_broker(broker_uri) && !files)
    return usage_error("broker '" + broker_uri +
                       "': TLS needs the CA file, the client's certificate and its key");
  if (!is_tls_broker(broker_uri) && (!ca_file.empty() || !cert_file.empty() || !key_file.empty()))
    return usage_error("broker '" + broker_uri +
                       "': certificates are given but the broker is not ssl://");
  return Status::ok();
}

void use_tls(MQTTClient_connectOptions& options, MQTTClient_SSLOptions& tls,
             const std::string& ca_file, const std::string& cert_file, const std::string& key_file) {
  tls = MQTTClient_SSLOptions_initializer;
  tls.trustStore = ca_file.c_str();
  tls.keyStore = cert_file.c_str();
  tls.privateKey = key_file.c_str();
  tls.enableServerCertAuth = 1;
  tls.verify = 1;  // the broker's certificate must name the host connected to
  tls.sslVersion = MQTT_SSL_VERSION_TLS_1_2;
  options.ssl = &tls;
}

bool delivery_complete(MQTTClient client, MQTTClient_deliveryToken token) {
  MQTTClient_deliveryToken* pending = nullptr;
  if (MQTTClient_getPendingDeliveryTokens(client, &pending) != MQTTCLIENT_SUCCESS) return false;
  bool waiting = false;
  for (const MQTTClient_deliveryToken* t = pending; t != nullptr && *t != -1; ++t)
    waiting = waiting || *t == token;
  if (pending != nullptr) MQTTClient_free(pending);
  return !waiting;
}

bool receive_message(MQTTClient client, unsigned long timeout_ms, std::optional<PahoMessage>* message) {
  char* topic = nullptr;
  int topic_length = 0;
  MQTTClient_message* m = nullptr;
  const int rc = MQTTClient_receive(client, &topic, &topic_length, &m, timeout_ms);
  message->reset();
  if (m != nullptr) {
    *message = PahoMessage{topic != nullptr ? std::string(topic) : std::string(),
                           std::string(static_cast<const char*>(m->payload),
                                       static_cast<size_t>(m->payloadlen > 0 ? m->payloadlen : 0))};
    MQTTClient_freeMessage(&m);
  }
  if (topic != nullptr) MQTTClient_free(topic);
  return rc == MQTTCLIENT_SUCCESS || rc == MQTTCLIENT_TOPICNAME_TRUNCATED;
}

}  // namespace outpost::agentd
