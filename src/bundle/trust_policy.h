// The trust policy (docs/security.md, "Trust policy"): the one function through which every
// model a command, a pipeline or the agent runs is loaded, so that none can forget a check.
// With a trust store, only bundles its publishers signed load; a plain .tflite/.onnx (or
// anything else) is refused unless the caller explicitly allows unsigned models, and then it
// is logged every time.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "bundle/keys.h"
#include "bundle/metadata.h"
#include "bundle/trust_store.h"
#include "outpost/session.h"

namespace outpost::bundle {

struct TrustPolicy {
  // The publishers whose bundles load. Absent: no trust store is configured, and a plain model
  // loads as it is (a bundle still needs one, to check its signature).
  std::optional<TrustStore> trust;
  // This device's secret key, for encrypted bundles.
  std::optional<KeyPair> device_key;
  // With a trust store: load a plain model anyway (development), with a warning each time.
  bool allow_unsigned = false;
  // Not empty: a bundle whose signed name differs is kUntrusted (any trusted publisher can sign
  // any name; this binds the bundle to the model the device expects). A plain model, which has
  // no signed name, is refused too.
  std::string expect_name;
  // Not empty: anti-rollback (bundle/installed_versions.h). A bundle older than the highest
  // version of its name loaded before is kTooOld unless `allow_downgrade`; a newer one is
  // recorded there once its session opened.
  std::string state_dir;
  bool allow_downgrade = false;
};

// What was loaded, and what vouches for it.
struct TrustedModel {
  std::unique_ptr<Session> session;
  bool bundle = false;       // false: a plain model file
  BundleMetadata metadata;   // a bundle's signed metadata (labels, preprocess, name, version)
  std::string publisher;     // the trust store's name for the bundle's signer
  bool encrypted = false;
};

// Loads the model or bundle at `path` under `policy`: a plain model with a trust store and
// without allow_unsigned is kUntrusted naming the file and how to proceed.
Result<TrustedModel> load_trusted_model(const std::string& path, const TrustPolicy& policy,
                                        const SessionOptions& options = {});

}  // namespace outpost::bundle
