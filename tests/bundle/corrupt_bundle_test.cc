// Hostile bundles: truncation at many offsets and random byte flips, plain and encrypted, end
// in an error and never a crash or a verified bundle. Run under ASan/UBSan by the sanitizer
// build (suite names match 'Corrupt').
#include <gtest/gtest.h>

#include <random>

#include "bundle_test_util.h"

namespace outpost::bundle {
namespace {

using test::basic_options;
using test::make_key;
using test::pack_or_die;
using test::public_half;

struct Fixture {
  KeyPair publisher = make_key(true, "acme");
  KeyPair device = make_key(false, "cam");
  TrustStore trust;
  std::vector<uint8_t> plain, encrypted;
  Fixture() {
    trust.add(public_half(publisher));
    const auto model = test::add_model();
    plain = pack_or_die(model, publisher, basic_options());
    PackOptions o = basic_options();
    o.encrypt_for = {public_half(device)};
    o.chunk_bytes = 64;
    encrypted = pack_or_die(model, publisher, o);
  }
};

// Opens `bytes` and, when that works, also runs the golden check (which must then fail too,
// or the corruption was in bytes that do not matter, which the signature rules out).
bool opens(const Fixture& f, const std::vector<uint8_t>& bytes) {
  // A heap copy of exactly the size, so ASan sees any read past the end.
  std::unique_ptr<uint8_t[]> copy(new uint8_t[bytes.size() + 1]);
  if (!bytes.empty()) std::memcpy(copy.get(), bytes.data(), bytes.size());
  auto b = open_bundle(copy.get(), bytes.size(), f.trust, &f.device);
  return b.is_ok();
}

TEST(CorruptBundle, TruncationAtManyOffsetsNeverVerifies) {
  Fixture f;
  for (const auto* bytes : {&f.plain, &f.encrypted}) {
    ASSERT_TRUE(opens(f, *bytes));
    for (size_t keep = 0; keep < bytes->size(); keep += (keep < 128 ? 1 : 7)) {
      std::vector<uint8_t> cut(bytes->begin(), bytes->begin() + static_cast<long>(keep));
      auto b = open_bundle(cut.data(), cut.size(), f.trust, &f.device);
      ASSERT_FALSE(b.is_ok()) << keep;
      EXPECT_EQ(b.status().code(), StatusCode::kInvalidModel)
          << keep << ": " << b.status().message();
    }
  }
}

TEST(CorruptBundle, RandomByteFlipsNeverVerify) {
  Fixture f;
  std::mt19937 rng(1234);
  for (const auto* bytes : {&f.plain, &f.encrypted}) {
    std::uniform_int_distribution<size_t> pos(0, bytes->size() - 1);
    for (int trial = 0; trial < 400; ++trial) {
      auto copy = *bytes;
      const int flips = 1 + trial % 4;
      for (int i = 0; i < flips; ++i) copy[pos(rng)] ^= static_cast<uint8_t>(1 + rng() % 255);
      EXPECT_FALSE(opens(f, copy)) << "trial " << trial;
    }
  }
}

TEST(CorruptBundle, EveryHeaderByteFlipIsRefused) {
  Fixture f;
  for (const auto* bytes : {&f.plain, &f.encrypted}) {
    for (size_t at = 0; at < kHeaderBytes; ++at) {
      for (uint8_t mask : {0x01, 0x80, 0xff}) {
        auto copy = *bytes;
        copy[at] ^= mask;
        EXPECT_FALSE(opens(f, copy)) << at;
      }
    }
  }
}

TEST(CorruptBundle, GarbageAndEmptyInputsAreErrors) {
  Fixture f;
  std::mt19937 rng(99);
  for (size_t n : {0, 1, 8, 47, 48, 100, 4096}) {
    std::vector<uint8_t> junk(n);
    for (auto& c : junk) c = static_cast<uint8_t>(rng());
    if (n >= 8) std::memcpy(junk.data(), kMagic, 8);
    EXPECT_FALSE(opens(f, junk)) << n;
  }
}

}  // namespace
}  // namespace outpost::bundle
