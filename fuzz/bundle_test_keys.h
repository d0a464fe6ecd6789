// TEST-ONLY keys for fuzz_bundle and its seed corpus: a publisher (Ed25519) and a device
// (X25519) key pair derived from fixed, public bytes, so every run and every seed agree without
// key files. Never trust these keys anywhere: their secrets are in this file.
#pragma once

#include <sodium.h>

#include "bundle/keys.h"
#include "bundle/trust_store.h"

namespace outpost::fuzz {

inline bundle::KeyPair test_key(bool publisher) {
  bundle::KeyPair k;
  k.publisher = publisher;
  k.name = publisher ? "fuzz-test-only-publisher" : "fuzz-test-only-device";
  for (size_t i = 0; i < k.secret.size(); ++i)
    k.secret[i] = static_cast<uint8_t>((publisher ? 0x50 : 0xd0) + i);
  k.has_secret = true;
  if (sodium_init() < 0) __builtin_trap();
  if (publisher) {
    unsigned char sk[crypto_sign_SECRETKEYBYTES];
    crypto_sign_seed_keypair(k.public_key.data(), sk, k.secret.data());
  } else {
    crypto_scalarmult_base(k.public_key.data(), k.secret.data());
  }
  return k;
}

// The publisher's secret key in libsodium's 64-byte form, for signing.
inline void test_publisher_signing_key(unsigned char sk[crypto_sign_SECRETKEYBYTES]) {
  const bundle::KeyPair k = test_key(true);
  unsigned char pk[crypto_sign_PUBLICKEYBYTES];
  crypto_sign_seed_keypair(pk, sk, k.secret.data());
}

}  // namespace outpost::fuzz
