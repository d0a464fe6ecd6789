// What the C API's trust policy handle holds (include/outpost/outpost_bundle.h), for the files
// that load models through it: c_bundle.cc and the pipelines' (src/capi_pipeline/).
#pragma once

#include "bundle/trust_policy.h"
#include "outpost/outpost_bundle.h"

struct outpost_trust_policy {
  outpost::bundle::TrustPolicy policy;
};

namespace outpost::capi {

// The policy a handle holds, or for NULL one with no trust directory.
inline const bundle::TrustPolicy& policy_of(const outpost_trust_policy* p) {
  static const bundle::TrustPolicy none;
  return p != nullptr ? p->policy : none;
}

}  // namespace outpost::capi
