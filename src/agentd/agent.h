// The device agent (docs/agent.md): makes the device run what the newest accepted manifest
// says, and keeps it running through crashes, reboots without network and bad deployments.
//
// An apply goes fetch -> verify -> stage -> validate -> switch -> probation; the journal
// (agent/journal.h) records each step before it is taken, so an agent killed anywhere comes
// back, with no network, running the deployment it ran before or the new one, never nothing
// and never a mix. Only a deployment that passed its probation becomes last-good, and a failed
// probation rolls back to last-good.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "agent/journal.h"
#include "agent/manifest.h"
#include "agent/outbox.h"
#include "agentd/agent_config.h"
#include "agentd/bundle_checks.h"
#include "agentd/content_store.h"
#include "agentd/desired_state_source.h"
#include "agentd/health_probe.h"
#include "agentd/gateway.h"
#include "agentd/mqtt_uplink.h"
#include "agentd/reported_state.h"
#include "agentd/supervisor.h"
#include "agentd/uplink_socket_server.h"
#include "bundle/keys.h"
#include "bundle/trust_store.h"

namespace outpost::agentd {

class Agent {
 public:
  Agent(AgentConfig config, std::unique_ptr<DesiredStateSource> source);
  ~Agent();
  Agent(const Agent&) = delete;
  Agent& operator=(const Agent&) = delete;

  // Creates the state directories, loads the trust store and the device key, reads the journal
  // and starts what it says runs (from the store alone: no network). An error here (no trust
  // store, an unreadable journal) stops the agent before it changes anything.
  Status start();
  // One pass: new manifests from the source, the apply in progress, the probation, the report.
  void step();
  // start(), then step() every poll interval until `stop` is set (by SIGTERM); then stops the
  // modules and reports "stopped". Tells systemd it is ready and feeds its watchdog.
  Status run(const std::atomic<bool>& stop);

  const ReportedState& reported() const { return report_; }

 private:
  using Clock = std::chrono::steady_clock;

  // A manifest accepted from the source, kept in the store under `sha256`.
  struct Accepted {
    agent::Manifest manifest;
    std::string sha256;
    agent::DeploymentRef ref() const;
  };
  struct Apply {
    Accepted target;
    agent::ApplyStep step = agent::ApplyStep::kFetch;
    Clock::time_point retry_at{};
  };
  struct ModuleWatch {
    std::string module;
    MetricsSample baseline;  // zero: the modules start with the probation
    std::optional<MetricsSample> latest;
    int restarts_at_start = 0;
  };
  struct Probation {
    Clock::time_point end;
    Clock::time_point next_check;
    std::vector<ModuleWatch> watches;
  };

  // The source, and the acceptance rule.
  void poll_source();
  std::optional<Accepted> accept(const ManifestCandidate& candidate);
  void begin_apply(Accepted target);

  // The apply, step by step.
  void advance_apply();
  Status run_apply_steps();
  Status journal_step(agent::ApplyStep step);
  Status fetch_all();
  Status verify_all();
  BundleCheckContext bundle_context() const;
  Status validate_all();
  bool superseded();
  void abandon_apply(const Status& why);

  // Switching, probation, rollback.
  Status switch_to(const Accepted& target);
  void start_modules(const Accepted& deployment);
  void stop_modules();
  void begin_probation();
  void watch_probation();
  std::optional<std::string> probation_failure();
  void pass_probation();
  void roll_back(const std::string& why);

  // Recovery and the store.
  Status recover();
  Result<Accepted> load_stored(const agent::DeploymentRef& ref);
  void collect_garbage();

  Status write_journal();
  void record_error(const std::string& message);
  void update_report();
  // The uplink (config_.uplink): the outbox opened and its sender started on a thread of its
  // own; stopped (after one last drain) when the agent stops.
  Status start_uplink();
  void stop_uplink();

  AgentConfig config_;
  std::unique_ptr<DesiredStateSource> source_;
  std::optional<bundle::TrustStore> trust_;
  std::optional<bundle::KeyPair> device_key_;
  ContentStore store_;
  agent::Journal journal_;
  agent::AgentState state_;
  Supervisor supervisor_;
  std::optional<Accepted> running_;   // what the supervisor runs
  std::optional<Accepted> pending_;   // accepted while a probation was being watched
  std::optional<Apply> apply_;
  std::optional<Probation> probation_;
  Clock::time_point next_supersede_check_{};
  ReportedState report_;
  std::string last_report_text_;
  std::unique_ptr<agent::Outbox> outbox_;
  std::unique_ptr<UplinkSocketServer> uplink_socket_;  // the modules' way into the outbox
  std::unique_ptr<MqttUplink> uplink_;
  std::unique_ptr<Gateway> gateway_;  // config_.gateway: the children's broker and relay
  std::unique_ptr<DesiredStateSource> mqtt_source_;  // the uplink's desired topic
  Clock::time_point next_uplink_report_{};  // when the unchanged state is reported again
  std::thread uplink_thread_;
  std::atomic<bool> uplink_stop_{false};
};

}  // namespace outpost::agentd
