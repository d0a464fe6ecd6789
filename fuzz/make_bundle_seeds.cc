// Writes seed inputs for fuzz_bundle: small built models packed into bundles with the TEST-ONLY
// keys of bundle_test_keys.h, plain and encrypted for the test device, each prefixed with the
// target's mode byte (fuzz_bundle.cc).
//   fuzz_make_bundle_seeds OUT_DIR
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "bundle/pack.h"
#include "bundle_test_keys.h"
#include "support/tflite_builder.h"

namespace {

bool write(const std::string& path, uint8_t mode, const std::vector<uint8_t>& bundle) {
  std::ofstream f(path, std::ios::binary);
  f.put(static_cast<char>(mode));
  f.write(reinterpret_cast<const char*>(bundle.data()),
          static_cast<std::streamsize>(bundle.size()));
  return static_cast<bool>(f);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s OUT_DIR\n", argv[0]);
    return 2;
  }
  using outpost::bundle::PackOptions;
  const outpost::bundle::KeyPair publisher = outpost::fuzz::test_key(true);
  outpost::bundle::KeyPair device_public = outpost::fuzz::test_key(false);
  device_public.secret = {};
  device_public.has_secret = false;
  const std::vector<uint8_t> model =
      outpost::testing::build_tflite(outpost::testing::add_model_spec());

  struct Variant {
    std::string name;
    bool encrypted;
    uint32_t chunk_bytes;
    bool golden;
  };
  const Variant variants[] = {
      {"plain", false, outpost::bundle::kDefaultChunkBytes, true},
      {"plain_no_golden", false, outpost::bundle::kDefaultChunkBytes, false},
      {"encrypted", true, outpost::bundle::kDefaultChunkBytes, true},
      {"encrypted_chunk64", true, 64, true},
  };
  for (const Variant& v : variants) {
    PackOptions options;
    options.name = "fuzz-seed";
    options.version = "1.2.3";
    options.labels = {"left", "right"};
    options.preprocess_json = R"({"mean": [127.5], "std": [127.5]})";
    options.golden_mode =
        v.golden ? outpost::bundle::GoldenMode::kAuto : outpost::bundle::GoldenMode::kNone;
    options.created = "2026-01-01T00:00:00Z";
    options.chunk_bytes = v.chunk_bytes;
    if (v.encrypted) options.encrypt_for = {device_public};
    auto bundle =
        outpost::bundle::pack_bundle_to_memory(model.data(), model.size(), publisher, options);
    if (!bundle.is_ok()) {
      std::fprintf(stderr, "cannot pack the %s seed: %s\n", v.name.c_str(),
                   bundle.status().message().c_str());
      return 1;
    }
    const std::string base = std::string(argv[1]) + "/bundle_" + v.name;
    // Mode 1: re-signed (reaches past the signature); 0: as packed; 3: re-signed, no device key.
    if (!write(base + ".resign", 1, *bundle) || !write(base + ".asis", 0, *bundle) ||
        (v.encrypted && !write(base + ".nokey", 3, *bundle))) {
      std::fprintf(stderr, "cannot write %s.*\n", base.c_str());
      return 1;
    }
  }
  return 0;
}
