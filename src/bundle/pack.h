// Packing a model into a bundle: metadata from the loaded model, golden vectors computed or
// checked by running it, the model and vectors optionally encrypted for devices, every byte
// signed by the publisher as it is written (encrypt-then-sign).
#pragma once

#include <string>
#include <vector>

#include "bundle/golden.h"
#include "bundle/keys.h"
#include "bundle/layout.h"
#include "bundle/stream_cipher.h"

namespace outpost::bundle {

enum class GoldenMode {
  kAuto,  // deterministic inputs; outputs computed by running the model
  // Tensors from `golden`, matched to the model's inputs and outputs by name (an unnamed one
  // is the input of a single-input model); outputs not given are computed, given ones checked.
  kGiven,
  kNone,
};

struct PackOptions {
  std::string name;
  std::string version;  // semantic version of the bundle
  std::vector<std::string> labels;
  std::string preprocess_json;  // empty: none
  GoldenMode golden_mode = GoldenMode::kAuto;
  std::vector<GoldenTensor> golden;
  // Given outputs must match the model (kGoldenMismatch otherwise); tests turn this off to
  // make a bundle whose vectors are wrong.
  bool check_given_outputs = true;
  std::vector<KeyPair> encrypt_for;  // device public keys; empty: not encrypted
  std::string created;               // empty: now (UTC)
  std::string min_outpost_version = OUTPOST_VERSION;
  uint32_t chunk_bytes = kDefaultChunkBytes;
};

// Streams the bundle for the model in `model` to `sink`.
Status pack_bundle(const uint8_t* model, size_t size, const KeyPair& signer,
                   const PackOptions& options, const ByteSink& sink);
Result<std::vector<uint8_t>> pack_bundle_to_memory(const uint8_t* model, size_t size,
                                                   const KeyPair& signer,
                                                   const PackOptions& options);
// Writes `out_path` atomically (a temporary file beside it, renamed when complete).
Status pack_bundle_file(const std::string& model_path, const KeyPair& signer,
                        const PackOptions& options, const std::string& out_path);

}  // namespace outpost::bundle
