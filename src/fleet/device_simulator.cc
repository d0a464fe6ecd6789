#include "fleet/device_simulator.h"

#include <fnmatch.h>
#include <sodium.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <optional>
#include <utility>

#include "agent/signed_manifest.h"
#include "agent/utc_time.h"
#include "agentd/content_store.h"
#include "agentd/reported_state.h"
#include "bundle/trust_store.h"
#include "core/log.h"
#include "core/wall_clock.h"
#include "fleet/mqtt_lite.h"

namespace outpost::fleet {
namespace {

using nlohmann::json;
using Deployment = agentd::DeploymentReport;

enum class AgentPhase { kIdle, kApplying, kProbation };

// One device's state: what it would report, and what it needs to take the next manifest.
struct Device {
  std::string id;
  int session = -1;
  bool fails = false;  // matches a fail glob: its probations fail
  int64_t next_message_id = 1;
  AgentPhase phase = AgentPhase::kIdle;
  std::optional<Deployment> desired, current, last_good;
  std::string last_error, last_error_time;
  int64_t rollbacks = 0;
  int64_t last_accepted_version = 0;
  std::string last_received;  // the SHA-256 (hex) of the last manifest bytes received
  std::string waiting;                  // a manifest that came while it was applying
};

std::string describe(const Deployment& d) {
  return "'" + d.deployment_id + "' version " + std::to_string(d.version);
}

const char* phase_name(AgentPhase p) {
  switch (p) {
    case AgentPhase::kApplying:
      return "applying";
    case AgentPhase::kProbation:
      return "probation";
    case AgentPhase::kIdle:
      break;
  }
  return "idle";
}

json reported_json(const Device& d) {
  agentd::ReportedState r;
  r.agent = phase_name(d.phase);
  r.agent_pid = static_cast<int>(::getpid());
  r.updated = agent::format_utc_time(agent::unix_now());
  r.desired = d.desired;
  r.current = d.current;
  r.last_good = d.last_good;
  // The agent's journal step while it applies (agent/journal.h apply_step_name): it is in its
  // first, fetching, as far as a watcher can tell, then in probation.
  r.apply_step = d.phase == AgentPhase::kApplying ? "fetch" : d.phase == AgentPhase::kProbation ? "probation" : "";
  r.last_error = d.last_error;
  r.last_error_time = d.last_error_time;
  r.rollbacks = d.rollbacks;
  return agentd::reported_state_json(r);  // the agent's own writer: the same document
}

// A thousand sessions need a thousand descriptors; the usual soft limit is 1024.
void raise_descriptor_limit(int devices) {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return;
  const rlim_t wanted = static_cast<rlim_t>(devices) + 256;
  if (limit.rlim_cur >= wanted) return;
  limit.rlim_cur = limit.rlim_max == RLIM_INFINITY ? wanted : std::min(wanted, limit.rlim_max);
  if (::setrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur < wanted)
    OUTPOST_LOG_WARNING("device simulator: " << devices << " devices need " << wanted
                                             << " file descriptors; the limit is "
                                             << limit.rlim_cur);
}

Status check_options(const SimulatorOptions& o) {
  if (o.devices < 1 || o.devices > 100000)
    return usage_error("device simulator: devices must be 1..100000, not " +
                       std::to_string(o.devices));
  if (o.trust_dir.empty()) return usage_error("device simulator: no trust_dir given");
  for (double s : {o.apply_s, o.probation_s})
    if (!(s >= 0 && s <= 3600))
      return usage_error("device simulator: apply_s and probation_s must be 0..3600 s");
  if (o.first_message_id < 1 || o.first_message_id > (int64_t{1} << 52))
    return usage_error("device simulator: first_message_id must be 1..2^52");
  if (o.keepalive_s < 0 || o.keepalive_s > 65535)
    return usage_error("device simulator: keepalive_s must be 0..65535");
  return Status::ok();
}

}  // namespace

struct DeviceSimulator::Impl {
  SimulatorOptions options;
  bundle::TrustStore trust;
  std::vector<Device> devices;  // by index; touched only on the loop's thread once started
  std::unique_ptr<MqttLiteLoop> loop;
  std::atomic<int64_t> accepted{0}, refused{0}, healthy{0}, rolled_back{0};

  // The loop goes first: its thread runs the devices' callbacks and timers.
  ~Impl() { loop.reset(); }

  std::string topic(const Device& d, const char* leaf) const {
    return "outpost/v1/" + d.id + "/" + leaf;
  }

  void report(Device& d) {
    const json envelope = {{"id", d.next_message_id++},
                           {"class", "state"},
                           {"created_ms", unix_now_ms()},
                           {"body", reported_json(d)}};
    loop->publish(d.session, topic(d, "reported"),
                  envelope.dump(-1, ' ', false, json::error_handler_t::replace),
                  /*retained=*/true, /*qos=*/1);
  }

  void record_error(Device& d, std::string message) {
    d.last_error = std::move(message);
    d.last_error_time = agent::format_utc_time(agent::unix_now());
  }

  void on_manifest(Device& d, const LiteMessage& m) {
    if (m.topic != topic(d, "desired")) return;
    // The broker sends the retained manifest again on every subscription; the agent
    // (agentd/mqtt_desired_source.cc) hands the same bytes over only once.
    const std::string digest = agentd::sha256_hex(m.payload);
    if (d.last_received == digest) return;
    d.last_received = digest;
    if (d.phase != AgentPhase::kIdle) {
      d.waiting = m.payload;  // the newest one is taken once this apply is over
      return;
    }
    consider(d, m.payload);
  }

