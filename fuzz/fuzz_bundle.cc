// libFuzzer target: the bundle reader (open_bundle on bytes), with a fixed TEST-ONLY trust
// store and device key (bundle_test_keys.h). No input may crash, read out of bounds or hit
// undefined behaviour.
//
// The first input byte picks a mode, the rest is the bundle:
//   bit 0  re-sign: put the test publisher's key id and a fresh Ed25519ph signature in the
//          trailer, so mutations reach what comes after the signature check (metadata JSON,
//          versions, section sizes, decryption, hashes, golden vectors). Without it the
//          fuzzer exercises the layout parser and the signature and trust checks.
//   bit 1  no device key, and the model not required (what `outpost verify` does without
//          --device-key): an encrypted bundle then opens as far as its metadata.
#include <sodium.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

#include "bundle/layout.h"
#include "bundle/open.h"
#include "bundle_test_keys.h"

namespace {

struct Fixture {
  outpost::bundle::TrustStore trust;
  outpost::bundle::KeyPair device = outpost::fuzz::test_key(false);
  unsigned char signing_key[crypto_sign_SECRETKEYBYTES];
  outpost::bundle::KeyId publisher_id;
  Fixture() {
    const outpost::bundle::KeyPair publisher = outpost::fuzz::test_key(true);
    outpost::bundle::KeyPair public_only = publisher;
    public_only.secret = {};
    public_only.has_secret = false;
    trust.add(public_only);
    publisher_id = publisher.id();
    outpost::fuzz::test_publisher_signing_key(signing_key);
  }
};

void resign(std::vector<uint8_t>& bytes, const Fixture& f) {
  using outpost::bundle::kKeyIdBytes;
  using outpost::bundle::kTrailerBytes;
  if (bytes.size() < kTrailerBytes) return;
  const size_t signed_size = bytes.size() - 64;  // everything before the signature, key id included
  std::memcpy(bytes.data() + signed_size - kKeyIdBytes, f.publisher_id.data(), kKeyIdBytes);
  crypto_sign_state state;
  crypto_sign_init(&state);
  crypto_sign_update(&state, bytes.data(), signed_size);
  crypto_sign_final_create(&state, bytes.data() + signed_size, nullptr, f.signing_key);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const Fixture fixture;
  if (size < 1) return 0;
  const uint8_t mode = data[0];
  // An exact-size heap copy: ASan then catches a read one byte past the bundle.
  std::vector<uint8_t> bytes(data + 1, data + size);
  if (mode & 1) resign(bytes, fixture);
  outpost::bundle::OpenOptions options;
  options.what = "fuzz.opk";
  options.require_model = (mode & 2) == 0;
  auto opened = outpost::bundle::open_bundle(bytes.data(), bytes.size(), fixture.trust,
                                             (mode & 2) ? nullptr : &fixture.device, options);
  if (!opened.is_ok()) return 0;
  // A model view must lie inside the bundle or in the decrypted buffer the bundle owns.
  const auto& b = *opened;
  if (b.model && !b.encrypted &&
      (b.model < bytes.data() || b.model_size > bytes.size() ||
       b.model - bytes.data() > static_cast<std::ptrdiff_t>(bytes.size() - b.model_size)))
    __builtin_trap();
  return 0;
}
