// The rules of a fleet rollout (docs/fleet.md), apart from any broker or database so that they
// can be tested alone: which devices go in which wave, and what a device's reported state
// (docs/mqtt.md, the `reported` topic) says of the deployment published to it.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace outpost::fleet {

enum class DeviceOutcome {
  kPending,  // not yet decided: applying, on probation, or no report since the publication
  kHealthy,  // runs the version and it passed its probation (it is the device's last-good)
  kFailed,   // refused the manifest, or rolled back from it
};
const char* device_outcome_name(DeviceOutcome outcome);  // "pending", "healthy", "failed"

struct Verdict {
  DeviceOutcome outcome = DeviceOutcome::kPending;
  std::string detail;  // the device's last error for a failure
};

// What `reported` (the agent's reported state: status.json's content) says of manifest
// `version`, published to the device at `published_unix_s`. Healthy: its last-good deployment
// is that version (or a newer one). Failed: it accepted the version and runs something else
// again (a rollback or a failed apply), or, settled, it reported an error after the
// publication (a refusal: bad signature, expired, not newer; or a failure with no last-good
// deployment to roll back to).
Verdict judge_device(const nlohmann::json& reported, int64_t version, int64_t published_unix_s);

// The devices in waves: a canary wave of `canary_percent` of them (rounded up, at least one),
// then waves that double in size, the last taking what is left. Devices keep their order.
std::vector<std::vector<std::string>> plan_waves(const std::vector<std::string>& devices,
                                                 double canary_percent);

// The version of the reported state's `which` deployment ("desired", "current", "last_good");
// 0 when there is none.
int64_t reported_version(const nlohmann::json& reported, const char* which);

// A shell pattern over device ids (fnmatch: *, ?, [...]).
bool device_matches(const std::string& pattern, const std::string& device);

}  // namespace outpost::fleet
