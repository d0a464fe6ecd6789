// What the agent reports about itself (`outpost status`, later the MQTT uplink's reported
// state): the desired deployment, what runs, the last-good one, each module's process and
// health, and the last error. The agent rewrites `STATE_DIR/status.json` (atomically: a
// temporary file, fsync, rename) whenever it changes; `outpost status` reads it and the
// journal, so it works whether or not the agent is running.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "outpost/status.h"

namespace outpost::agentd {

struct DeploymentReport {
  std::string deployment_id;
  int64_t version = 0;
  std::string manifest_sha256;
};

struct BundleReport {
  std::string name, version, sha256;
};

struct ModuleReport {
  std::string name;
  std::string run;                  // "serve" | "pipeline"
  std::string process;              // supervisor.h process_state_name(), or "not_started"
  int pid = 0;
  int restarts = 0;
  std::string health;               // "probation" | "healthy" | "failed" | "unknown"
  std::string endpoint;             // "http://127.0.0.1:8000" for serve modules
  std::vector<BundleReport> bundles;
  std::string last_error;
};

// With the agent serving child devices (docs/gateway.md): whether it can.
struct GatewayReport {
  std::string broker;  // its broker's process state (supervisor.h process_state_name)
  std::string relay;   // "connected" | "disconnected": the relay's session with that broker
  int children = 0;    // configured
};

struct ReportedState {
  std::string agent;                // "starting" | "idle" | "applying" | "probation" | "stopped"
  int agent_pid = 0;
  std::string updated;              // RFC 3339 UTC
  std::optional<DeploymentReport> desired;    // the newest accepted manifest
  std::optional<DeploymentReport> current;    // what runs
  std::optional<DeploymentReport> last_good;  // what a rollback returns to
  std::string apply_step;           // journal.h apply_step_name() while applying, else ""
  std::vector<ModuleReport> modules;
  std::string last_error;           // the last refusal, failed apply or rollback, with why
  std::string last_error_time;      // RFC 3339 UTC
  int64_t rollbacks = 0;
  std::optional<GatewayReport> gateway;  // a gateway's only (absent from the document otherwise)
};

nlohmann::json reported_state_json(const ReportedState& state);
// kInvalidModel naming the field for a document that is not one.
Result<ReportedState> parse_reported_state(const nlohmann::json& doc, const std::string& what);

std::string reported_state_path(const std::string& state_dir);  // STATE_DIR/status.json
// Thread-safe within a process; the directory must exist.
Status write_reported_state(const std::string& state_dir, const ReportedState& state);
// kIoError naming the file when missing (the agent never ran with this state directory).
Result<ReportedState> read_reported_state(const std::string& state_dir);

}  // namespace outpost::agentd
