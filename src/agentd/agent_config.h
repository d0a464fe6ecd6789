// `outpost agent --config agent.json`: where the agent keeps its state, where desired state
// comes from, what it trusts, and the limits it puts on fetching and on modules
// (docs/agent.md, "Configuration"). Read strictly: an unknown key, a wrong type or a value out
// of range is kInvalidModel naming the field.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "agentd/fetcher.h"
#include "agentd/supervisor.h"
#include "outpost/status.h"

namespace outpost::agentd {

// The MQTT uplink (docs/mqtt.md): the agent's reported state goes through its outbox
// (state_dir/outbox.db) to the broker. Absent: the agent reports to status.json only.
struct UplinkConfig {
  std::string device_id;  // the MQTT client id, and <device> in outpost/v1/<device>/...
  std::string broker;     // ssl://HOST:PORT, or tcp://HOST:PORT for development
  std::string ca_file, cert_file, key_file;  // all three for ssl://, none for tcp://
  uint64_t outbox_max_bytes = uint64_t{64} << 20;
  int64_t outbox_max_age_s = 7 * 24 * 3600;
  double backoff_min_s = 0.5, backoff_max_s = 30;  // between reconnects, jittered
  double report_interval_s = 300;  // the reported state again, unchanged, this often
};

// The edge gateway (docs/gateway.md): a local MQTT broker (Debian's mosquitto, which the agent
// starts and supervises) where child devices without an uplink of their own publish their
// telemetry and receive their desired state; the agent relays both ways through its outbox.
// Needs the uplink.
struct GatewayConfig {
  std::string listen_host = "0.0.0.0";  // the LAN side's address
  int listen_port = 1883;
  // The children's credentials, in mosquitto_passwd's format (one "id:hash" line each): every
  // child in `children` must have one. The broker reads it; the agent never sees a password.
  std::string password_file;
  std::vector<std::string> children;  // their device ids, which are also their user names
  std::string mosquitto = "/usr/sbin/mosquitto";
  // TLS on the children's listener (both, or neither): the gateway's certificate, which its
  // children check with the CA that signed it, and its key. Children still log in with their
  // passwords, now over the encrypted connection.
  std::string cert_file, key_file;
};

struct AgentConfig {
  std::string path;  // of the configuration file, for messages
  // Everything the agent owns: state.journal, status.json, store/, deployments/, logs/,
  // installed-versions.json. Relative paths in the file are relative to the file's directory.
  std::string state_dir;
  // The local-directory source: signed manifests (`*.json`) dropped here are applied.
  std::string manifest_dir;
  std::string trust_dir;   // publisher keys (.pub): manifests and bundles must be signed by one
  std::string device_key;  // this device's secret key, for encrypted bundles; empty: none
  double poll_interval_s = 2;
  // The executable modules run (`serve`, `pipeline run`): empty means this agent's own binary.
  std::string outpost_binary;
  FetchOptions fetch;
  uint64_t store_max_bytes = 0;  // 0: no quota beyond the disk
  ProcessLimits module_limits;
  double stable_after_s = 60;
  uint64_t log_max_bytes = uint64_t{1} << 20;
  int log_files = 3;
  // How often, during probation, a serve module's /metrics is scraped.
  double health_interval_s = 5;
  std::optional<UplinkConfig> uplink;
  std::optional<GatewayConfig> gateway;

  std::string store_dir() const { return state_dir + "/store"; }
  std::string deployments_dir() const { return state_dir + "/deployments"; }
  std::string logs_dir() const { return state_dir + "/logs"; }
  std::string journal_dir() const { return state_dir; }
  std::string outbox_path() const { return state_dir + "/outbox.db"; }
  // Where the modules put their events into the outbox (core/uplink_client.h).
  std::string uplink_socket_path() const { return state_dir + "/uplink.sock"; }
  // The gateway's broker: its configuration, persistence and the relay's socket.
  std::string gateway_dir() const { return state_dir + "/gateway"; }
};

// Reads the file. kIoError when it cannot be read; kInvalidModel naming the field.
Result<AgentConfig> load_agent_config(const std::string& path);
// The same from text (relative paths resolved against `base_dir`).
Result<AgentConfig> parse_agent_config(const std::string& text, const std::string& what,
                                       const std::string& base_dir);

}  // namespace outpost::agentd
