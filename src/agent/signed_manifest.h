// Signed manifests and the rule by which a device accepts one (docs/manifest.md, "Signing" and
// "Acceptance").
//
// The signed form is a JSON envelope holding the manifest's exact bytes in base64 and the
// Ed25519 signatures over them:
//   {"signed": "<base64 of the manifest file>",
//    "signatures": [{"keyid": "<32 hex digits>", "sig": "<base64 of 64 bytes>"}]}
// The bytes are signed as they are, never a re-serialization, so what was signed is what is
// parsed. Each signature covers "outpost-manifest-v1" + one zero byte + the bytes, so that no
// signature made for another purpose with the same key (a bundle's) can pass for a manifest's.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "agent/manifest.h"
#include "bundle/keys.h"
#include "bundle/trust_store.h"

namespace outpost::agent {

constexpr char kManifestSignatureContext[] = "outpost-manifest-v1";
constexpr size_t kMaxSignatures = 16;
// The base64 of a 1 MiB manifest and a few signatures fit with room to spare.
constexpr size_t kMaxSignedManifestBytes = size_t{3} << 20;

struct ManifestSignature {
  bundle::KeyId keyid{};
  std::array<uint8_t, 64> sig{};
};

struct SignedManifest {
  std::string manifest_bytes;  // exactly as signed
  std::vector<ManifestSignature> signatures;
};

// The envelope text (one line of JSON and a newline) of `manifest_bytes`, signed with the
// publisher secret key `signer`. The bytes must parse as a manifest (kInvalidModel otherwise):
// a publisher never signs something a device would refuse to read.
Result<std::string> sign_manifest(std::string_view manifest_bytes, const bundle::KeyPair& signer);

// Adds a signature by `signer` to an envelope's (for a threshold of publishers, later).
Result<std::string> add_manifest_signature(const SignedManifest& envelope,
                                           const bundle::KeyPair& signer);

// Reads an envelope (kInvalidModel naming the field on anything malformed). A bare manifest
// (a JSON object without "signed") comes back with no signatures and its bytes.
Result<SignedManifest> parse_signed_manifest(std::string_view text,
                                             const std::string& what = "signed manifest");

std::string signed_manifest_text(const SignedManifest& envelope);

// Why a manifest was refused: each its own value, for the agent to report. The Status that
// comes with it carries the CLI exit code (docs/cli.md) in brackets.
enum class ManifestRefusal {
  kNone,
  kInvalid,       // malformed envelope or manifest                      [4, invalid_model]
  kUnsigned,      // no signature at all                                 [7, untrusted]
  kUntrustedKey,  // signed, but by no key of the trust store            [7, untrusted]
  kBadSignature,  // a trusted key's signature does not verify: tampered [8, bad_signature]
  kExpired,       // its expiry time has passed: stale                   [13, too_old]
  kNotNewer,      // version not above the last accepted one: rollback   [13, too_old]
};

// "unsigned", "untrusted_key", ... (stable, for JSON and reports).
const char* manifest_refusal_name(ManifestRefusal refusal);

struct ManifestAcceptance {
  ManifestRefusal refusal = ManifestRefusal::kNone;
  Status status;  // ok exactly when accepted
  // When accepted:
  Manifest manifest;
  std::string manifest_bytes;
  std::string signer;  // the trusted key's name
  bundle::KeyId signer_id{};

  bool accepted() const { return refusal == ManifestRefusal::kNone; }
};

// The device's acceptance rule. A manifest is accepted when a key of `trust` signed its exact
// bytes, it parses, `now_unix` is before its expiry, and its version is above
// `last_accepted_version` (0 when none was ever accepted). The signature is checked before the
// manifest is parsed, so only trusted bytes reach the parser.
ManifestAcceptance accept_manifest(std::string_view signed_text, const bundle::TrustStore& trust,
                                   int64_t last_accepted_version, int64_t now_unix,
                                   const std::string& what = "signed manifest");

}  // namespace outpost::agent
