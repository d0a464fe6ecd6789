// A bundle's metadata: the JSON document after the header (docs/bundle-format.md,
// "Metadata"). It is signed but never encrypted, so anyone holding the trust store can read
// what a bundle is and check it without a device key.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "bundle/semver.h"
#include "outpost/status.h"

namespace outpost::bundle {

// One .npy blob in the golden section: offset and size within the section's plaintext.
struct GoldenEntry {
  bool input = true;  // an input fed to the model, or the output expected from it
  std::string name;
  uint64_t offset = 0, size = 0;
};

struct BundleMetadata {
  std::string name;
  SemVer version;
  std::string created;  // UTC, ISO 8601
  SemVer min_outpost_version;
  std::string publisher;  // the signing key's name when packed (the trust store is authoritative)
  std::string model_format;  // "tflite"
  uint64_t model_size = 0;
  std::string model_blake2b;  // hex BLAKE2b-256 of the plaintext model
  nlohmann::json inputs = nlohmann::json::array(), outputs = nlohmann::json::array();
  nlohmann::json preprocess;  // null when absent
  std::vector<std::string> labels;
  uint64_t golden_size = 0;
  std::string golden_blake2b;
  std::vector<GoldenEntry> golden;
};

std::string metadata_to_json(const BundleMetadata& m);
// kInvalidModel naming the field that is missing or of the wrong type.
Result<BundleMetadata> parse_metadata(const uint8_t* data, size_t size, const std::string& what);
// The document as JSON (for `verify --json`).
nlohmann::json metadata_json(const BundleMetadata& m);

}  // namespace outpost::bundle
