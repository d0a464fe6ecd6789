#include "bundle/stream_cipher.h"

#include <sodium.h>

#include <algorithm>
#include <vector>

#include "bundle/layout.h"

namespace outpost::bundle {
namespace {

constexpr size_t kStreamHeader = crypto_secretstream_xchacha20poly1305_HEADERBYTES;
constexpr size_t kChunkOverhead = crypto_secretstream_xchacha20poly1305_ABYTES;

const uint8_t* label_bytes(const std::string& label) {
  return reinterpret_cast<const uint8_t*>(label.data());
}

}  // namespace

Status encrypt_section(const ContentKey& key, const std::string& label, const uint8_t* plain,
                       size_t size, uint32_t chunk, const ByteSink& sink) {
  crypto_secretstream_xchacha20poly1305_state state;
  uint8_t header[kStreamHeader];
  crypto_secretstream_xchacha20poly1305_init_push(&state, header, key.data());
  OUTPOST_RETURN_IF_ERROR(sink(header, sizeof(header)));
  std::vector<uint8_t> out(std::min<size_t>(chunk, std::max<size_t>(size, 1)) + kChunkOverhead);
  size_t at = 0;
  do {
    const size_t n = std::min<size_t>(chunk, size - at);
    const bool last = at + n == size;
    unsigned long long written = 0;
    crypto_secretstream_xchacha20poly1305_push(
        &state, out.data(), &written, plain + at, n, label_bytes(label), label.size(),
        last ? crypto_secretstream_xchacha20poly1305_TAG_FINAL : 0);
    OUTPOST_RETURN_IF_ERROR(sink(out.data(), static_cast<size_t>(written)));
    at += n;
  } while (at < size);
  sodium_memzero(&state, sizeof(state));
  return Status::ok();
}

Status decrypt_section(const ContentKey& key, const std::string& label, const uint8_t* stored,
                       size_t stored_size, uint32_t chunk, uint8_t* out, size_t plain_size) {
  auto fail = [&](const std::string& why) {
    return Status(StatusCode::kDecryptFailed, "the " + label + " section does not decrypt: " + why);
  };
  if (stored_size != encrypted_bytes(plain_size, chunk))
    return fail("its size does not match the metadata");
  crypto_secretstream_xchacha20poly1305_state state;
  if (crypto_secretstream_xchacha20poly1305_init_pull(&state, stored, key.data()) != 0)
    return fail("bad stream header");
  size_t in_at = kStreamHeader, out_at = 0;
  bool final_seen = false;
  while (!final_seen) {
    const size_t n = std::min<size_t>(chunk, plain_size - out_at);
    // The sizes were checked above, so every chunk lies inside `stored` and `out`.
    unsigned long long got = 0;
    unsigned char tag = 0;
    if (crypto_secretstream_xchacha20poly1305_pull(&state, out + out_at, &got, &tag, stored + in_at,
                                                   n + kChunkOverhead, label_bytes(label),
                                                   label.size()) != 0) {
      sodium_memzero(&state, sizeof(state));
      return fail("chunk at plaintext offset " + std::to_string(out_at) +
                  " does not authenticate (wrong key or damaged bytes)");
    }
    in_at += n + kChunkOverhead;
    out_at += n;
    final_seen = tag == crypto_secretstream_xchacha20poly1305_TAG_FINAL;
    if (!final_seen && out_at == plain_size) return fail("the final chunk is missing");
    if (final_seen && out_at != plain_size) return fail("the stream ends early");
  }
  sodium_memzero(&state, sizeof(state));
  return Status::ok();
}

}  // namespace outpost::bundle
