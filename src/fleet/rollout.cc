#include "fleet/rollout.h"

#include <fnmatch.h>

#include <algorithm>
#include <cmath>

#include "agent/utc_time.h"

namespace outpost::fleet {
namespace {

using nlohmann::json;

std::string text_of(const json& reported, const char* key) {
  const auto t = reported.find(key);
  return t != reported.end() && t->is_string() ? t->get<std::string>() : std::string();
}

}  // namespace

const char* device_outcome_name(DeviceOutcome outcome) {
  switch (outcome) {
    case DeviceOutcome::kPending: return "pending";
    case DeviceOutcome::kHealthy: return "healthy";
    case DeviceOutcome::kFailed: return "failed";
  }
  return "pending";
}

Verdict judge_device(const json& reported, int64_t version, int64_t published_unix_s) {
  if (!reported.is_object()) return {};
  const std::string agent = text_of(reported, "agent");
  if (reported_version(reported, "last_good") >= version) return {DeviceOutcome::kHealthy, ""};
  const std::string error = text_of(reported, "last_error");
  const bool settled = agent == "idle" || agent == "stopped";
  // Accepted, then something else runs again: rolled back (or the apply failed).
  if (settled && reported_version(reported, "desired") >= version &&
      reported_version(reported, "current") != version)
    return {DeviceOutcome::kFailed, error.empty() ? "rolled back" : error};
  // An error reported since the publication, and the version never passed: refused (a bad
  // signature, expired, not newer), or failed where there was nothing to roll back to.
  // (Reported times have whole seconds: an error of the same second counts.)
  const auto error_time = agent::parse_utc_time(text_of(reported, "last_error_time"));
  if (settled && !error.empty() && error_time && *error_time >= published_unix_s)
    return {DeviceOutcome::kFailed, error};
  return {};
}

std::vector<std::vector<std::string>> plan_waves(const std::vector<std::string>& devices,
                                                 double canary_percent) {
  std::vector<std::vector<std::string>> waves;
  const size_t n = devices.size();
  size_t size = std::max<size_t>(
      1, static_cast<size_t>(std::ceil(static_cast<double>(n) * std::clamp(canary_percent, 0.0, 100.0) / 100.0)));
  for (size_t start = 0; start < n; start += waves.back().size(), size *= 2) {
    const size_t end = std::min(n, start + size);
    waves.emplace_back(devices.begin() + static_cast<std::ptrdiff_t>(start),
                       devices.begin() + static_cast<std::ptrdiff_t>(end));
  }
  return waves;
}

int64_t reported_version(const json& reported, const char* which) {
  if (!reported.is_object()) return 0;
  const auto d = reported.find(which);
  if (d == reported.end() || !d->is_object()) return 0;
  const auto v = d->find("version");
  return v != d->end() && v->is_number_integer() ? v->get<int64_t>() : 0;
}

bool device_matches(const std::string& pattern, const std::string& device) {
  return ::fnmatch(pattern.c_str(), device.c_str(), 0) == 0;
}

}  // namespace outpost::fleet
