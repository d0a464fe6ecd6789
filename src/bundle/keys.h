// Publisher (Ed25519) and device (X25519) keys, and their text files (docs/bundle-format.md,
// "Key files"): a first line "<type tag> <name>", a second line with the key in base64.
// Secret keys are created with mode 0600 and never overwritten.
#pragma once

#include <array>
#include <cstdint>
#include <string>

#include "outpost/status.h"

namespace outpost::bundle {

constexpr size_t kKeyIdBytes = 16;
using KeyId = std::array<uint8_t, kKeyIdBytes>;

enum class KeyKind { kPublisherSecret, kPublisherPublic, kDeviceSecret, kDevicePublic };

// Both halves of a key pair share a kind of "role"; a secret key file holds the 32-byte seed
// (publisher) or scalar (device) and the public half is derived from it when read.
struct KeyPair {
  bool publisher = true;  // Ed25519 publisher key; false: X25519 device key
  std::string name;
  std::array<uint8_t, 32> public_key{};
  std::array<uint8_t, 32> secret{};  // empty (all zero, has_secret false) for a public key file
  bool has_secret = false;

  KeyId id() const;
  ~KeyPair();  // wipes the secret
};

using PublisherKey = KeyPair;
using DeviceKey = KeyPair;

// libsodium's one-time initialisation; every function here calls it.
Status ensure_sodium();

// "ab12..." (32 hex digits) for messages and listings.
std::string key_id_hex(const KeyId& id);
// BLAKE2b-128 of the raw public key: how a bundle names its publisher and recipients.
KeyId key_id_of(const std::array<uint8_t, 32>& public_key);

Result<KeyPair> generate_key_pair(bool publisher, const std::string& name);

// Writes NAME.publisher.key + NAME.publisher.pub (or .device.) in `dir`; the secret file is
// created with O_CREAT|O_EXCL and mode 0600, and neither file may already exist.
// Returns the two paths written.
Result<std::array<std::string, 2>> write_key_pair(const KeyPair& keys, const std::string& dir);

// Reads a key file of either half. A secret key file readable by group or others is refused.
Result<KeyPair> read_key_file(const std::string& path);
Result<KeyPair> parse_key_text(const std::string& text, const std::string& what);

// The public key file text of `keys` ("<tag> <name>\n<base64>\n").
std::string public_key_text(const KeyPair& keys);

bool valid_key_name(const std::string& name);

}  // namespace outpost::bundle
