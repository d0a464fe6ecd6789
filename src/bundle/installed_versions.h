// Anti-rollback: the highest version of each bundle name this device has loaded under a trust
// policy, in STATE_DIR/installed-versions.json. A signature cannot tell an old bundle from a
// new one (both are validly signed), so the device must remember what it has seen.
#pragma once

#include <map>
#include <string>

#include "bundle/semver.h"
#include "outpost/status.h"

namespace outpost::bundle {

// The file in `state_dir` that holds the versions.
std::string installed_versions_path(const std::string& state_dir);

// Name -> highest version loaded. An absent file is an empty map (a new device); a file that
// does not read as the format below is kIoError naming it, never silently reset (that
// would re-open rollback).
//   {"format": 1, "versions": {"<bundle name>": "<semantic version>", ...}}
Result<std::map<std::string, SemVer>> read_installed_versions(const std::string& state_dir);

// Records `version` for `name` when it is higher than the one recorded (creating `state_dir`
// when missing). The file is written whole to a temporary file, fsync'd, renamed over the old
// one and the directory fsync'd, so a crash leaves the old or the new file, never a torn one;
// concurrent writers are serialized by an advisory lock.
Status record_installed_version(const std::string& state_dir, const std::string& name,
                                const SemVer& version);

}  // namespace outpost::bundle
