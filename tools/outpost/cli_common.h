// Shared pieces of the outpost CLI: flags every model command takes, output in text or JSON,
// and the mapping of Status to exit codes (docs/cli.md).
#pragma once

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "bundle/open.h"
#include "outpost/session.h"
#include "outpost/status.h"

namespace outpost::cli {

// Flags of every command that runs a model.
struct ModelFlags {
  std::string model;
  int threads = 0;
  std::string backend = "auto";
  bool json = false;
  std::string log_level = "warning";
  // For bundles (.opk): the trust store and this device's key; empty falls back to the
  // environment (OUTPOST_TRUST_DIR, OUTPOST_DEVICE_KEY).
  std::string trust_dir;
  std::string device_key;

  SessionOptions session_options() const;
};

// Adds MODEL, --threads, --backend, --json, --log-level, --trust and --device-key to `cmd`.
void add_model_flags(CLI::App* cmd, ModelFlags& flags);

// Opens a session and measures how long it took (milliseconds) when `init_ms` is given. A
// bundle (recognised by its magic) is verified and, when encrypted, decrypted in memory first.
Result<std::unique_ptr<Session>> open_session(const ModelFlags& flags, double* init_ms = nullptr);

// The trust store and device key for bundles, from the flags or else the environment. The
// device key is absent when neither names one.
struct BundleKeys {
  bundle::TrustStore trust;
  std::optional<bundle::KeyPair> device;
};
Result<BundleKeys> load_bundle_keys(const std::string& trust_dir, const std::string& device_key);

// Prints `j` as one line of JSON on stdout.
void print_json(const nlohmann::json& j);

// The registry of subcommands: each file adds its own.
using CommandAction = std::function<Status()>;
void set_action(CLI::App* cmd, CommandAction action);
int run_cli(int argc, char** argv);

// Seconds on a monotonic clock.
double now_seconds();
// Peak resident set size of this process, in bytes.
size_t peak_rss_bytes();

nlohmann::json tensor_info_json(const Tensor& t);
std::string describe_tensor(const Tensor& t);  // "input: uint8 [1, 224, 224, 3] scale=... zero_point=..."

}  // namespace outpost::cli
