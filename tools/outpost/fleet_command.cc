// outpost fleet deploy | status | simulate: the operator's side of the MQTT uplink
// (docs/fleet.md): rollouts in waves that stop themselves, the fleet's state from the devices'
// retained reports, and simulated agents for scale tests.
#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include "fleet/device_simulator.h"
#include "fleet/fleet_link.h"
#include "fleet/fleet_store.h"
#include "fleet/rollout.h"
#include "fleet/rollout_runner.h"
#include "core/regular_file.h"
#include "core/wall_clock.h"
#include "outpost/cli_common.h"
#include "outpost/commands.h"

namespace outpost::cli {
namespace {

using nlohmann::json;

struct BrokerFlags {
  std::string broker, ca_file, cert_file, key_file, db = "fleet.db";
};

struct DeployFlags {
  BrokerFlags broker;
  std::string manifest, devices = "*", canary = "10%", wait_healthy = "10m", abort_rate = "0%";
  bool json = false;
};

struct SimulateFlags {
  std::string broker, trust, prefix = "sim-";
  int devices = 1000;
  std::vector<std::string> fail;
  double apply_s = 0.2, probation_s = 0.3, duration_s = 0;
};

struct StatusFlags {
  BrokerFlags broker;
  std::string devices = "*";
  double listen_s = 10;
  bool json = false;
};

void add_broker_flags(CLI::App* cmd, BrokerFlags& f) {
  cmd->add_option("--broker", f.broker, "The MQTT broker: ssl://HOST:PORT, or tcp:// for development")
      ->required();
  cmd->add_option("--ca", f.ca_file, "ssl://: the CA that signed the broker's certificate");
  cmd->add_option("--cert", f.cert_file, "ssl://: the fleet operator's certificate");
  cmd->add_option("--key", f.key_file, "ssl://: the fleet operator's private key");
  cmd->add_option("--db", f.db, "The fleet database (SQLite; default fleet.db)");
}

// "30s", "10m", "2h" or plain seconds; kUsage naming the flag otherwise.
Result<double> parse_duration(const std::string& text, const std::string& flag) {
  char* end = nullptr;
  const double x = std::strtod(text.c_str(), &end);
  const std::string unit = end != nullptr ? std::string(end) : "";
  const std::map<std::string, double> scale = {{"", 1}, {"s", 1}, {"m", 60}, {"h", 3600}};
  const auto s = scale.find(unit);
  if (end == text.c_str() || s == scale.end() || !std::isfinite(x) || x <= 0 || x * s->second > 7 * 86400)
    return usage_error(flag + ": '" + text + "' is not a duration up to 7 days (e.g. 90s, 10m, 2h)");
  return x * s->second;
}

// "5%" or "5": a percentage from 0 to 100.
Result<double> parse_percent(const std::string& text, const std::string& flag) {
  char* end = nullptr;
  const double x = std::strtod(text.c_str(), &end);
  const std::string rest = end != nullptr ? std::string(end) : "";
  if (end == text.c_str() || (rest != "" && rest != "%") || !(x >= 0 && x <= 100))
    return usage_error(flag + ": '" + text + "' is not a percentage from 0 to 100 (e.g. 5%)");
  return x;
}

Result<std::unique_ptr<fleet::FleetLink>> connect(const BrokerFlags& f) {
  fleet::FleetLinkOptions o;
  o.broker_uri = f.broker;
  o.ca_file = f.ca_file;
  o.cert_file = f.cert_file;
  o.key_file = f.key_file;
  return fleet::FleetLink::connect(o);
}

void show_progress(const fleet::RolloutProgress& p) {
  static const bool tty = ::isatty(STDERR_FILENO) != 0;
  static int last_wave = 0;
  const std::string line = "wave " + std::to_string(p.wave) + "/" + std::to_string(p.waves) + ": " +
                           std::to_string(p.healthy) + " healthy, " + std::to_string(p.failed) +
                           " failed, " + std::to_string(p.pending) + " pending of " +
                           std::to_string(p.wave_size) + "  (" + std::to_string(p.done) + "/" +
                           std::to_string(p.total) + " devices done)";
  if (tty) {
    std::fprintf(stderr, "\r%s\033[K", line.c_str());
  } else if (p.pending == 0 && p.wave != last_wave) {  // a log: one line per wave, when it ends
    std::fprintf(stderr, "%s\n", line.c_str());
    last_wave = p.wave;
  }
}

json result_json(const fleet::RolloutResult& r) {
  json failures = json::array();
  for (const auto& [device, why] : r.failures) failures.push_back({{"device", device}, {"reason", why}});
  return {{"rollout_id", r.rollout_id},
          {"deployment_id", r.deployment_id},
          {"version", r.version},
          {"state", r.aborted ? "aborted" : "completed"},
          {"waves_run", r.waves_run},
          {"waves_planned", r.waves_planned},
          {"devices", r.devices},
          {"already_at_version", r.already},
          {"healthy", r.healthy},
          {"failed", r.failed},
          {"skipped", r.skipped},
          {"seconds", r.seconds},
          {"failures", failures}};
}

Status deploy(const DeployFlags& flags) {
  fleet::RolloutOptions o;
  OUTPOST_ASSIGN_OR_RETURN(o.signed_manifest, read_regular_file(flags.manifest));
  o.devices_glob = flags.devices;
  OUTPOST_ASSIGN_OR_RETURN(o.canary_percent, parse_percent(flags.canary, "--canary"));
  OUTPOST_ASSIGN_OR_RETURN(o.wait_healthy_s, parse_duration(flags.wait_healthy, "--wait-healthy"));
  OUTPOST_ASSIGN_OR_RETURN(const double abort_percent,
                           parse_percent(flags.abort_rate, "--abort-failure-rate"));
  o.abort_failure_rate = abort_percent / 100;
  if (!flags.json) o.progress = show_progress;
  // A manifest no device would take is refused here, before the broker is even asked.
  OUTPOST_RETURN_IF_ERROR(fleet::read_rollout_manifest(o.signed_manifest).status().with_context(flags.manifest));
  OUTPOST_ASSIGN_OR_RETURN(auto store, fleet::FleetStore::open(flags.broker.db));
  OUTPOST_ASSIGN_OR_RETURN(auto link, connect(flags.broker));
  OUTPOST_ASSIGN_OR_RETURN(const fleet::RolloutResult r, fleet::run_rollout(*link, *store, o));
  if (!flags.json && ::isatty(STDERR_FILENO)) std::fprintf(stderr, "\n");
  Status outcome = Status::ok();
  if (r.aborted)
    outcome = Status(StatusCode::kRolloutAborted,
                     "rollout " + std::to_string(r.rollout_id) + " aborted after wave " +
                         std::to_string(r.waves_run) + " of " + std::to_string(r.waves_planned) + ": " +
                         std::to_string(r.failed) + " of " + std::to_string(r.healthy + r.failed) +
                         " devices deployed to failed (more than " + flags.abort_rate + "); the " +
                         std::to_string(r.skipped) +
                         " not reached keep their last-good deployment");
  if (flags.json) {
    json j = result_json(r);
    if (!outcome.is_ok()) {
      j["error"] = error_json(outcome)["error"];
      set_json_error_printed();
    }
    print_json(j);
    return outcome;
  }
  std::cout << "rollout " << r.rollout_id << ": " << r.deployment_id << " version " << r.version
            << (r.aborted ? " ABORTED" : " completed") << " in " << std::lround(r.seconds) << " s: "
            << r.devices << " devices match, " << r.already << " already at the version, "
            << r.healthy << " healthy, " << r.failed << " failed, " << r.skipped
            << " not reached; waves " << r.waves_run << " of " << r.waves_planned << "\n";
  for (size_t i = 0; i < r.failures.size() && i < 20; ++i)
    std::cout << "  failed: " << r.failures[i].first << ": " << r.failures[i].second << "\n";
  if (r.failures.size() > 20) std::cout << "  ... and " << r.failures.size() - 20 << " more (--json)\n";
  return outcome;
}

Status status(const StatusFlags& flags) {
  OUTPOST_ASSIGN_OR_RETURN(auto store, fleet::FleetStore::open(flags.broker.db));
  OUTPOST_ASSIGN_OR_RETURN(auto link, connect(flags.broker));
  std::map<std::string, json> reported;
  OUTPOST_RETURN_IF_ERROR(link->poll(
      flags.listen_s, [&](const std::string& d, const json& r) { reported[d] = r; }, /*quiet_s=*/1.0));
  OUTPOST_RETURN_IF_ERROR(store->record_reported_all(reported, unix_now_ms()));
  OUTPOST_ASSIGN_OR_RETURN(auto known, store->devices());  // with those silent this time
  OUTPOST_ASSIGN_OR_RETURN(auto rollout, store->last_rollout());
  std::map<std::string, std::string> rollout_state;
  if (rollout)
    for (const fleet::RolloutDevice& d : rollout->devices) rollout_state[d.device] = d.state;
  json devices = json::array();
  std::map<int64_t, int64_t> by_version;
  for (const auto& [device, r] : known) {
    if (!fleet::device_matches(flags.devices, device)) continue;
    const int64_t current = fleet::reported_version(r, "current");
    ++by_version[current];
    devices.push_back({{"device", device},
                       {"reporting", reported.count(device) > 0},
                       {"agent", r.value("agent", "")},
                       {"current", current},
                       {"last_good", fleet::reported_version(r, "last_good")},
                       {"desired", fleet::reported_version(r, "desired")},
                       {"last_error", r.value("last_error", "")},
                       {"rollout_state", rollout_state.count(device) ? rollout_state[device] : ""}});
  }
  json versions = json::object();
  for (const auto& [v, n] : by_version) versions[std::to_string(v)] = n;
  json last = nullptr;
  if (rollout)
    last = {{"id", rollout->id}, {"deployment_id", rollout->deployment_id},
            {"version", rollout->version}, {"devices_glob", rollout->devices_glob},
            {"state", rollout->state}};
  if (flags.json) {
    print_json({{"devices", devices}, {"by_current_version", versions}, {"last_rollout", last}});
    return Status::ok();
  }
  std::cout << devices.size() << " devices (" << reported.size() << " reporting now)";
  for (const auto& [v, n] : by_version) std::cout << ", " << n << " at version " << v;
  std::cout << "\n";
  if (rollout)
    std::cout << "last rollout: " << rollout->id << " " << rollout->deployment_id << " version "
              << rollout->version << " to '" << rollout->devices_glob << "': " << rollout->state << "\n";
  std::printf("%-24s %-10s %8s %9s %8s  %-10s %s\n", "DEVICE", "AGENT", "CURRENT", "LAST_GOOD",
              "DESIRED", "ROLLOUT", "LAST ERROR");
  for (const json& d : devices)
    std::printf("%-24s %-10s %8lld %9lld %8lld  %-10s %s\n", d["device"].get<std::string>().c_str(),
                d["agent"].get<std::string>().c_str(), static_cast<long long>(d["current"].get<int64_t>()),
                static_cast<long long>(d["last_good"].get<int64_t>()),
                static_cast<long long>(d["desired"].get<int64_t>()),
                d["rollout_state"].get<std::string>().c_str(), d["last_error"].get<std::string>().c_str());
  return Status::ok();
}

json simulator_json(const fleet::DeviceSimulator::Stats& s) {
  rusage usage{};
  ::getrusage(RUSAGE_SELF, &usage);
  const double cpu = static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
                     static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
  return {{"devices", s.devices},      {"connected", s.connected},
          {"accepted", s.accepted},    {"refused", s.refused},
          {"healthy", s.healthy},      {"rolled_back", s.rolled_back},
          {"messages_in", s.messages_in}, {"messages_out", s.messages_out},
          {"cpu_seconds", cpu},        {"peak_rss_mb", static_cast<double>(peak_rss_bytes()) / (1 << 20)}};
}

// Runs the simulated devices until SIGINT or SIGTERM (or --duration): one line of JSON on
// stdout once all are connected ({"ready": ...}), and one with the counts at the end.
Status simulate(const SimulateFlags& flags) {
  const std::string prefix = "tcp://";
  const size_t colon = flags.broker.rfind(':');
  if (flags.broker.rfind(prefix, 0) != 0 || colon == std::string::npos || colon < prefix.size())
    return usage_error("--broker: '" + flags.broker + "': simulated devices speak plain MQTT: tcp://HOST:PORT");
  fleet::SimulatorOptions o;
  o.host = flags.broker.substr(prefix.size(), colon - prefix.size());
  o.port = std::atoi(flags.broker.c_str() + colon + 1);
  o.devices = flags.devices;
  o.prefix = flags.prefix;
  o.trust_dir = flags.trust;
  o.apply_s = flags.apply_s;
  o.probation_s = flags.probation_s;
  o.fail_globs = flags.fail;
  // Envelope ids above any earlier run's, as a real agent's only grow (see device_simulator.h).
  o.first_message_id = unix_now_ms();
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);  // the simulator's thread inherits the mask
  const double start = now_seconds();
  OUTPOST_ASSIGN_OR_RETURN(auto sim, fleet::DeviceSimulator::start(o));
  bool ready = false;
  for (;;) {
    const fleet::DeviceSimulator::Stats s = sim->stats();
    if (!ready && s.connected == s.devices) {
      ready = true;
      print_json({{"ready", s.devices}, {"seconds", now_seconds() - start}});
      std::fflush(stdout);
    }
    if (flags.duration_s > 0 && now_seconds() - start >= flags.duration_s) break;
    const timespec tick{0, 100'000'000};
    if (sigtimedwait(&signals, nullptr, &tick) > 0) break;
  }
  print_json({{"simulator", simulator_json(sim->stats())}, {"seconds", now_seconds() - start}});
  return Status::ok();
}

}  // namespace

