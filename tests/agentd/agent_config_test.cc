// The agent's configuration file: defaults, relative paths, and strict errors naming the field.
#include "agentd/agent_config.h"

#include <gtest/gtest.h>

namespace outpost::agentd {
namespace {

Result<AgentConfig> parse(const std::string& text) {
  return parse_agent_config(text, "agent.json", "/etc/outpost");
}

void expect_error(const std::string& text, const std::string& fragment) {
  auto c = parse(text);
  ASSERT_FALSE(c.is_ok()) << text;
  EXPECT_EQ(c.status().code(), StatusCode::kInvalidModel);
  EXPECT_NE(c.status().message().find(fragment), std::string::npos) << c.status().message();
}

TEST(AgentConfig, TheSmallestConfigurationTakesTheDefaults) {
  auto c = parse(R"({"state_dir": "/var/lib/outpost", "manifest_dir": "desired",
                     "trust_dir": "../outpost-trust"})");
  ASSERT_TRUE(c.is_ok()) << c.status().message();
  EXPECT_EQ(c->state_dir, "/var/lib/outpost");
  EXPECT_EQ(c->manifest_dir, "/etc/outpost/desired") << "relative to the file's directory";
  EXPECT_EQ(c->trust_dir, "/etc/outpost-trust");
  EXPECT_EQ(c->store_dir(), "/var/lib/outpost/store");
  EXPECT_EQ(c->poll_interval_s, 2);
  EXPECT_EQ(c->fetch.max_attempts, 5);
  EXPECT_EQ(c->store_max_bytes, 0u);
  EXPECT_FALSE(c->module_limits.max_memory_bytes.has_value());
  EXPECT_TRUE(c->device_key.empty());
}

TEST(AgentConfig, EverySettingIsRead) {
  auto c = parse(R"({"state_dir": "/s", "manifest_dir": "/m", "trust_dir": "/t",
    "device_key": "/k/cam.device.key", "poll_interval_s": 0.5, "outpost_binary": "/opt/outpost",
    "fetch": {"max_attempts": 3, "backoff_min_s": 0.5, "backoff_max_s": 8, "connect_timeout_s": 4,
              "read_timeout_s": 9, "ca_file": "ca.pem"},
    "store_max_mb": 512, "module_limits": {"max_memory_mb": 256, "max_cpu_seconds": 3600,
                                           "max_open_files": 1024, "nice": 5},
    "stable_after_s": 30, "log_max_kb": 256, "log_files": 4, "health_interval_s": 1})");
  ASSERT_TRUE(c.is_ok()) << c.status().message();
  EXPECT_EQ(c->device_key, "/k/cam.device.key");
  EXPECT_EQ(c->fetch.max_attempts, 3);
  EXPECT_EQ(c->fetch.backoff_max_s, 8);
  EXPECT_EQ(c->fetch.ca_file, "/etc/outpost/ca.pem");
  EXPECT_EQ(c->store_max_bytes, uint64_t{512} << 20);
  EXPECT_EQ(c->module_limits.max_memory_bytes, uint64_t{256} << 20);
  EXPECT_EQ(c->module_limits.max_cpu_seconds, 3600u);
  EXPECT_EQ(c->module_limits.max_open_files, 1024u);
  EXPECT_EQ(c->module_limits.nice, 5);
  EXPECT_EQ(c->log_max_bytes, uint64_t{256} << 10);
  EXPECT_EQ(c->log_files, 4);
  EXPECT_EQ(c->health_interval_s, 1);
}

TEST(AgentConfig, MistakesNameTheField) {
  expect_error(R"({"manifest_dir": "/m", "trust_dir": "/t"})", "state_dir");
  expect_error(R"({"state_dir": "/s", "manifest_dir": "/m", "trust_dir": "/t", "pol": 1})", "pol");
  expect_error(R"({"state_dir": "/s", "manifest_dir": "/m", "trust_dir": "/t",
                   "poll_interval_s": "2"})", "poll_interval_s");
  expect_error(R"({"state_dir": "/s", "manifest_dir": "/m", "trust_dir": "/t",
                   "poll_interval_s": 0})", "poll_interval_s");
  expect_error(R"({"state_dir": "", "manifest_dir": "/m", "trust_dir": "/t"})", "state_dir");
  expect_error(R"({"state_dir": "/s", "manifest_dir": "/m", "trust_dir": "/t",
                   "fetch": {"backoff_min_s": 10, "backoff_max_s": 1}})", "fetch.backoff_max_s");
  expect_error(R"({"state_dir": "/s", "manifest_dir": "/m", "trust_dir": "/t",
                   "module_limits": {"max_memory_mb": 1}})", "module_limits.max_memory_mb");
  expect_error(R"({"state_dir": "/s", "manifest_dir": "/m", "trust_dir": "/t",
                   "state_dir": "/other"})", "duplicate");
  expect_error("[1, 2]", "object");
}

