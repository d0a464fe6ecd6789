#include "bundle/pack.h"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <map>

#include "bundle/metadata.h"
#include "core/mapped_file.h"
#include "core/npy.h"
#include "outpost/session.h"

namespace outpost::bundle {
namespace {

std::string hex_blake2b(const uint8_t* data, size_t size) {
  uint8_t hash[32];
  crypto_generichash(hash, sizeof(hash), data, size, nullptr, 0);
  char hex[65];
  sodium_bin2hex(hex, sizeof(hex), hash, sizeof(hash));
  return hex;
}

std::string utc_now() {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

nlohmann::json tensor_json(const Tensor& t) {
  nlohmann::json j = {
      {"name", t.name}, {"dtype", dtype_name(t.dtype())}, {"shape", t.shape().dims()}};
  if (!t.quant.empty())
    j["quantization"] = {
        {"scale", t.quant.scale}, {"zero_point", t.quant.zero_point}, {"axis", t.quant.axis}};
  return j;
}

Result<Tensor> copy_tensor(const Tensor& t) {
  OUTPOST_ASSIGN_OR_RETURN(Tensor copy, Tensor::allocate(t.dtype(), t.shape()));
  std::memcpy(copy.data(), t.data(), t.byte_size());
  copy.name = t.name;
  copy.quant = t.quant;
  return copy;
}

// Loads the model, fills metadata's inputs/outputs/format and computes the golden vectors.
Status describe_and_run(const uint8_t* model, size_t size, const PackOptions& options,
                        BundleMetadata& meta, std::vector<GoldenTensor>& golden) {
  // Opened as a device will open the bundle: a model that needs a file beside it (ONNX external
  // data) cannot be packed, since the bundle would not carry, nor sign, those bytes.
  SessionOptions sealed;
  sealed.external_data_files = false;
  auto opened = Session::open_buffer(model, size, nullptr, options.name, sealed);
  if (!opened.is_ok() && opened.status().message().find("external data") != std::string::npos)
    return Status(opened.status().code(),
                  opened.status().message() +
                      "; pack refuses it: save the ONNX model with its weights inline "
                      "(onnx.save(model, path, save_as_external_data=False))");
  OUTPOST_ASSIGN_OR_RETURN(auto session, std::move(opened));
  meta.model_format = session->stats().format;
  for (size_t i = 0; i < session->num_inputs(); ++i)
    meta.inputs.push_back(tensor_json(session->input(i)));
  for (size_t i = 0; i < session->num_outputs(); ++i)
    meta.outputs.push_back(tensor_json(session->output(i)));
  if (options.golden_mode == GoldenMode::kNone) return Status::ok();

  // Given tensors are matched by name: a model input's name makes it an input, an output's
  // name an output. An unnamed tensor is the input of a single-input model.
  std::map<std::string, const Tensor*> given_in, given_out;
  if (options.golden_mode == GoldenMode::kGiven) {
    auto is_name_of = [](const std::string& name, size_t count, auto&& tensor_at) {
      for (size_t i = 0; i < count; ++i)
        if (tensor_at(i).name == name) return true;
      return false;
    };
    for (const auto& g : options.golden) {
      const bool unnamed_single = g.name.empty() && session->num_inputs() == 1;
      const std::string name = unnamed_single ? session->input(0).name : g.name;
      if (is_name_of(name, session->num_inputs(),
                     [&](size_t i) -> const Tensor& { return session->input(i); })) {
        given_in[name] = &g.tensor;
      } else if (is_name_of(name, session->num_outputs(),
                            [&](size_t i) -> const Tensor& { return session->output(i); })) {
        given_out[name] = &g.tensor;
      } else {
        return usage_error("golden tensor '" + g.name + "' names no input or output of the model");
      }
    }
  }
  for (size_t i = 0; i < session->num_inputs(); ++i) {
    Tensor& in = session->input(i);
    if (options.golden_mode == GoldenMode::kAuto) {
      fill_golden_input(in, static_cast<uint32_t>(i + 1));
    } else {
      auto it = given_in.find(in.name);
      if (it == given_in.end())
        return usage_error("no golden input for the model's input '" + in.name + "'");
      OUTPOST_RETURN_IF_ERROR(
          session->set_input(i, *it->second).with_context("golden input '" + in.name + "'"));
      given_in.erase(it);
    }
    OUTPOST_ASSIGN_OR_RETURN(Tensor copy, copy_tensor(in));
    golden.push_back({true, in.name, std::move(copy)});
  }
  if (!given_in.empty())
    return usage_error("golden input '" + given_in.begin()->first +
                       "' is not an input of the model");
  OUTPOST_RETURN_IF_ERROR(session->run());
  for (size_t i = 0; i < session->num_outputs(); ++i) {
    const Tensor& out = session->output(i);
    auto it = given_out.find(out.name);
    if (it != given_out.end()) {
      if (options.check_given_outputs) {
        const Comparison c = compare_to_golden(out, *it->second, out.name);
        if (!c.ok)
          return Status(StatusCode::kGoldenMismatch,
                        "the model does not reproduce the given golden outputs: " + c.message);
      }
      OUTPOST_ASSIGN_OR_RETURN(Tensor copy, copy_tensor(*it->second));
      golden.push_back({false, out.name, std::move(copy)});
      given_out.erase(it);
    } else {
      OUTPOST_ASSIGN_OR_RETURN(Tensor copy, copy_tensor(out));
      golden.push_back({false, out.name, std::move(copy)});
    }
  }
  if (!given_out.empty())
    return usage_error("golden output '" + given_out.begin()->first +
                       "' is not an output of the model");
  return Status::ok();
}

}  // namespace

Status pack_bundle(const uint8_t* model, size_t size, const KeyPair& signer,
                   const PackOptions& options, const ByteSink& sink) {
  OUTPOST_RETURN_IF_ERROR(ensure_sodium());
  if (!signer.publisher || !signer.has_secret)
    return usage_error("--sign needs a publisher secret key (NAME.publisher.key), not '" +
                       signer.name + "'");
  if (options.name.empty() || options.name.size() > 256)
    return usage_error("--name must be 1-256 characters");
  if (options.chunk_bytes < kMinChunkBytes || options.chunk_bytes > kMaxChunkBytes)
    return usage_error("bad chunk size");
  BundleMetadata meta;
  meta.name = options.name;
  OUTPOST_ASSIGN_OR_RETURN(meta.version, parse_semver(options.version, "--bundle-version"));
  OUTPOST_ASSIGN_OR_RETURN(meta.min_outpost_version,
                           parse_semver(options.min_outpost_version, "minimum Outpost version"));
  meta.created = options.created.empty() ? utc_now() : options.created;
  meta.publisher = signer.name;
  meta.labels = options.labels;
  if (!options.preprocess_json.empty()) {
    meta.preprocess = nlohmann::json::parse(options.preprocess_json, nullptr, false);
    if (meta.preprocess.is_discarded() || !meta.preprocess.is_object())
      return usage_error("--preprocess must be a JSON object (a ModelSpec preprocess section)");
  }
  std::vector<GoldenTensor> golden;
  OUTPOST_RETURN_IF_ERROR(describe_and_run(model, size, options, meta, golden)
                              .with_context("packing '" + options.name + "'"));
  meta.model_size = size;
  meta.model_blake2b = hex_blake2b(model, size);
  std::vector<uint8_t> golden_bytes;
  for (const auto& g : golden) {
    const std::vector<uint8_t> npy = encode_npy(g.tensor);
    meta.golden.push_back({g.input, g.name, golden_bytes.size(), npy.size()});
    golden_bytes.insert(golden_bytes.end(), npy.begin(), npy.end());
  }
  meta.golden_size = golden_bytes.size();
  meta.golden_blake2b = hex_blake2b(golden_bytes.data(), golden_bytes.size());
  const std::string meta_text = metadata_to_json(meta);
  if (meta_text.size() > kMaxMetadataBytes)
    return usage_error("metadata larger than 16 MiB (labels?)");

  // One content key for both sections, sealed to each device; duplicates are dropped.
  std::map<KeyId, std::array<uint8_t, kSealedKeyBytes>> sealed;
  ContentKey key{};
  const bool encrypt = !options.encrypt_for.empty();
  if (encrypt) {
    crypto_secretstream_xchacha20poly1305_keygen(key.data());
    for (const auto& device : options.encrypt_for) {
      if (device.publisher)
        return usage_error("--encrypt-for needs device public keys, not publisher key '" +
                           device.name + "'");
      crypto_box_seal(sealed[device.id()].data(), key.data(), key.size(), device.public_key.data());
    }
  }
  HeaderFields h;
  h.flags = encrypt ? kFlagEncrypted : 0;
  h.metadata_bytes = static_cast<uint32_t>(meta_text.size());
  h.recipient_count = static_cast<uint32_t>(sealed.size());
  h.chunk_bytes = encrypt ? options.chunk_bytes : 0;
  h.model_stored_bytes = encrypt ? encrypted_bytes(size, options.chunk_bytes) : size;
  h.golden_stored_bytes =
      encrypt ? encrypted_bytes(golden_bytes.size(), options.chunk_bytes) : golden_bytes.size();

  std::array<uint8_t, crypto_sign_SECRETKEYBYTES> sk{};
  std::array<uint8_t, crypto_sign_PUBLICKEYBYTES> pk{};
  crypto_sign_seed_keypair(pk.data(), sk.data(), signer.secret.data());
  crypto_sign_state state;
  crypto_sign_init(&state);
  // Every byte goes through here, so the signature covers exactly what was written.
  const ByteSink emit = [&](const uint8_t* p, size_t n) {
    crypto_sign_update(&state, p, n);
    return sink(p, n);
  };
  Status s = [&]() -> Status {
    uint8_t header[kHeaderBytes];
    encode_header(h, header);
    OUTPOST_RETURN_IF_ERROR(emit(header, sizeof(header)));
    OUTPOST_RETURN_IF_ERROR(
        emit(reinterpret_cast<const uint8_t*>(meta_text.data()), meta_text.size()));
    for (const auto& [id, box] : sealed) {
      OUTPOST_RETURN_IF_ERROR(emit(id.data(), id.size()));
      OUTPOST_RETURN_IF_ERROR(emit(box.data(), box.size()));
    }
    const uint64_t pad = model_offset(h.metadata_bytes, h.recipient_count) - kHeaderBytes -
                         meta_text.size() - sealed.size() * kRecipientBytes;
    const uint8_t zeros[kModelAlignment] = {};
    OUTPOST_RETURN_IF_ERROR(emit(zeros, static_cast<size_t>(pad)));
    if (encrypt) {
      OUTPOST_RETURN_IF_ERROR(
          encrypt_section(key, "model", model, size, options.chunk_bytes, emit));
      OUTPOST_RETURN_IF_ERROR(encrypt_section(key, "golden", golden_bytes.data(),
                                              golden_bytes.size(), options.chunk_bytes, emit));
    } else {
      OUTPOST_RETURN_IF_ERROR(emit(model, size));
      OUTPOST_RETURN_IF_ERROR(emit(golden_bytes.data(), golden_bytes.size()));
    }
    const KeyId publisher_id = key_id_of(pk);
    OUTPOST_RETURN_IF_ERROR(emit(publisher_id.data(), publisher_id.size()));
    uint8_t signature[crypto_sign_BYTES];
    crypto_sign_final_create(&state, signature, nullptr, sk.data());
    return sink(signature, sizeof(signature));
  }();
  sodium_memzero(key.data(), key.size());
  sodium_memzero(sk.data(), sk.size());
  return s;
}

Result<std::vector<uint8_t>> pack_bundle_to_memory(const uint8_t* model, size_t size,
                                                   const KeyPair& signer,
                                                   const PackOptions& options) {
  std::vector<uint8_t> out;
  OUTPOST_RETURN_IF_ERROR(
      pack_bundle(model, size, signer, options, [&out](const uint8_t* p, size_t n) {
        out.insert(out.end(), p, p + n);
        return Status::ok();
      }));
  return out;
}

Status pack_bundle_file(const std::string& model_path, const KeyPair& signer,
                        const PackOptions& options, const std::string& out_path) {
  OUTPOST_ASSIGN_OR_RETURN(auto model, MappedFile::open(model_path));
  std::string tmp = out_path + ".XXXXXX";
  const int fd = ::mkstemp(tmp.data());
  if (fd < 0) return io_error("cannot create '" + out_path + "': " + std::strerror(errno));
  ::fchmod(fd, 0644);  // a bundle is meant to be shipped; mkstemp makes 0600
  Status s = pack_bundle(
      model->data(), model->size(), signer, options, [fd, &out_path](const uint8_t* p, size_t n) {
        while (n > 0) {
          const ssize_t w = ::write(fd, p, n);
          if (w < 0 && errno == EINTR) continue;
          if (w <= 0) return io_error("cannot write '" + out_path + "': " + std::strerror(errno));
          p += w;
          n -= static_cast<size_t>(w);
        }
        return Status::ok();
      });
  if (s.is_ok() && ::fsync(fd) != 0)
    s = io_error("cannot write '" + out_path + "': " + std::strerror(errno));
  ::close(fd);
  if (s.is_ok() && ::rename(tmp.c_str(), out_path.c_str()) != 0)
    s = io_error("cannot write '" + out_path + "': " + std::strerror(errno));
  if (!s.is_ok()) ::unlink(tmp.c_str());
  return s;
}

}  // namespace outpost::bundle
