#include "outpost/cli_common.h"

#include "bundle/verify.h"

#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>

namespace outpost::cli {

SessionOptions ModelFlags::session_options() const {
  SessionOptions o;
  o.threads = threads;
  o.backend = backend;
  return o;
}

void add_model_flags(CLI::App* cmd, ModelFlags& flags) {
  cmd->add_option("model", flags.model, "Model file (.tflite or .onnx) or bundle (.opk)")->required();
  cmd->add_option("--threads", flags.threads,
                  "Compute threads, the caller's included (0: every core this process may use; 1: no worker threads)");
  cmd->add_option("--backend", flags.backend,
                  "Backend: auto (oneDNN for ONNX convolutions, XNNPACK for TFLite ones, reference for the rest) | xnnpack | onednn | ref")
      ->check(CLI::IsMember({"auto", "xnnpack", "onednn", "ref"}));
  cmd->add_flag("--json", flags.json, "Print one JSON object on stdout instead of text");
  cmd->add_option("--log-level", flags.log_level, "Log level: error | warning | info | debug")
      ->check(CLI::IsMember({"error", "warning", "info", "debug"}));
  cmd->add_option("--trust", flags.trust_dir,
                  "Bundles: directory of trusted publisher .pub keys (default: $OUTPOST_TRUST_DIR)");
  cmd->add_option("--device-key", flags.device_key,
                  "Bundles: this device's secret key, to decrypt (default: $OUTPOST_DEVICE_KEY)");
}

Result<BundleKeys> load_bundle_keys(const std::string& trust_dir, const std::string& device_key) {
  auto from_env = [](const std::string& flag, const char* name) {
    const char* env = std::getenv(name);
    return !flag.empty() ? flag : (env ? std::string(env) : std::string());
  };
  const std::string trust = from_env(trust_dir, "OUTPOST_TRUST_DIR");
  const std::string device = from_env(device_key, "OUTPOST_DEVICE_KEY");
  if (trust.empty())
    return Status(StatusCode::kUntrusted,
                  "a bundle needs a trust store: pass --trust DIR (publisher .pub files) or set OUTPOST_TRUST_DIR");
  BundleKeys keys;
  OUTPOST_ASSIGN_OR_RETURN(keys.trust, bundle::TrustStore::load(trust));
  if (!device.empty()) {
    auto key = bundle::read_key_file(device);
    if (!key.is_ok()) return key.status().with_context("--device-key");
    keys.device = std::move(key).value();
  }
  return keys;
}

Result<std::unique_ptr<Session>> open_session(const ModelFlags& flags, double* init_ms) {
  const double start = now_seconds();
  if (bundle::is_bundle_file(flags.model)) {
    OUTPOST_ASSIGN_OR_RETURN(BundleKeys keys, load_bundle_keys(flags.trust_dir, flags.device_key));
    bundle::OpenOptions options;
    options.check_model_hash = false;  // `verify` checks it; the signature already covers it
    options.load_golden = false;       // only `verify` runs them
    OUTPOST_ASSIGN_OR_RETURN(
        bundle::OpenedBundle opened,
        bundle::open_bundle_file(flags.model, keys.trust, keys.device ? &*keys.device : nullptr, options));
    auto session = bundle::open_bundle_session(opened, flags.session_options());
    if (init_ms) *init_ms = (now_seconds() - start) * 1e3;
    return session;
  }
  auto session = Session::open(flags.model, flags.session_options());
  if (init_ms) *init_ms = (now_seconds() - start) * 1e3;
  return session;
}

void print_json(const nlohmann::json& j) { std::cout << j.dump() << std::endl; }

double now_seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

size_t peak_rss_bytes() {
  struct rusage usage {};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<size_t>(usage.ru_maxrss) * 1024;
}

nlohmann::json tensor_info_json(const Tensor& t) {
  nlohmann::json j;
  j["name"] = t.name;
  j["dtype"] = dtype_name(t.dtype());
  j["shape"] = t.shape().dims();
  if (!t.quant.empty()) {
    j["quantization"] = {{"scale", t.quant.scale}, {"zero_point", t.quant.zero_point}, {"axis", t.quant.axis}};
  }
  return j;
}

std::string describe_tensor(const Tensor& t) {
  std::string s = t.name + ": " + dtype_name(t.dtype()) + " " + t.shape().to_string();
  if (!t.quant.empty()) s += " (" + t.quant.to_string() + ")";
  return s;
}

}  // namespace outpost::cli
