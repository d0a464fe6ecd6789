// The encrypted sections of a bundle: XChaCha20-Poly1305 secretstream (libsodium) over
// fixed-size plaintext chunks, so neither side ever holds a second copy of a large model.
// Each chunk carries the section's label as associated data, so a model section can never
// be accepted as a golden section or the reverse.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <string>

#include "outpost/status.h"

namespace outpost::bundle {

using ContentKey = std::array<uint8_t, 32>;
using ByteSink = std::function<Status(const uint8_t* data, size_t size)>;

// Streams the encrypted form of `plain` to `sink`, encrypted_bytes(size, chunk) bytes in all.
Status encrypt_section(const ContentKey& key, const std::string& label, const uint8_t* plain,
                       size_t size, uint32_t chunk, const ByteSink& sink);

// Decrypts `stored` into `out`, which holds exactly `plain_size` bytes. kDecryptFailed when a
// chunk does not authenticate, the stream ends early or runs on after its final chunk.
Status decrypt_section(const ContentKey& key, const std::string& label, const uint8_t* stored,
                       size_t stored_size, uint32_t chunk, uint8_t* out, size_t plain_size);

}  // namespace outpost::bundle
