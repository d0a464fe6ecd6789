// Opening a bundle: structure, trusted publisher, signature, metadata, versions, decryption,
// hashes, in that order, each failure with its own code (docs/cli.md). Works on bytes in
// memory (what the fuzzer feeds) or on a file read into private memory.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "bundle/golden.h"
#include "bundle/layout.h"
#include "bundle/metadata.h"
#include "bundle/trust_store.h"

namespace outpost::bundle {

struct OpenOptions {
  // Refuse a bundle whose version is older than this (kTooOld): how a device refuses a replay.
  std::string min_bundle_version;
  // Without a device key an encrypted bundle is an error (kDecryptFailed); with this false it
  // opens as far as its signature and metadata (what `verify` does without --device-key).
  bool require_model = true;
  // The model's BLAKE2b in the metadata repeats what the signature (and, when encrypted, the
  // AEAD) already guarantees: `verify` checks it, as a check on the packer; the load path of
  // the model commands skips it, a full pass over the model (~13 ms for 3.6 MB here).
  bool check_model_hash = true;
  // Decrypt, hash and decode the golden vectors; a model command that only runs the model
  // skips them (for small models they are larger than the model itself).
  bool load_golden = true;
  std::string what;  // the name used in messages; the path for open_bundle_file
};

struct OpenedBundle {
  BundleMetadata metadata;
  std::string publisher;  // the name the trust store gives the signing key
  KeyId publisher_id{};
  bool encrypted = false;
  size_t recipients = 0;
  // The plaintext model: a view into the bytes opened (a file's private copy), or decrypted
  // anonymous memory that `keep_alive` owns (pass both to Session::open_buffer). Null when not
  // decrypted.
  const uint8_t* model = nullptr;
  size_t model_size = 0;
  std::shared_ptr<const void> keep_alive;
  std::vector<GoldenTensor> golden;  // decoded when the model is available and asked for
};

// `data_owner` (may be null) keeps `data` alive for as long as the returned model views it.
Result<OpenedBundle> open_bundle(const uint8_t* data, size_t size, const TrustStore& trust,
                                 const KeyPair* device_key_or_null, const OpenOptions& options = {},
                                 std::shared_ptr<const void> data_owner = nullptr);

// Reads `path` into private memory (bundle/private_copy.h) and opens it; the copy stays alive
// through `keep_alive` when needed.
Result<OpenedBundle> open_bundle_file(const std::string& path, const TrustStore& trust,
                                      const KeyPair* device_key_or_null, OpenOptions options = {});

// True when `path` starts with the bundle magic (so a command taking a model takes a bundle).
bool is_bundle_file(const std::string& path);

}  // namespace outpost::bundle
