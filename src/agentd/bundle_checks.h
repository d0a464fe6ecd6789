// The verify and validate steps of an apply (docs/agent.md, "Applying"), for one bundle a
// manifest names, already in the content store under its SHA-256:
//   verify:   signed by a trusted publisher, signed name and version equal to the manifest's,
//             not older than the highest version of that name this device has run (unless the
//             manifest allows a downgrade);
//   validate: the model loads, and its golden vectors pass on this device (when the module's
//             health gates ask for them). This runs in a child process (`outpost verify`, or
//             `outpost inspect` when no golden vectors are asked for), so that a model that
//             crashes or exhausts memory while loading takes down that child, not the agent,
//             and the agent itself never holds a model, its kernels or their libraries.
// Each failure says which bundle of which module and why, with the code of the check that
// failed (kUntrusted, kBadSignature, kTooOld, kGoldenMismatch, ...).
#pragma once

#include <optional>
#include <string>

#include "agent/manifest.h"
#include "bundle/keys.h"
#include "bundle/trust_store.h"
#include "outpost/status.h"

namespace outpost::agentd {

struct BundleCheckContext {
  const bundle::TrustStore* trust = nullptr;
  std::string state_dir;                         // installed-versions.json lives here
  // For validate: the `outpost` executable, and the paths it is given.
  std::string outpost_binary;
  std::string trust_dir;
  std::string device_key_path;  // empty: none
  double timeout_s = 600;       // a validation still running then is killed and fails
};

// `path` is the bundle's file in the store; `module` names it in messages.
Status verify_bundle(const std::string& path, const agent::BundleRef& ref,
                     const std::string& module, const BundleCheckContext& context);
Status validate_bundle(const std::string& path, const agent::BundleRef& ref,
                       const std::string& module, bool run_golden,
                       const BundleCheckContext& context);

}  // namespace outpost::agentd
