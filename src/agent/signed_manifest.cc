#include "agent/signed_manifest.h"

#include <sodium.h>

#include <algorithm>
#include <set>

#include "agent/strict_json.h"
#include "agent/utc_time.h"

namespace outpost::agent {

namespace {

using nlohmann::json;

std::string to_base64(const uint8_t* data, size_t size) {
  const int variant = sodium_base64_VARIANT_ORIGINAL;
  std::string out(sodium_base64_ENCODED_LEN(size, variant), '\0');
  sodium_bin2base64(out.data(), out.size(), data, size, variant);
  out.resize(out.size() - 1);  // the terminating NUL
  return out;
}

// Standard base64 with padding, nothing else (no spaces or newlines): one text per byte string.
bool from_base64(const std::string& text, std::string* out) {
  out->assign(text.size() / 4 * 3 + 3, '\0');
  size_t len = 0;
  const char* end = nullptr;
  if (sodium_base642bin(reinterpret_cast<uint8_t*>(out->data()), out->size(), text.data(),
                        text.size(), nullptr, &len, &end, sodium_base64_VARIANT_ORIGINAL) != 0 ||
      end != text.data() + text.size())
    return false;
  out->resize(len);
  return true;
}

bool from_hex(const std::string& text, uint8_t* out, size_t size) {
  if (text.size() != size * 2) return false;
  for (char c : text)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  size_t len = 0;
  return sodium_hex2bin(out, size, text.data(), text.size(), nullptr, &len, nullptr) == 0 &&
         len == size;
}

// What is signed: the context, a zero byte, the manifest's bytes.
std::string signed_message(std::string_view manifest_bytes) {
  std::string m(kManifestSignatureContext, sizeof kManifestSignatureContext);  // with its NUL
  m.append(manifest_bytes);
  return m;
}

Result<ManifestSignature> sign_bytes(std::string_view manifest_bytes,
                                     const bundle::KeyPair& signer) {
  OUTPOST_RETURN_IF_ERROR(bundle::ensure_sodium());
  if (!signer.publisher || !signer.has_secret)
    return usage_error("signing a manifest needs a publisher secret key (NAME.publisher.key); '" +
                       signer.name + "' is not one");
  std::array<uint8_t, crypto_sign_SECRETKEYBYTES> sk{};
  std::array<uint8_t, crypto_sign_PUBLICKEYBYTES> pk{};
  crypto_sign_seed_keypair(pk.data(), sk.data(), signer.secret.data());
  ManifestSignature s;
  s.keyid = bundle::key_id_of(pk);
  const std::string message = signed_message(manifest_bytes);
  crypto_sign_detached(s.sig.data(), nullptr, reinterpret_cast<const uint8_t*>(message.data()),
                       message.size(), sk.data());
  sodium_memzero(sk.data(), sk.size());
  return s;
}

ManifestAcceptance refuse(ManifestRefusal why, Status status) {
  ManifestAcceptance a;
  a.refusal = why;
  a.status = std::move(status);
  return a;
}

}  // namespace

std::string signed_manifest_text(const SignedManifest& envelope) {
  json sigs = json::array();
  for (const auto& s : envelope.signatures)
    sigs.push_back(
        {{"keyid", bundle::key_id_hex(s.keyid)}, {"sig", to_base64(s.sig.data(), s.sig.size())}});
  const auto* bytes = reinterpret_cast<const uint8_t*>(envelope.manifest_bytes.data());
  json j = {{"signed", to_base64(bytes, envelope.manifest_bytes.size())}, {"signatures", sigs}};
  return j.dump() + "\n";
}

Result<std::string> sign_manifest(std::string_view manifest_bytes, const bundle::KeyPair& signer) {
  OUTPOST_RETURN_IF_ERROR(parse_manifest(manifest_bytes).status());
  SignedManifest envelope;
  envelope.manifest_bytes = std::string(manifest_bytes);
  return add_manifest_signature(envelope, signer);
}

Result<std::string> add_manifest_signature(const SignedManifest& envelope,
                                           const bundle::KeyPair& signer) {
  OUTPOST_ASSIGN_OR_RETURN(ManifestSignature s, sign_bytes(envelope.manifest_bytes, signer));
  SignedManifest out = envelope;
  for (const auto& existing : out.signatures)
    if (existing.keyid == s.keyid)
      return usage_error("the manifest is already signed by key " + bundle::key_id_hex(s.keyid));
  if (out.signatures.size() >= kMaxSignatures)
    return usage_error("a manifest takes at most " + std::to_string(kMaxSignatures) +
                       " signatures");
  out.signatures.push_back(s);
  return signed_manifest_text(out);
}

Result<SignedManifest> parse_signed_manifest(std::string_view text, const std::string& what) {
  if (text.size() > kMaxSignedManifestBytes)
    return invalid_model(what + ": " + std::to_string(text.size()) + " bytes; at most " +
                         std::to_string(kMaxSignedManifestBytes) + " are allowed");
  OUTPOST_ASSIGN_OR_RETURN(const json j, parse_strict_json(text, what));
  SignedManifest out;
  if (j.is_object() && !j.contains("signed") && !j.contains("signatures")) {
    out.manifest_bytes = std::string(text);  // a bare manifest: unsigned
    return out;
  }
  FieldReader r(j, what, "");
  OUTPOST_RETURN_IF_ERROR(r.check_members({"signed", "signatures"}, {"signed", "signatures"}));
  OUTPOST_ASSIGN_OR_RETURN(const std::string b64, r.string("signed", kMaxSignedManifestBytes));
  if (!from_base64(b64, &out.manifest_bytes))
    return r.error("signed", "expected the manifest's bytes in standard base64 (with padding)");
  OUTPOST_ASSIGN_OR_RETURN(const json* sigs, r.array("signatures", kMaxSignatures));
  std::set<bundle::KeyId> seen;
  for (size_t i = 0; i < sigs->size(); ++i) {
    FieldReader s((*sigs)[i], what, element_path("signatures", i));
    OUTPOST_RETURN_IF_ERROR(s.check_members({"keyid", "sig"}, {"keyid", "sig"}));
    ManifestSignature sig;
    OUTPOST_ASSIGN_OR_RETURN(const std::string keyid, s.string("keyid", 64));
    if (!from_hex(keyid, sig.keyid.data(), sig.keyid.size()))
      return s.error("keyid",
                     "expected 32 lowercase hex digits (a key id, as `outpost keys show` prints)");
    if (!seen.insert(sig.keyid).second) return s.error("keyid", "this key signed twice");
    OUTPOST_ASSIGN_OR_RETURN(const std::string sig_b64, s.string("sig", 256));
    std::string raw;
    if (!from_base64(sig_b64, &raw) || raw.size() != sig.sig.size())
      return s.error("sig", "expected a 64-byte Ed25519 signature in standard base64");
    std::copy(raw.begin(), raw.end(), sig.sig.begin());
    out.signatures.push_back(sig);
  }
  return out;
}

const char* manifest_refusal_name(ManifestRefusal refusal) {
  switch (refusal) {
    case ManifestRefusal::kNone:
      return "accepted";
    case ManifestRefusal::kInvalid:
      return "invalid";
    case ManifestRefusal::kUnsigned:
      return "unsigned";
    case ManifestRefusal::kUntrustedKey:
      return "untrusted_key";
    case ManifestRefusal::kBadSignature:
      return "bad_signature";
    case ManifestRefusal::kExpired:
      return "expired";
    case ManifestRefusal::kNotNewer:
      return "not_newer";
  }
  return "invalid";
}

ManifestAcceptance accept_manifest(std::string_view signed_text, const bundle::TrustStore& trust,
                                   int64_t last_accepted_version, int64_t now_unix,
                                   const std::string& what) {
  if (Status s = bundle::ensure_sodium(); !s.is_ok()) return refuse(ManifestRefusal::kInvalid, s);
  auto envelope = parse_signed_manifest(signed_text, what);
  if (!envelope.is_ok()) return refuse(ManifestRefusal::kInvalid, envelope.status());
  if (envelope->signatures.empty())
    return refuse(ManifestRefusal::kUnsigned,
                  Status(StatusCode::kUntrusted,
                         what + ": not signed; a device with a trust store accepts only manifests "
                                "signed by a trusted publisher (outpost manifest sign)"));
  // One valid signature by a trusted key is enough; a trusted key whose signature fails means
  // the bytes changed after signing.
  const bundle::KeyPair* signer = nullptr;
  const ManifestSignature* failed = nullptr;
  std::string untrusted;
  const std::string message = signed_message(envelope->manifest_bytes);
  for (const auto& s : envelope->signatures) {
    const bundle::KeyPair* key = trust.find(s.keyid);
    if (key == nullptr) {
      untrusted += (untrusted.empty() ? "" : ", ") + bundle::key_id_hex(s.keyid);
      continue;
    }
    if (crypto_sign_verify_detached(s.sig.data(), reinterpret_cast<const uint8_t*>(message.data()),
                                    message.size(), key->public_key.data()) == 0) {
      signer = key;
      break;
    }
    failed = &s;
  }
  if (signer == nullptr && failed != nullptr)
    return refuse(
        ManifestRefusal::kBadSignature,
        Status(StatusCode::kBadSignature,
               what + ": the signature by trusted key '" + trust.find(failed->keyid)->name + "' (" +
                   bundle::key_id_hex(failed->keyid) +
                   ") does not verify: the manifest was changed after signing"));
  if (signer == nullptr)
    return refuse(ManifestRefusal::kUntrustedKey,
                  Status(StatusCode::kUntrusted,
                         what + ": signed only by keys the trust store (" + trust.source() +
                             ") does not hold: " + untrusted +
                             "; add the publisher's .pub to it if it is to be trusted"));
  auto manifest = parse_manifest(envelope->manifest_bytes, what);
  if (!manifest.is_ok()) return refuse(ManifestRefusal::kInvalid, manifest.status());
  if (now_unix >= manifest->expires_unix)
    return refuse(ManifestRefusal::kExpired,
                  Status(StatusCode::kTooOld, what + ": deployment '" + manifest->deployment_id +
                                                  "' version " + std::to_string(manifest->version) +
                                                  " expired at " + manifest->expires + " (now " +
                                                  format_utc_time(now_unix) +
                                                  "); the publisher must sign a fresh one"));
  if (manifest->version <= last_accepted_version)
    return refuse(ManifestRefusal::kNotNewer,
                  Status(StatusCode::kTooOld, what + ": deployment '" + manifest->deployment_id +
                                                  "' version " + std::to_string(manifest->version) +
                                                  " is not newer than the last accepted version " +
                                                  std::to_string(last_accepted_version) +
                                                  " (a replay or rollback)"));
  ManifestAcceptance a;
  a.manifest = std::move(manifest).value();
  a.manifest_bytes = std::move(envelope->manifest_bytes);
  a.signer = signer->name;
  a.signer_id = signer->id();
  return a;
}

}  // namespace outpost::agent
