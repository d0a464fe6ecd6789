#include "bundle/keys.h"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "core/mapped_file.h"

namespace outpost::bundle {
namespace {

const char* tag_of(bool publisher, bool secret) {
  if (publisher) return secret ? "outpost-publisher-secret-v1" : "outpost-publisher-public-v1";
  return secret ? "outpost-device-secret-v1" : "outpost-device-public-v1";
}

std::string base64(const uint8_t* data, size_t size) {
  const int variant = sodium_base64_VARIANT_ORIGINAL;
  std::string out(sodium_base64_ENCODED_LEN(size, variant), '\0');
  sodium_bin2base64(out.data(), out.size(), data, size, variant);
  out.resize(std::strlen(out.c_str()));
  return out;
}

Status derive_public(KeyPair& keys) {
  if (keys.publisher) {
    std::array<uint8_t, crypto_sign_SECRETKEYBYTES> sk{};
    const int rc = crypto_sign_seed_keypair(keys.public_key.data(), sk.data(), keys.secret.data());
    sodium_memzero(sk.data(), sk.size());
    if (rc != 0) return internal_error("cannot derive an Ed25519 public key");
  } else if (crypto_scalarmult_base(keys.public_key.data(), keys.secret.data()) != 0) {
    return internal_error("cannot derive an X25519 public key");
  }
  return Status::ok();
}

// Writes `text` to a new file; `mode` is applied at creation so there is never a moment with
// wider permissions (the umask can only narrow it).
Status write_new_file(const std::string& path, const std::string& text, mode_t mode) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
  if (fd < 0) {
    if (errno == EEXIST)
      return usage_error("'" + path + "' already exists; refusing to overwrite a key");
    return io_error("cannot create '" + path + "': " + std::strerror(errno));
  }
  size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const std::string why = std::strerror(errno);
      ::close(fd);
      ::unlink(path.c_str());
      return io_error("cannot write '" + path + "': " + why);
    }
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) return io_error("cannot write '" + path + "'");
  return Status::ok();
}

}  // namespace

KeyPair::~KeyPair() { sodium_memzero(secret.data(), secret.size()); }

KeyId KeyPair::id() const { return key_id_of(public_key); }

Status ensure_sodium() {
  // sodium_init is thread safe and returns 1 when already initialised.
  if (sodium_init() < 0) return internal_error("libsodium failed to initialise");
  return Status::ok();
}

std::string key_id_hex(const KeyId& id) {
  std::string hex(id.size() * 2 + 1, '\0');
  sodium_bin2hex(hex.data(), hex.size(), id.data(), id.size());
  hex.pop_back();
  return hex;
}

KeyId key_id_of(const std::array<uint8_t, 32>& public_key) {
  KeyId id{};
  crypto_generichash(id.data(), id.size(), public_key.data(), public_key.size(), nullptr, 0);
  return id;
}

bool valid_key_name(const std::string& name) {
  if (name.empty() || name.size() > 64 || name[0] == '.') return false;
  for (char c : name)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.')
      return false;
  return true;
}

Result<KeyPair> generate_key_pair(bool publisher, const std::string& name) {
  OUTPOST_RETURN_IF_ERROR(ensure_sodium());
  if (!valid_key_name(name))
    return usage_error("key name '" + name + "' must be 1-64 characters of [A-Za-z0-9._-]");
  KeyPair keys;
  keys.publisher = publisher;
  keys.name = name;
  keys.has_secret = true;
  randombytes_buf(keys.secret.data(), keys.secret.size());
  OUTPOST_RETURN_IF_ERROR(derive_public(keys));
  return keys;
}

std::string public_key_text(const KeyPair& keys) {
  return std::string(tag_of(keys.publisher, false)) + " " + keys.name + "\n" +
         base64(keys.public_key.data(), keys.public_key.size()) + "\n";
}