void add_fleet_command(CLI::App& app) {
  CLI::App* cmd = app.add_subcommand(
      "fleet", "Roll out signed manifests to devices over MQTT in waves, and see the fleet's state (docs/fleet.md)");
  cmd->require_subcommand(1);

  auto d = std::make_shared<DeployFlags>();
  CLI::App* deploy_cmd = cmd->add_subcommand(
      "deploy", "Publish a signed manifest to the matching devices in waves, a canary first; stop when too many fail");
  deploy_cmd->add_option("manifest", d->manifest, "The signed manifest (`outpost manifest sign`)")->required();
  add_broker_flags(deploy_cmd, d->broker);
  deploy_cmd->add_option("--devices", d->devices, "Devices whose id matches this pattern (*, ?, [...]; default *)");
  deploy_cmd->add_option("--canary", d->canary, "The first wave's share of the devices (default 10%); each later wave doubles");
  deploy_cmd->add_option("--wait-healthy", d->wait_healthy,
                         "How long a wave may take to report healthy (default 10m; 90s, 2h, ...); silent devices count as failed");
  deploy_cmd->add_option("--abort-failure-rate", d->abort_rate,
                         "Stop when more than this share of the devices deployed to failed (default 0%: any failure stops it)");
  add_json_flag(deploy_cmd, d->json);
  set_action(deploy_cmd, [d] { return deploy(*d); });

  auto s = std::make_shared<StatusFlags>();
  CLI::App* status_cmd = cmd->add_subcommand(
      "status", "Each device's agent state and versions from its retained report, and the last rollout");
  add_broker_flags(status_cmd, s->broker);
  status_cmd->add_option("--devices", s->devices, "Only devices whose id matches this pattern");
  status_cmd->add_option("--listen", s->listen_s, "Seconds to collect reports at most (default 10; it stops after 1 s of quiet)")
      ->check(CLI::Range(0.1, 3600.0));
  add_json_flag(status_cmd, s->json);
  set_action(status_cmd, [s] { return status(*s); });

  auto m = std::make_shared<SimulateFlags>();
  CLI::App* sim_cmd = cmd->add_subcommand(
      "simulate", "Run many simulated device agents, each its own MQTT session, for scale tests of rollouts");
  sim_cmd->add_option("--broker", m->broker, "The broker, tcp://HOST:PORT")->required();
  sim_cmd->add_option("--trust", m->trust, "The publisher keys the devices accept manifests from")->required();
  sim_cmd->add_option("--devices", m->devices, "How many devices (default 1000)")->check(CLI::Range(1, 100000));
  sim_cmd->add_option("--prefix", m->prefix, "Their ids: PREFIX + a 4-digit index (default sim-)");
  sim_cmd->add_option("--fail", m->fail, "Devices whose id matches this pattern fail their probation and roll back (repeatable)");
  sim_cmd->add_option("--apply-s", m->apply_s, "Simulated seconds to apply a manifest (default 0.2)")->check(CLI::Range(0.0, 3600.0));
  sim_cmd->add_option("--probation-s", m->probation_s, "Simulated seconds of probation (default 0.3)")->check(CLI::Range(0.0, 3600.0));
  sim_cmd->add_option("--duration", m->duration_s, "Stop after this many seconds (default: at SIGINT or SIGTERM)")->check(CLI::Range(0.0, 604800.0));
  set_action(sim_cmd, [m] { return simulate(*m); });
}

}  // namespace outpost::cli