  // The device rule, and the refusals reported as the agent words them (agentd/agent.cc).
  void consider(Device& d, const std::string& text) {
    if (text.size() > agent::kMaxSignedManifestBytes) {
      refused.fetch_add(1);
      record_error(d, "manifest refused: a message of " + std::to_string(text.size()) +
                          " bytes, larger than a signed manifest may be (" +
                          std::to_string(agent::kMaxSignedManifestBytes) + ")");
      return report(d);
    }
    const std::string origin = "MQTT topic '" + topic(d, "desired") + "' on tcp://" +
                               options.host + ":" + std::to_string(options.port);
    agent::ManifestAcceptance a =
        agent::accept_manifest(text, trust, d.last_accepted_version, agent::unix_now(), origin);
    if (!a.accepted()) {
      refused.fetch_add(1);
      record_error(d, "manifest refused (" + std::string(agent::manifest_refusal_name(a.refusal)) +
                          "): " + a.status.message());
      return report(d);
    }
    accepted.fetch_add(1);
    d.last_accepted_version = a.manifest.version;
    d.desired = Deployment{a.manifest.deployment_id, a.manifest.version, agentd::sha256_hex(text)};
    d.phase = AgentPhase::kApplying;
    report(d);
    const size_t index = static_cast<size_t>(&d - devices.data());
    loop->post_after(options.apply_s, [this, index] { finish_apply(devices[index]); });
  }

  void finish_apply(Device& d) {
    d.current = d.desired;
    d.phase = AgentPhase::kProbation;
    report(d);
    const size_t index = static_cast<size_t>(&d - devices.data());
    loop->post_after(options.probation_s, [this, index] { end_probation(devices[index]); });
  }

  void end_probation(Device& d) {
    if (d.fails) {
      roll_back(d);
    } else {
      d.last_good = d.current;
      healthy.fetch_add(1);
    }
    d.phase = AgentPhase::kIdle;
    d.desired = d.current;  // idle, the agent reports what runs as desired
    report(d);
    if (!d.waiting.empty()) consider(d, std::exchange(d.waiting, std::string()));
  }

  void roll_back(Device& d) {
    const Deployment failed = *d.current;
    ++d.rollbacks;
    rolled_back.fetch_add(1);
    const std::string why =
        "deployment " + describe(failed) + " failed its probation: simulated failure";
    // Unlike the agent, which keeps a failed deployment running when it has nothing to go
    // back to, a simulated device then runs nothing: "current" never names what failed.
    d.current = d.last_good;
    record_error(d, d.last_good ? why + "; rolled back to " + describe(*d.last_good)
                                : why + "; there is no last-good deployment to roll back to");
  }

  void add_devices() {
    for (size_t i = 0; i < devices.size(); ++i) {
      MqttLiteLoop::SessionOptions o;
      o.client_id = devices[i].id;
      o.clean_session = false;
      o.keepalive_s = options.keepalive_s;
      o.subscriptions = {topic(devices[i], "desired")};
      devices[i].next_message_id = options.first_message_id;
      // The session's number is taken from the callbacks, on the loop's thread, which alone
      // touches a device once it is added (a persistent session's queued message may come
      // before the subscription's acknowledgement, so either may be first).
      loop->add_session(
          std::move(o),
          [this, i](int session, const LiteMessage& m) {
            devices[i].session = session;
            on_manifest(devices[i], m);
          },
          [this, i](int session) {
            devices[i].session = session;
            report(devices[i]);
          });
    }
  }
};

std::string DeviceSimulator::device_id(const std::string& prefix, int index) {
  char digits[16];
  std::snprintf(digits, sizeof(digits), "%04d", index);
  return prefix + digits;
}

Result<std::unique_ptr<DeviceSimulator>> DeviceSimulator::start(SimulatorOptions options) {
  OUTPOST_RETURN_IF_ERROR(check_options(options));
  if (sodium_init() < 0) return internal_error("libsodium failed to initialise");
  auto impl = std::make_unique<Impl>();
  OUTPOST_ASSIGN_OR_RETURN(impl->trust, bundle::TrustStore::load(options.trust_dir));
  impl->devices.resize(static_cast<size_t>(options.devices));
  for (int i = 0; i < options.devices; ++i) {
    Device& d = impl->devices[static_cast<size_t>(i)];
    d.id = device_id(options.prefix, i);
    for (const std::string& glob : options.fail_globs)
      d.fails = d.fails || ::fnmatch(glob.c_str(), d.id.c_str(), 0) == 0;
  }
  raise_descriptor_limit(options.devices);
  impl->options = std::move(options);
  OUTPOST_ASSIGN_OR_RETURN(impl->loop, MqttLiteLoop::start(impl->options.host, impl->options.port));
  impl->add_devices();
  return std::unique_ptr<DeviceSimulator>(new DeviceSimulator(std::move(impl)));
}

DeviceSimulator::DeviceSimulator(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

DeviceSimulator::~DeviceSimulator() = default;

DeviceSimulator::Stats DeviceSimulator::stats() const {
  const MqttLiteLoop::Stats mqtt = impl_->loop->stats();
  Stats s;
  s.devices = static_cast<int64_t>(impl_->devices.size());
  s.connected = mqtt.connected_sessions;
  s.accepted = impl_->accepted.load();
  s.refused = impl_->refused.load();
  s.healthy = impl_->healthy.load();
  s.rolled_back = impl_->rolled_back.load();
  s.messages_in = mqtt.messages_in;
  s.messages_out = mqtt.messages_out;
  return s;
}

}  // namespace outpost::fleet
