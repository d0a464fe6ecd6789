// `outpost fleet deploy`: a signed manifest published to the matching devices in waves (a
// canary first), each wave judged by the devices' reported state, and the rollout stopped when
// the failure rate of the devices deployed to passes its bound: the devices not yet reached
// keep their last-good deployment (docs/fleet.md). Every step is kept in the fleet database.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "fleet/fleet_link.h"
#include "fleet/fleet_store.h"
#include "outpost/status.h"

namespace outpost::fleet {

struct RolloutProgress {
  int wave = 0, waves = 0;
  int64_t wave_size = 0, healthy = 0, failed = 0, pending = 0;  // in this wave
  int64_t done = 0, total = 0;                                   // over the rollout
};

struct RolloutOptions {
  std::string signed_manifest;    // the envelope's text (`outpost manifest sign`)
  std::string devices_glob = "*";
  double canary_percent = 10;     // the first wave's share of the devices
  double wait_healthy_s = 600;    // how long a wave may take; a device silent past it failed
  double abort_failure_rate = 0;  // 0 to 1: stop when failed / deployed exceeds it
  double discover_s = 10;         // how long to collect the devices' retained reports at most
  std::function<void(const RolloutProgress&)> progress;  // after each check of a wave
};

struct RolloutResult {
  int64_t rollout_id = 0;
  std::string deployment_id;
  int64_t version = 0;
  bool aborted = false;
  int waves_run = 0, waves_planned = 0;
  int64_t devices = 0;          // matching the glob
  int64_t already = 0;          // already at the version (not published again)
  int64_t healthy = 0, failed = 0, skipped = 0;  // skipped: not reached (aborted)
  double seconds = 0;
  std::vector<std::pair<std::string, std::string>> failures;  // device, why
};

struct RolloutManifest {
  std::string deployment_id;
  int64_t version = 0;
};
// What a rollout needs of the signed manifest, checked before anything is sent: kUntrusted when
// it is not signed (every device would refuse it), kInvalidModel naming the field when it is
// malformed.
Result<RolloutManifest> read_rollout_manifest(const std::string& signed_manifest);

// kUsage for a manifest that does not parse or a glob that matches no device that reported;
// kNetwork when the broker is lost; an aborted rollout is a result (aborted = true), not an
// error.
Result<RolloutResult> run_rollout(FleetLink& link, FleetStore& store, const RolloutOptions& options);

}  // namespace outpost::fleet
