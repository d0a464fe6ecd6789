// Semantic versions (semver.org 2.0.0): bundle versions, and the minimum Outpost version a
// bundle needs. Ordering is what `verify --min-version` uses to refuse replayed old bundles.
#pragma once

#include <string>
#include <vector>

#include "outpost/status.h"

namespace outpost::bundle {

struct SemVer {
  long major = 0, minor = 0, patch = 0;
  std::vector<std::string> prerelease;  // "rc.1" -> {"rc", "1"}; empty for a release
  std::string text;                     // as written, build metadata included
};

// Parses "MAJOR.MINOR.PATCH[-PRERELEASE][+BUILD]"; a usage error naming `what` otherwise.
Result<SemVer> parse_semver(const std::string& text, const std::string& what);

// <0, 0, >0 by semver precedence (build metadata ignored; 1.0.0-rc.1 < 1.0.0).
int compare_semver(const SemVer& a, const SemVer& b);

}  // namespace outpost::bundle
