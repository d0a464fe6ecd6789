#include "bundle/open.h"

#include <sodium.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "bundle/private_copy.h"
#include "bundle/secret_memory.h"
#include "bundle/stream_cipher.h"
#include "core/npy.h"
#include "core/regular_file.h"

namespace outpost::bundle {
namespace {

bool hash_matches(const uint8_t* data, size_t size, const std::string& hex) {
  uint8_t hash[32], expected[32];
  size_t len = 0;
  if (sodium_hex2bin(expected, sizeof(expected), hex.data(), hex.size(), nullptr, &len, nullptr) !=
          0 ||
      len != sizeof(expected))
    return false;
  crypto_generichash(hash, sizeof(hash), data, size, nullptr, 0);
  return sodium_memcmp(hash, expected, sizeof(hash)) == 0;
}

// Finds this device's recipient entry and opens the sealed content key.
Status unseal_content_key(const BundleLayout& l, const KeyPair& device, const std::string& what,
                          ContentKey& key) {
  if (device.publisher || !device.has_secret)
    return Status(
        StatusCode::kDecryptFailed,
        "--device-key must be a device secret key (NAME.device.key), not '" + device.name + "'");
  const KeyId id = device.id();
  for (uint32_t i = 0; i < l.recipient_count; ++i) {
    const uint8_t* entry = l.recipients.data + size_t{i} * kRecipientBytes;
    if (std::memcmp(entry, id.data(), id.size()) != 0) continue;
    if (crypto_box_seal_open(key.data(), entry + kKeyIdBytes, kSealedKeyBytes,
                             device.public_key.data(), device.secret.data()) != 0)
      return Status(StatusCode::kDecryptFailed,
                    "bundle '" + what + "': the content key sealed for device '" + device.name +
                        "' does not open (damaged recipient entry)");
    return Status::ok();
  }
  return Status(
      StatusCode::kDecryptFailed,
      "bundle '" + what + "' is not encrypted for device '" + device.name + "' (key id " +
          key_id_hex(id) + "); it has " + std::to_string(l.recipient_count) +
          " recipient(s): ask the publisher to pack it with --encrypt-for this device's .pub");
}

Status decode_golden(const uint8_t* plain, const BundleMetadata& m, const std::string& what,
                     std::vector<GoldenTensor>& out) {
  for (const auto& e : m.golden) {
    auto t = parse_npy(plain + e.offset, static_cast<size_t>(e.size),
                       "golden tensor '" + e.name + "' of '" + what + "'");
    if (!t.is_ok()) return invalid_model(t.status().message());
    out.push_back({e.input, e.name, std::move(t).value()});
  }
  return Status::ok();
}

// Before a content key or a plaintext model exists in this process: no core file may carry them
// out (MADV_DONTDUMP covers the model's pages, not the key on the stack or the importer's
// copies), and not dumpable also keeps other processes of the same user from ptrace-attaching
// or reading /proc/PID/mem. For the rest of the process's life: its memory holds the model.
Status disable_core_dumps() {
  struct rlimit none {};
  if (::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0 || ::setrlimit(RLIMIT_CORE, &none) != 0)
    return internal_error(std::string("cannot disable core dumps before decrypting: ") +
                          std::strerror(errno));
  return Status::ok();
}

}  // namespace

bool is_bundle_file(const std::string& path) {
  // Not a regular file: not a bundle; whoever opens it next says what it is instead.
  auto file = open_regular_file(path);
  if (!file.is_ok()) return false;
  uint8_t magic[8] = {};
  return ::pread(file->fd(), magic, sizeof(magic), 0) == static_cast<ssize_t>(sizeof(magic)) &&
         has_bundle_magic(magic, sizeof(magic));
}

Result<OpenedBundle> open_bundle(const uint8_t* data, size_t size, const TrustStore& trust,
                                 const KeyPair* device_key, const OpenOptions& options,
                                 std::shared_ptr<const void> data_owner) {
  OUTPOST_RETURN_IF_ERROR(ensure_sodium());
  const std::string what = options.what.empty() ? "(in memory)" : options.what;
  OUTPOST_ASSIGN_OR_RETURN(BundleLayout l, parse_layout(data, size, what));

  OpenedBundle b;
  b.publisher_id = l.publisher_id;
  const KeyPair* publisher = trust.find(l.publisher_id);
  if (!publisher)
    return Status(StatusCode::kUntrusted,
                  "bundle '" + what + "' is signed by an unknown publisher (key id " +
                      key_id_hex(l.publisher_id) + "); add its .pub to the trust store '" +
                      trust.source() + "' if you trust it");
  b.publisher = publisher->name;
  crypto_sign_state state;
  crypto_sign_init(&state);
  crypto_sign_update(&state, l.signed_bytes.data, l.signed_bytes.size);
  if (crypto_sign_final_verify(&state, l.signature, publisher->public_key.data()) != 0)
    return Status(StatusCode::kBadSignature,
                  "bundle '" + what + "' does not verify against publisher '" + publisher->name +
                      "': it was modified after signing (tampered or damaged); do not use it");

  // Everything below is authenticated, but still checked: a trusted packer may have a bug.
  OUTPOST_ASSIGN_OR_RETURN(b.metadata, parse_metadata(l.metadata.data, l.metadata.size, what));
  const BundleMetadata& m = b.metadata;
  OUTPOST_ASSIGN_OR_RETURN(SemVer ours, parse_semver(OUTPOST_VERSION, "Outpost version"));
  if (compare_semver(m.min_outpost_version, ours) > 0)
    return Status(StatusCode::kTooNew, "bundle '" + what + "' needs Outpost " +
                                           m.min_outpost_version.text + " or newer; this is " +
                                           OUTPOST_VERSION + " (upgrade Outpost)");
  if (!options.min_bundle_version.empty()) {
    OUTPOST_ASSIGN_OR_RETURN(SemVer min, parse_semver(options.min_bundle_version, "--min-version"));
    if (compare_semver(m.version, min) < 0)
      return Status(StatusCode::kTooOld, "bundle '" + what + "' is " + m.name + " " +
                                             m.version.text + ", older than the required " +
                                             min.text + " (a replayed old bundle?)");
  }
  b.encrypted = l.encrypted();
  b.recipients = l.recipient_count;
  const uint64_t want_model =
      b.encrypted ? encrypted_bytes(m.model_size, l.chunk_bytes) : m.model_size;
  const uint64_t want_golden =
      b.encrypted ? encrypted_bytes(m.golden_size, l.chunk_bytes) : m.golden_size;
  if (want_model != l.model.size || want_golden != l.golden.size)
    return invalid_model("bundle '" + what +
                         "' is corrupt: section sizes do not match its metadata");

  const uint8_t* golden_plain = l.golden.data;
  std::shared_ptr<uint8_t> golden_buffer;
  if (!b.encrypted) {
    b.model = l.model.data;
    b.model_size = l.model.size;
    b.keep_alive = std::move(data_owner);
  } else {
    if (!device_key) {
      if (!options.require_model) return b;
      return Status(
          StatusCode::kDecryptFailed,
          "bundle '" + what + "' is encrypted for " + std::to_string(l.recipient_count) +
              " device(s); pass --device-key NAME.device.key (or set OUTPOST_DEVICE_KEY)");
    }
    OUTPOST_RETURN_IF_ERROR(disable_core_dumps());
    ContentKey key{};
    OUTPOST_RETURN_IF_ERROR(unseal_content_key(l, *device_key, what, key));
    auto model = allocate_secret(static_cast<size_t>(m.model_size));
    auto golden = allocate_secret(options.load_golden ? static_cast<size_t>(m.golden_size) : 0);
    Status s = !model.is_ok() ? model.status() : !golden.is_ok() ? golden.status() : Status::ok();
    if (s.is_ok())
      s = decrypt_section(key, "model", l.model.data, l.model.size, l.chunk_bytes, model->get(),
                          m.model_size);
    if (s.is_ok() && options.load_golden)
      s = decrypt_section(key, "golden", l.golden.data, l.golden.size, l.chunk_bytes, golden->get(),
                          m.golden_size);
    sodium_memzero(key.data(), key.size());
    if (!s.is_ok()) return s.with_context("bundle '" + what + "'");
    b.model = model->get();
    b.model_size = static_cast<size_t>(m.model_size);
    b.keep_alive = model.value();
    golden_buffer = golden.value();
    golden_plain = golden_buffer.get();
  }
  if (options.check_model_hash && !hash_matches(b.model, b.model_size, m.model_blake2b))
    return Status(
        StatusCode::kBadSignature,
        "bundle '" + what + "': the model does not match the BLAKE2b hash in its metadata");
  if (!options.load_golden) return b;
  if (!hash_matches(golden_plain, static_cast<size_t>(m.golden_size), m.golden_blake2b))
    return Status(
        StatusCode::kBadSignature,
        "bundle '" + what + "': the golden vectors do not match the hash in its metadata");
  OUTPOST_RETURN_IF_ERROR(decode_golden(golden_plain, m, what, b.golden));
  return b;
}

Result<OpenedBundle> open_bundle_file(const std::string& path, const TrustStore& trust,
                                      const KeyPair* device_key, OpenOptions options) {
  // Read, not mapped: the bytes the signature covers must be the bytes that run afterwards.
  OUTPOST_ASSIGN_OR_RETURN(PrivateCopy file, read_private_copy(path));
  if (options.what.empty()) options.what = path;
  return open_bundle(file.data, file.size, trust, device_key, options, file.keep_alive);
}

}  // namespace outpost::bundle
