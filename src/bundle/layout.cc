#include "bundle/layout.h"

#include <sodium.h>

#include <cstring>
#include <string>

namespace outpost::bundle {
namespace {

uint16_t le16(const uint8_t* p) { return static_cast<uint16_t>(p[0] | (p[1] << 8)); }
uint32_t le32(const uint8_t* p) {
  return static_cast<uint32_t>(p[0]) | (static_cast<uint32_t>(p[1]) << 8) |
         (static_cast<uint32_t>(p[2]) << 16) | (static_cast<uint32_t>(p[3]) << 24);
}
uint64_t le64(const uint8_t* p) { return le32(p) | (static_cast<uint64_t>(le32(p + 4)) << 32); }
void put(uint8_t* p, uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) p[i] = static_cast<uint8_t>(v >> (8 * i));
}

}  // namespace

uint64_t model_offset(uint32_t metadata_bytes, uint32_t recipient_count) {
  const uint64_t end =
      kHeaderBytes + uint64_t{metadata_bytes} + uint64_t{recipient_count} * kRecipientBytes;
  return (end + kModelAlignment - 1) / kModelAlignment * kModelAlignment;
}

uint64_t total_bytes(const HeaderFields& h) {
  return model_offset(h.metadata_bytes, h.recipient_count) + h.model_stored_bytes +
         h.golden_stored_bytes + kTrailerBytes;
}

void encode_header(const HeaderFields& h, uint8_t out[kHeaderBytes]) {
  std::memcpy(out, kMagic, 8);
  put(out + 8, kFormatVersion, 2);
  put(out + 10, h.flags, 2);
  put(out + 12, h.metadata_bytes, 4);
  put(out + 16, h.recipient_count, 4);
  put(out + 20, h.chunk_bytes, 4);
  put(out + 24, h.model_stored_bytes, 8);
  put(out + 32, h.golden_stored_bytes, 8);
  put(out + 40, total_bytes(h), 8);
}

bool has_bundle_magic(const uint8_t* data, size_t size) {
  return size >= 8 && std::memcmp(data, kMagic, 8) == 0;
}

uint64_t encrypted_bytes(uint64_t plain, uint32_t chunk) {
  if (chunk == 0) return 0;
  const uint64_t chunks = plain == 0 ? 1 : plain / chunk + (plain % chunk != 0);
  const uint64_t overhead = crypto_secretstream_xchacha20poly1305_HEADERBYTES +
                            chunks * crypto_secretstream_xchacha20poly1305_ABYTES;
  if (plain > UINT64_MAX - overhead) return 0;
  return plain + overhead;
}

Result<BundleLayout> parse_layout(const uint8_t* data, size_t size, const std::string& what) {
  auto corrupt = [&](const std::string& why) {
    return invalid_model("bundle '" + what + "' is truncated or corrupt: " + why);
  };
  if (!has_bundle_magic(data, size))
    return invalid_model("'" + what + "' is not an Outpost bundle (no OPK magic)");
  if (size < kHeaderBytes)
    return corrupt("only " + std::to_string(size) + " bytes, shorter than the header");
  BundleLayout l;
  l.format_version = le16(data + 8);
  if (l.format_version != kFormatVersion)
    return Status(StatusCode::kTooNew, "bundle '" + what + "' has format version " +
                                           std::to_string(l.format_version) +
                                           "; this Outpost reads version " +
                                           std::to_string(kFormatVersion) + " (upgrade Outpost)");
  HeaderFields h;
  h.flags = l.flags = le16(data + 10);
  h.metadata_bytes = le32(data + 12);
  h.recipient_count = l.recipient_count = le32(data + 16);
  h.chunk_bytes = l.chunk_bytes = le32(data + 20);
  h.model_stored_bytes = le64(data + 24);
  h.golden_stored_bytes = le64(data + 32);
  const uint64_t declared = le64(data + 40);
  if ((h.flags & ~kFlagEncrypted) != 0) return corrupt("unknown flags " + std::to_string(h.flags));
  if (h.metadata_bytes == 0 || h.metadata_bytes > kMaxMetadataBytes)
    return corrupt("bad metadata size");
  if (l.encrypted()) {
    if (h.recipient_count == 0 || h.recipient_count > kMaxRecipients)
      return corrupt("bad recipient count");
    if (h.chunk_bytes < kMinChunkBytes || h.chunk_bytes > kMaxChunkBytes)
      return corrupt("bad chunk size");
  } else if (h.recipient_count != 0 || h.chunk_bytes != 0) {
    return corrupt("recipients in a bundle that is not encrypted");
  }
  // Each term is bounded (metadata and recipients above, sections by the declared total), so
  // these sums cannot overflow once each section is checked against the size separately.
  if (h.model_stored_bytes > size || h.golden_stored_bytes > size)
    return corrupt("section larger than the file");
  const uint64_t expected = total_bytes(h);
  if (declared != expected) return corrupt("header sizes do not add up");
  if (size < declared)
    return corrupt("truncated: " + std::to_string(size) + " of " + std::to_string(declared) +
                   " bytes");
  if (size > declared)
    return corrupt(std::to_string(size - declared) + " unexpected bytes after the end");

  size_t at = kHeaderBytes;
  l.metadata = {data + at, h.metadata_bytes};
  at += h.metadata_bytes;
  l.recipients = {data + at, size_t{h.recipient_count} * kRecipientBytes};
  at += l.recipients.size;
  const size_t model_at = static_cast<size_t>(model_offset(h.metadata_bytes, h.recipient_count));
  for (size_t i = at; i < model_at; ++i)
    if (data[i] != 0) return corrupt("non-zero padding before the model");
  l.model = {data + model_at, static_cast<size_t>(h.model_stored_bytes)};
  l.golden = {l.model.data + l.model.size, static_cast<size_t>(h.golden_stored_bytes)};
  const size_t trailer_at = size - kTrailerBytes;
  std::memcpy(l.publisher_id.data(), data + trailer_at, kKeyIdBytes);
  l.signature = data + trailer_at + kKeyIdBytes;
  l.signed_bytes = {data, trailer_at + kKeyIdBytes};
  return l;
}

}  // namespace outpost::bundle
