// libFuzzer target: deployment manifests (src/agent/), the agent's parser of bytes from the
// network. No input may crash, hang or hit undefined behaviour. The first byte picks a mode:
//   0: parse_manifest on the rest (the manifest parser alone);
//   1: accept_manifest on the rest as a signed envelope (envelope parser, signature checks);
//   2: the rest signed with the TEST-ONLY publisher key, then accepted, so mutated manifests get
//      past the signature to the parser, the expiry and the version rules as a device runs them.
#include <cstddef>
#include <cstdint>
#include <string>

#include "agent/signed_manifest.h"
#include "bundle_test_keys.h"

namespace {

const outpost::bundle::TrustStore& trust() {
  static const outpost::bundle::TrustStore store = [] {
    outpost::bundle::TrustStore t;
    outpost::bundle::KeyPair pub = outpost::fuzz::test_key(true);
    pub.has_secret = false;
    pub.secret = {};
    t.add(pub);
    return t;
  }();
  return store;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace outpost::agent;
  if (size == 0) return 0;
  const std::string rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  const int64_t now = 1800000000;  // 2027-01-15
  switch (data[0] % 3) {
    case 0: {
      auto m = parse_manifest(rest, "fuzz.json");
      if (m.is_ok() && (m->modules.empty() || m->modules.size() > kMaxModules)) __builtin_trap();
      break;
    }
    case 1: {
      const ManifestAcceptance a = accept_manifest(rest, trust(), 3, now, "fuzz.json");
      if (a.accepted() != a.status.is_ok()) __builtin_trap();
      break;
    }
    default: {
      static const outpost::bundle::KeyPair key = outpost::fuzz::test_key(true);
      SignedManifest envelope;
      envelope.manifest_bytes = rest;
      auto text = add_manifest_signature(envelope, key);
      if (!text.is_ok()) __builtin_trap();
      const ManifestAcceptance a = accept_manifest(text.value(), trust(), 3, now, "fuzz.json");
      // Signed by a trusted key: never refused for its signature.
      if (a.refusal == ManifestRefusal::kBadSignature || a.refusal == ManifestRefusal::kUnsigned ||
          a.refusal == ManifestRefusal::kUntrustedKey)
        __builtin_trap();
      if (a.accepted() && (a.manifest.version <= 3 || a.manifest.expires_unix <= now))
        __builtin_trap();
      break;
    }
  }
  return 0;
}
