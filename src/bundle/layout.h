// The byte layout of a bundle file (docs/bundle-format.md): a 48-byte header, the metadata
// JSON, the recipients, zero padding, the model section, the golden section and an 80-byte
// trailer. parse_layout checks every size and offset against the buffer before anything
// else reads it; nothing here is authenticated yet (the signature is checked next).
#pragma once

#include <cstddef>
#include <cstdint>

#include "bundle/keys.h"
#include "outpost/status.h"

namespace outpost::bundle {

constexpr uint8_t kMagic[8] = {0x89, 'O', 'P', 'K', '\r', '\n', 0x1a, '\n'};
constexpr uint16_t kFormatVersion = 1;
constexpr uint16_t kFlagEncrypted = 1;
constexpr size_t kHeaderBytes = 48;
constexpr size_t kTrailerBytes = kKeyIdBytes + 64;  // publisher key id + Ed25519ph signature
constexpr size_t kSealedKeyBytes = 32 + 48;         // crypto_box_seal of a 32-byte content key
constexpr size_t kRecipientBytes = kKeyIdBytes + kSealedKeyBytes;
constexpr size_t kModelAlignment = 64;  // the model's offset, so weights can be used in place
constexpr uint32_t kMaxMetadataBytes = 16u << 20;
constexpr uint32_t kMaxRecipients = 4096;
constexpr uint32_t kDefaultChunkBytes = 64u << 10;
constexpr uint32_t kMinChunkBytes = 16;
constexpr uint32_t kMaxChunkBytes = 16u << 20;

struct Span {
  const uint8_t* data = nullptr;
  size_t size = 0;
};

struct BundleLayout {
  uint16_t format_version = 0;
  uint16_t flags = 0;
  bool encrypted() const { return (flags & kFlagEncrypted) != 0; }
  uint32_t chunk_bytes = 0;
  uint32_t recipient_count = 0;
  Span metadata, recipients, model, golden;
  Span signed_bytes;  // everything before the signature, the key id included
  KeyId publisher_id{};
  const uint8_t* signature = nullptr;
};

// Header fields as pack writes them; offsets follow from the sizes.
struct HeaderFields {
  uint16_t flags = 0;
  uint32_t metadata_bytes = 0, recipient_count = 0, chunk_bytes = 0;
  uint64_t model_stored_bytes = 0, golden_stored_bytes = 0;
};

// Offset of the model section: after header, metadata and recipients, rounded up to 64.
uint64_t model_offset(uint32_t metadata_bytes, uint32_t recipient_count);
uint64_t total_bytes(const HeaderFields& h);
void encode_header(const HeaderFields& h, uint8_t out[kHeaderBytes]);

bool has_bundle_magic(const uint8_t* data, size_t size);

// kInvalidModel for anything malformed or truncated, kTooNew for a newer format version.
Result<BundleLayout> parse_layout(const uint8_t* data, size_t size, const std::string& what);

// Bytes a secretstream section takes for `plain` bytes in chunks of `chunk` bytes (at least
// one chunk, the last tagged final); 0 when the numbers overflow.
uint64_t encrypted_bytes(uint64_t plain, uint32_t chunk);

}  // namespace outpost::bundle