Result<std::array<std::string, 2>> write_key_pair(const KeyPair& keys, const std::string& dir) {
  if (!keys.has_secret) return internal_error("write_key_pair needs a secret key");
  // A missing key directory is made private (0700), as key stores are; an existing one is
  // left as it is.
  std::error_code ec;
  if (!dir.empty() && !std::filesystem::exists(dir, ec)) {
    std::filesystem::create_directories(dir, ec);
    if (ec)
      return io_error("cannot create the key directory '" + dir + "': " + ec.message());
    std::filesystem::permissions(dir, std::filesystem::perms::owner_all,
                                 std::filesystem::perm_options::replace, ec);
  }
  const std::string stem = (std::filesystem::path(dir) / keys.name).string() +
                           (keys.publisher ? ".publisher" : ".device");
  const std::array<std::string, 2> paths = {stem + ".key", stem + ".pub"};
  for (const auto& p : paths)
    if (std::filesystem::exists(std::filesystem::symlink_status(p)))
      return usage_error("'" + p + "' already exists; refusing to overwrite a key");
  std::string secret_text = std::string(tag_of(keys.publisher, true)) + " " + keys.name + "\n" +
                            base64(keys.secret.data(), keys.secret.size()) + "\n";
  Status s = write_new_file(paths[0], secret_text, 0600);
  sodium_memzero(secret_text.data(), secret_text.size());
  OUTPOST_RETURN_IF_ERROR(s);
  s = write_new_file(paths[1], public_key_text(keys), 0644);
  if (!s.is_ok()) {
    ::unlink(paths[0].c_str());
    return s;
  }
  return paths;
}

Result<KeyPair> parse_key_text(const std::string& text, const std::string& what) {
  OUTPOST_RETURN_IF_ERROR(ensure_sodium());
  auto bad = [&](const std::string& why) {
    return invalid_model("'" + what + "' is not an Outpost key file: " + why +
                         " (make one with `outpost keys gen`)");
  };
  const size_t nl = text.find('\n');
  if (nl == std::string::npos || text.size() > 4096) return bad("expected two lines");
  const std::string first = text.substr(0, nl);
  std::string second = text.substr(nl + 1);
  while (!second.empty() && (second.back() == '\n' || second.back() == '\r')) second.pop_back();
  const size_t space = first.find(' ');
  const std::string tag = first.substr(0, space);
  KeyPair keys;
  keys.name = space == std::string::npos ? "" : first.substr(space + 1);
  bool known = false;
  for (bool publisher : {true, false})
    for (bool secret : {true, false})
      if (tag == tag_of(publisher, secret)) {
        keys.publisher = publisher;
        keys.has_secret = secret;
        known = true;
      }
  if (!known) return bad("unknown type tag '" + tag.substr(0, 40) + "'");
  if (!valid_key_name(keys.name)) return bad("bad key name");
  uint8_t* dest = keys.has_secret ? keys.secret.data() : keys.public_key.data();
  size_t len = 0;
  if (sodium_base642bin(dest, 32, second.data(), second.size(), nullptr, &len, nullptr,
                        sodium_base64_VARIANT_ORIGINAL) != 0 ||
      len != 32)
    return bad("the key is not 32 bytes of base64");
  if (keys.has_secret) OUTPOST_RETURN_IF_ERROR(derive_public(keys));
  return keys;
}

Result<KeyPair> read_key_file(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0)
    return io_error("cannot open key '" + path + "': " + std::strerror(errno));
  OUTPOST_ASSIGN_OR_RETURN(std::string text, read_text_file(path));
  auto keys = parse_key_text(text, path);
  sodium_memzero(text.data(), text.size());
  if (keys.is_ok() && keys->has_secret && (st.st_mode & 077) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof(mode), "%04o", static_cast<unsigned>(st.st_mode & 0777));
    return io_error("secret key '" + path + "' has mode " + mode +
                    "; it must not be readable by group or others (chmod 600 '" + path + "')");
  }
  return keys;
}

}  // namespace outpost::bundle
