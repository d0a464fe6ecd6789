#include "fleet/rollout_runner.h"

#include <algorithm>
#include <chrono>
#include <map>

#include "agent/manifest.h"
#include "agent/signed_manifest.h"
#include "core/wall_clock.h"
#include "fleet/rollout.h"

namespace outpost::fleet {
namespace {

using Clock = std::chrono::steady_clock;
using nlohmann::json;


class Rollout {
 public:
  Rollout(FleetLink& link, FleetStore& store, const RolloutOptions& options)
      : link_(link), store_(store), options_(options) {}

  Result<RolloutResult> run() {
    const auto start = Clock::now();
    OUTPOST_RETURN_IF_ERROR(read_manifest());
    OUTPOST_RETURN_IF_ERROR(discover());
    OUTPOST_RETURN_IF_ERROR(store_.record_reported_all(reported_, unix_now_ms()));
    std::vector<std::string> targets;
    for (const auto& [device, reported] : reported_) {
      if (!device_matches(options_.devices_glob, device)) continue;
      ++result_.devices;
      if (judge_device(reported, result_.version, 0).outcome == DeviceOutcome::kHealthy)
        ++result_.already;  // runs this version (or newer) already
      else
        targets.push_back(device);
    }
    if (result_.devices == 0)
      return usage_error("no device matches '" + options_.devices_glob + "' among the " +
                         std::to_string(reported_.size()) + " that reported to the broker");
    OUTPOST_ASSIGN_OR_RETURN(result_.rollout_id,
                             store_.begin_rollout(result_.deployment_id, result_.version,
                                                  options_.devices_glob, unix_now_ms()));
    const auto waves = plan_waves(targets, options_.canary_percent);
    result_.waves_planned = static_cast<int>(waves.size());
    std::vector<RolloutDevice> planned;
    for (size_t w = 0; w < waves.size(); ++w)
      for (const std::string& d : waves[w]) planned.push_back({d, static_cast<int>(w + 1), "pending", ""});
    OUTPOST_RETURN_IF_ERROR(store_.set_devices(result_.rollout_id, planned, unix_now_ms()));
    for (size_t w = 0; w < waves.size() && !result_.aborted; ++w) {
      OUTPOST_RETURN_IF_ERROR(run_wave(static_cast<int>(w + 1), waves[w], targets.size()));
      const int64_t deployed = result_.healthy + result_.failed;
      result_.aborted = deployed > 0 && static_cast<double>(result_.failed) / static_cast<double>(deployed) >
                                            options_.abort_failure_rate;
      if (result_.aborted) OUTPOST_RETURN_IF_ERROR(skip_rest(waves, w + 1));
    }
    // What the fleet knows of its devices now, for `outpost fleet status`.
    OUTPOST_RETURN_IF_ERROR(store_.record_reported_all(reported_, unix_now_ms()));
    OUTPOST_RETURN_IF_ERROR(
        store_.finish_rollout(result_.rollout_id, result_.aborted ? "aborted" : "completed", unix_now_ms()));
    result_.seconds = std::chrono::duration<double>(Clock::now() - start).count();
    return result_;
  }

 private:
  Status read_manifest() {
    OUTPOST_ASSIGN_OR_RETURN(const RolloutManifest m, read_rollout_manifest(options_.signed_manifest));
    result_.deployment_id = m.deployment_id;
    result_.version = m.version;
    return Status::ok();
  }

  Status discover() {
    return link_.poll(options_.discover_s, [this](const std::string& d, const json& r) { reported_[d] = r; },
                      /*quiet_s=*/1.0)
        .with_context("collecting the devices' reported state");
  }

  Status run_wave(int wave, const std::vector<std::string>& devices, size_t total) {
    const int64_t published_s = unix_now_ms() / 1000;
    OUTPOST_RETURN_IF_ERROR(link_.publish_desired(devices, options_.signed_manifest));
    ++result_.waves_run;
    std::vector<RolloutDevice> states;
    for (const std::string& d : devices) states.push_back({d, wave, "published", ""});
    OUTPOST_RETURN_IF_ERROR(store_.set_devices(result_.rollout_id, states, unix_now_ms()));
    const auto deadline = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                             std::chrono::duration<double>(options_.wait_healthy_s));
    std::map<std::string, Verdict> verdicts;
    for (;;) {
      OUTPOST_RETURN_IF_ERROR(link_.poll(0.2, [this](const std::string& d, const json& r) { reported_[d] = r; }));
      RolloutProgress p{wave, result_.waves_planned, static_cast<int64_t>(devices.size())};
      for (const std::string& d : devices) {
        const Verdict v = judge_device(reported_[d], result_.version, published_s);
        verdicts[d] = v;
        (v.outcome == DeviceOutcome::kHealthy ? p.healthy
         : v.outcome == DeviceOutcome::kFailed ? p.failed
                                               : p.pending)++;
      }
      p.done = result_.healthy + result_.failed + p.healthy + p.failed;
      p.total = static_cast<int64_t>(total);
      if (options_.progress) options_.progress(p);
      if (p.pending == 0 || Clock::now() >= deadline) break;
    }
    states.clear();
    for (const std::string& d : devices) {
      Verdict v = verdicts[d];
      if (v.outcome == DeviceOutcome::kPending) {
        v = {DeviceOutcome::kFailed, "no healthy report within " +
                                         std::to_string(static_cast<int64_t>(options_.wait_healthy_s)) + " s"};
      }
      if (v.outcome == DeviceOutcome::kHealthy) {
        ++result_.healthy;
      } else {
        ++result_.failed;
        result_.failures.emplace_back(d, v.detail);
      }
      states.push_back({d, wave, device_outcome_name(v.outcome), v.detail});
    }
    return store_.set_devices(result_.rollout_id, states, unix_now_ms());
  }

  Status skip_rest(const std::vector<std::vector<std::string>>& waves, size_t from) {
    std::vector<RolloutDevice> states;
    for (size_t w = from; w < waves.size(); ++w)
      for (const std::string& d : waves[w])
        states.push_back({d, static_cast<int>(w + 1), "skipped",
                          "the rollout was aborted before this wave: the device keeps its last-good deployment"});
    result_.skipped = static_cast<int64_t>(states.size());
    return store_.set_devices(result_.rollout_id, states, unix_now_ms());
  }

  FleetLink& link_;
  FleetStore& store_;
  const RolloutOptions& options_;
  std::map<std::string, json> reported_;
  RolloutResult result_;
};

}  // namespace

Result<RolloutManifest> read_rollout_manifest(const std::string& signed_manifest) {
  OUTPOST_ASSIGN_OR_RETURN(const agent::SignedManifest envelope,
                           agent::parse_signed_manifest(signed_manifest));
  if (envelope.signatures.empty())
    return Status(StatusCode::kUntrusted,
                  "the manifest is not signed: devices refuse it (sign it with `outpost manifest sign`)");
  OUTPOST_ASSIGN_OR_RETURN(const agent::Manifest manifest, agent::parse_manifest(envelope.manifest_bytes));
  return RolloutManifest{manifest.deployment_id, manifest.version};
}

Result<RolloutResult> run_rollout(FleetLink& link, FleetStore& store, const RolloutOptions& options) {
  return Rollout(link, store, options).run();
}

}  // namespace outpost::fleet