TEST(AgentConfig, TheUplinkIsReadWithItsCertificatesAndChecked) {
  auto c = parse(R"({"state_dir": "/s", "manifest_dir": "/m", "trust_dir": "/t",
                     "uplink": {"device_id": "cam-7", "broker": "ssl://fleet.example:8883",
                                "ca_file": "pki/ca.crt", "cert_file": "/pki/cam-7.crt",
                                "key_file": "/pki/cam-7.key", "outbox_max_mb": 8,
                                "outbox_max_age_h": 24, "backoff_max_s": 5}})");
  ASSERT_TRUE(c.is_ok()) << c.status().message();
  ASSERT_TRUE(c->uplink.has_value());
  EXPECT_EQ(c->uplink->device_id, "cam-7");
  EXPECT_EQ(c->uplink->ca_file, "/etc/outpost/pki/ca.crt") << "relative to the file's directory";
  EXPECT_EQ(c->uplink->outbox_max_bytes, uint64_t{8} << 20);
  EXPECT_EQ(c->uplink->outbox_max_age_s, 24 * 3600);
  EXPECT_EQ(c->uplink->backoff_min_s, 0.5);
  EXPECT_EQ(c->uplink->backoff_max_s, 5);
  EXPECT_EQ(c->outbox_path(), "/s/outbox.db");
  EXPECT_FALSE(parse(R"({"state_dir": "/s", "manifest_dir": "/m", "trust_dir": "/t"})")->uplink);

  const std::string head = R"({"state_dir": "/s", "manifest_dir": "/m", "trust_dir": "/t", )";
  expect_error(head + R"("uplink": {"broker": "tcp://127.0.0.1:1883"}})", "uplink.device_id");
  expect_error(head + R"("uplink": {"device_id": "a/b", "broker": "tcp://h:1"}})",
               "uplink.device_id");
  expect_error(head + R"("uplink": {"device_id": "d", "broker": "http://h:1"}})",
               "uplink.broker");
  expect_error(head + R"("uplink": {"device_id": "d", "broker": "ssl://h:8883"}})",
               "uplink.ca_file");
  expect_error(head + R"("uplink": {"device_id": "d", "broker": "tcp://h:1", "ca_file": "c"}})",
               "certificates are for an ssl:// broker");
}

TEST(AgentConfig, TheGatewayIsReadWithItsChildrenAndChecked) {
  const std::string head = R"({"state_dir": "/s", "manifest_dir": "/m", "trust_dir": "/t",
    "uplink": {"device_id": "gw-1", "broker": "tcp://127.0.0.1:1883"}, )";
  auto c = parse(head + R"("gateway": {"listen": "192.168.7.1:1884", "password_file": "children.passwd",
                                       "children": ["sensor-1", "cam.2"]}})");
  ASSERT_TRUE(c.is_ok()) << c.status().message();
  ASSERT_TRUE(c->gateway.has_value());
  EXPECT_EQ(c->gateway->listen_host, "192.168.7.1");
  EXPECT_EQ(c->gateway->listen_port, 1884);
  EXPECT_EQ(c->gateway->password_file, "/etc/outpost/children.passwd");
  EXPECT_EQ(c->gateway->children, (std::vector<std::string>{"sensor-1", "cam.2"}));
  EXPECT_EQ(c->gateway->mosquitto, "/usr/sbin/mosquitto");
  EXPECT_EQ(c->gateway_dir(), "/s/gateway");

  auto defaults = parse(head + R"("gateway": {"password_file": "/p", "children": ["a"]}})");
  ASSERT_TRUE(defaults.is_ok()) << defaults.status().message();
  EXPECT_EQ(defaults->gateway->listen_host, "0.0.0.0");
  EXPECT_EQ(defaults->gateway->listen_port, 1883);

  expect_error(R"({"state_dir": "/s", "manifest_dir": "/m", "trust_dir": "/t",
                   "gateway": {"password_file": "/p", "children": ["a"]}})",
               "configure \"uplink\" too");
  expect_error(head + R"("gateway": {"children": ["a"]}})", "gateway.password_file");
  expect_error(head + R"("gateway": {"password_file": "/p", "children": []}})", "gateway.children");
  expect_error(head + R"("gateway": {"password_file": "/p", "children": ["a/#"]}})",
               "gateway.children");
  expect_error(head + R"("gateway": {"password_file": "/p", "children": ["a", "a"]}})",
               "named twice");
  expect_error(head + R"("gateway": {"password_file": "/p", "children": ["gw-1"]}})",
               "own device id");
  expect_error(head + R"("gateway": {"password_file": "/p", "children": [7]}})", "gateway.children");
  for (const char* listen : {"1883", ":1883", "h:", "h:0", "h:65536", "h:12a", "h:123456"})
    expect_error(head + R"("gateway": {"password_file": "/p", "children": ["a"], "listen": ")" +
                     listen + R"("}})",
                 "gateway.listen");
  expect_error(head + R"("gateway": {"password_file": "/p", "children": ["a"], "port": 1}})",
               "port");
  expect_error(head + R"("gateway": {"password_file": "/p", "children": ["a"], "cert_file": "c"}})",
               "gateway.key_file");
  auto tls = parse(head + R"("gateway": {"password_file": "/p", "children": ["a"],
                                         "cert_file": "pki/gw.crt", "key_file": "pki/gw.key"}})");
  ASSERT_TRUE(tls.is_ok()) << tls.status().message();
  EXPECT_EQ(tls->gateway->cert_file, "/etc/outpost/pki/gw.crt");
  EXPECT_EQ(tls->gateway->key_file, "/etc/outpost/pki/gw.key");
}

TEST(AgentConfig, AMissingFileIsAnIoError) {
  auto c = load_agent_config("/nonexistent/agent.json");
  EXPECT_EQ(c.status().code(), StatusCode::kIoError) << c.status().message();
}

}  // namespace
}  // namespace outpost::agentd
