// Signing manifests and the device's acceptance rule: a trusted signature over the exact bytes,
// not expired, newer than the last accepted version; each refusal with its own reason.
#include "agent/signed_manifest.h"

#include <gtest/gtest.h>
#include <sodium.h>

#include <nlohmann/json.hpp>
#include <set>

#include "agent/utc_time.h"

namespace outpost::agent {
namespace {

using nlohmann::json;

bundle::KeyPair make_publisher(const std::string& name) {
  auto k = bundle::generate_key_pair(true, name);
  EXPECT_TRUE(k.is_ok()) << k.status().message();
  return k.value();
}

bundle::KeyPair public_half(const bundle::KeyPair& k) {
  bundle::KeyPair p;
  p.name = k.name;
  p.public_key = k.public_key;
  return p;
}

// Written by hand, with spaces and a key order of its own: what is signed is these bytes.
std::string manifest_text(int version, const std::string& expires = "2027-06-30T00:00:00Z") {
  return "{\n  \"version\": " + std::to_string(version) +
         ",\n  \"deployment_id\": \"lobby\", \"expires\": \"" + expires +
         "\",\n  \"modules\": [{\"name\": \"faces\", \"run\": \"serve\", \"bundles\": [{\"url\": "
         "\"file:///srv/face.opk\", \"sha256\": \"" +
         std::string(64, 'a') +
         "\", \"size\": 10, \"name\": \"face\", \"version\": \"1.0.0\"}]}]\n}\n";
}

const int64_t kNow = *parse_utc_time("2027-01-01T00:00:00Z");

class SignedManifestTest : public ::testing::Test {
 protected:
  SignedManifestTest() : publisher_(make_publisher("acme")), stranger_(make_publisher("stranger")) {
    trust_.add(public_half(publisher_));
  }
  std::string sign(const std::string& bytes, const bundle::KeyPair& key) {
    auto s = sign_manifest(bytes, key);
    EXPECT_TRUE(s.is_ok()) << s.status().message();
    return s.is_ok() ? s.value() : std::string();
  }
  ManifestAcceptance accept(const std::string& text, int64_t last = 0, int64_t now = kNow) {
    return accept_manifest(text, trust_, last, now, "m.signed.json");
  }
  bundle::KeyPair publisher_, stranger_;
  bundle::TrustStore trust_;
};

TEST_F(SignedManifestTest, RoundTripKeepsTheExactBytes) {
  const std::string bytes = manifest_text(7);
  const std::string text = sign(bytes, publisher_);
  auto envelope = parse_signed_manifest(text);
  ASSERT_TRUE(envelope.is_ok()) << envelope.status().message();
  EXPECT_EQ(envelope->manifest_bytes, bytes);
  ASSERT_EQ(envelope->signatures.size(), 1u);
  EXPECT_EQ(envelope->signatures[0].keyid, publisher_.id());
  const ManifestAcceptance a = accept(text, 6);
  ASSERT_TRUE(a.accepted()) << a.status.message();
  EXPECT_TRUE(a.status.is_ok());
  EXPECT_EQ(a.manifest_bytes, bytes);
  EXPECT_EQ(a.manifest.deployment_id, "lobby");
  EXPECT_EQ(a.manifest.version, 7);
  EXPECT_EQ(a.signer, "acme");
  EXPECT_EQ(a.signer_id, publisher_.id());
}

TEST_F(SignedManifestTest, TamperedBytesAreRefused) {
  const std::string bytes = manifest_text(7);
  auto envelope = parse_signed_manifest(sign(bytes, publisher_));
  ASSERT_TRUE(envelope.is_ok());
  // Every single-byte change of the signed bytes, at a spread of offsets, and one changed
  // signature byte.
  for (size_t i = 0; i < bytes.size(); i += 7) {
    SignedManifest t = envelope.value();
    t.manifest_bytes[i] ^= 0x01;
    const ManifestAcceptance a = accept(signed_manifest_text(t));
    EXPECT_EQ(a.refusal, ManifestRefusal::kBadSignature) << "byte " << i;
    EXPECT_EQ(a.status.code(), StatusCode::kBadSignature);
  }
  SignedManifest t = envelope.value();
  t.signatures[0].sig[10] ^= 0x80;
  const ManifestAcceptance a = accept(signed_manifest_text(t));
  EXPECT_EQ(a.refusal, ManifestRefusal::kBadSignature);
  EXPECT_NE(a.status.message().find("changed after signing"), std::string::npos);
  // A re-serialization of the same manifest is other bytes: refused too.
  SignedManifest r = envelope.value();
  r.manifest_bytes = json::parse(bytes).dump();
  EXPECT_EQ(accept(signed_manifest_text(r)).refusal, ManifestRefusal::kBadSignature);
}

TEST_F(SignedManifestTest, WrongKeyAndUnsignedAreRefused) {
  const ManifestAcceptance stranger = accept(sign(manifest_text(7), stranger_));
  EXPECT_EQ(stranger.refusal, ManifestRefusal::kUntrustedKey);
  EXPECT_EQ(stranger.status.code(), StatusCode::kUntrusted);
  EXPECT_NE(stranger.status.message().find(bundle::key_id_hex(stranger_.id())), std::string::npos);
  // The stranger's signature beside a valid trusted one does not matter.
  auto envelope = parse_signed_manifest(sign(manifest_text(7), stranger_));
  ASSERT_TRUE(envelope.is_ok());
  auto both = add_manifest_signature(envelope.value(), publisher_);
  ASSERT_TRUE(both.is_ok()) << both.status().message();
  EXPECT_TRUE(accept(both.value()).accepted());
  // A trusted key id with a signature made by another key: not a valid signature.
  SignedManifest forged = envelope.value();
  forged.signatures[0].keyid = publisher_.id();
  EXPECT_EQ(accept(signed_manifest_text(forged)).refusal, ManifestRefusal::kBadSignature);
  // A bare manifest, and an envelope with no signatures.
  const ManifestAcceptance bare = accept(manifest_text(7));
  EXPECT_EQ(bare.refusal, ManifestRefusal::kUnsigned);
  EXPECT_EQ(bare.status.code(), StatusCode::kUntrusted);
  SignedManifest none = envelope.value();
  none.signatures.clear();
  EXPECT_EQ(accept(signed_manifest_text(none)).refusal, ManifestRefusal::kUnsigned);
}

TEST_F(SignedManifestTest, SignaturesAreBoundToManifests) {
  // An Ed25519 signature by the trusted key over the bare bytes (as another tool might make
  // with the same key) is not a manifest signature: the context prefix is missing.
  const std::string bytes = manifest_text(7);
  auto envelope = parse_signed_manifest(sign(bytes, publisher_));
  ASSERT_TRUE(envelope.is_ok());
  uint8_t pk[crypto_sign_PUBLICKEYBYTES], sk[crypto_sign_SECRETKEYBYTES];
  crypto_sign_seed_keypair(pk, sk, publisher_.secret.data());
  SignedManifest raw = envelope.value();
  crypto_sign_detached(raw.signatures[0].sig.data(), nullptr,
                       reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(), sk);
  EXPECT_EQ(accept(signed_manifest_text(raw)).refusal, ManifestRefusal::kBadSignature);
}

TEST_F(SignedManifestTest, ExpiredIsRefused) {
  const std::string text = sign(manifest_text(7, "2027-01-01T00:00:00Z"), publisher_);
  EXPECT_TRUE(accept(text, 0, kNow - 1).accepted());
  for (int64_t now : {kNow, kNow + 1, kNow + 86400 * 365}) {
    const ManifestAcceptance a = accept(text, 0, now);
    EXPECT_EQ(a.refusal, ManifestRefusal::kExpired) << now;
    EXPECT_EQ(a.status.code(), StatusCode::kTooOld);
    EXPECT_NE(a.status.message().find("expired at 2027-01-01T00:00:00Z"), std::string::npos)
        << a.status.message();
  }
}

TEST_F(SignedManifestTest, RollbackIsRefused) {
  const std::string text = sign(manifest_text(7), publisher_);
  EXPECT_TRUE(accept(text, 6).accepted());
  for (int64_t last : {7, 8, 1000}) {
    const ManifestAcceptance a = accept(text, last);
    EXPECT_EQ(a.refusal, ManifestRefusal::kNotNewer) << last;
    EXPECT_EQ(a.status.code(), StatusCode::kTooOld);
    EXPECT_NE(a.status.message().find("not newer than the last accepted version"),
              std::string::npos);
  }
}

TEST_F(SignedManifestTest, RefusalsHaveDistinctNames) {
  std::set<std::string> names;
  for (ManifestRefusal r :
       {ManifestRefusal::kNone, ManifestRefusal::kInvalid, ManifestRefusal::kUnsigned,
        ManifestRefusal::kUntrustedKey, ManifestRefusal::kBadSignature, ManifestRefusal::kExpired,
        ManifestRefusal::kNotNewer})
    names.insert(manifest_refusal_name(r));
  EXPECT_EQ(names.size(), 7u);
}

TEST_F(SignedManifestTest, CorruptEnvelopesAreInvalid) {
  const std::string good = sign(manifest_text(7), publisher_);
  const json j = json::parse(good);
  const std::string sig = j["signatures"][0]["sig"];
  const std::string keyid = j["signatures"][0]["keyid"];
  const std::string b64 = j["signed"];
  const std::vector<std::pair<json, std::string>> cases = {
      {{{"signed", b64}}, "signatures: missing"},
      {{{"signed", b64}, {"signatures", json::array()}, {"extra", 1}}, "extra: unknown field"},
      {{{"signed", "not base64!"}, {"signatures", j["signatures"]}},
       "signed: expected the manifest's bytes in standard base64"},
      {{{"signed", b64 + "\n"}, {"signatures", j["signatures"]}},
       "signed: expected the manifest's bytes"},
      {{{"signed", 5}, {"signatures", j["signatures"]}}, "signed: expected a string"},
      {{{"signed", b64}, {"signatures", {{{"keyid", "ABC"}, {"sig", sig}}}}},
       "signatures[0].keyid: expected 32 lowercase hex digits"},
      {{{"signed", b64}, {"signatures", {{{"keyid", keyid}, {"sig", "AAAA"}}}}},
       "signatures[0].sig: expected a 64-byte Ed25519 signature"},
      {{{"signed", b64}, {"signatures", {{{"keyid", keyid}}}}}, "signatures[0].sig: missing"},
      {{{"signed", b64},
        {"signatures", {{{"keyid", keyid}, {"sig", sig}}, {{"keyid", keyid}, {"sig", sig}}}}},
       "signatures[1].keyid: this key signed twice"},
  };
  for (const auto& [envelope, expected] : cases) {
    const ManifestAcceptance a = accept(envelope.dump());
    EXPECT_EQ(a.refusal, ManifestRefusal::kInvalid) << expected;
    EXPECT_EQ(a.status.code(), StatusCode::kInvalidModel);
    EXPECT_NE(a.status.message().find("m.signed.json: " + expected), std::string::npos)
        << a.status.message();
  }
  // Trusted and signed, but not a valid manifest (signed by a tool other than `manifest sign`).
  SignedManifest bad;
  bad.manifest_bytes =
      R"({"deployment_id": "x", "version": 1, "expires": "2027-06-30T00:00:00Z", "modules": []})";
  auto text = add_manifest_signature(bad, publisher_);
  ASSERT_TRUE(text.is_ok());
  const ManifestAcceptance a = accept(text.value());
  EXPECT_EQ(a.refusal, ManifestRefusal::kInvalid);
  EXPECT_NE(a.status.message().find("modules: expected at least one module"), std::string::npos);
  // And `sign_manifest` itself will not sign it.
  EXPECT_EQ(sign_manifest(bad.manifest_bytes, publisher_).status().code(),
            StatusCode::kInvalidModel);
  // A device key or a public key cannot sign.
  EXPECT_FALSE(sign_manifest(manifest_text(1), public_half(publisher_)).is_ok());
}

}  // namespace
}  // namespace outpost::agent
