// Shared pieces of the outpost CLI: flags every model command takes, output in text or JSON,
// and the mapping of Status to exit codes (docs/cli.md).
#pragma once

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "bundle/open.h"
#include "bundle/trust_policy.h"
#include "outpost/session.h"
#include "outpost/status.h"

namespace outpost::cli {

// Flags of every command that runs a model. --log-level is added to every command by run_cli.
struct ModelFlags {
  std::string model;
  int threads = 0;
  std::string backend = "auto";
  bool json = false;
  // For bundles (.opk): the trust store and this device's key; empty falls back to the
  // environment (OUTPOST_TRUST_DIR, OUTPOST_DEVICE_KEY).
  std::string trust_dir;
  std::string device_key;
  // --allow-unsigned: with a trust store, load a plain model anyway (logged every time).
  bool allow_unsigned = false;
  // --expect-name: the signed name a bundle must have.
  std::string expect_name;
  // --state-dir (else $OUTPOST_STATE_DIR; neither: no anti-rollback) and --allow-downgrade.
  std::string state_dir;
  bool allow_downgrade = false;
  // --input-shape NAME=DIMS ("x=1x3x640x640"): shapes for inputs whose dimensions vary.
  std::vector<std::string> input_shapes;
  // --sequence-length NAME=N: the length of a sequence input (ONNX); --absent NAME: an optional
  // input left empty.
  std::vector<std::string> sequence_lengths;
  std::vector<std::string> absent_inputs;
  // --signature KEY: the TFLite signature to run (empty: the model's first, if any).
  std::string signature;

  // kUsage for an --input-shape that does not read as NAME=DIMS, a --sequence-length that does
  // not read as NAME=N.
  Result<SessionOptions> session_options() const;
};

// Adds MODEL, --threads, --backend, --json, --trust, --device-key, --input-shape,
// --sequence-length, --absent and --signature to `cmd`, and the trust policy's flags
// (add_trust_flags).
void add_model_flags(CLI::App* cmd, ModelFlags& flags);
// Adds --trust, --device-key, --allow-unsigned, --expect-name, --state-dir and --allow-downgrade:
// what every command that loads a model takes.
void add_trust_flags(CLI::App* cmd, ModelFlags& flags);
// Adds --json ("Print one JSON object on stdout"); every command has it.
void add_json_flag(CLI::App* cmd, bool& json);

// Checks for option values that say what is allowed in words ("a whole number from 1 to
// 1000000"), where CLI11's own print the limits of the type (a 309-digit double).
CLI::Validator whole_number(long long min, long long max);
CLI::Validator number_between(double min, double max);
// One of `choices`, with the closest one suggested for a typo.
CLI::Validator one_of(std::vector<std::string> choices);

// Opens a session and measures how long it took (milliseconds) when `init_ms` is given, through
// the trust policy the flags and environment give (bundle::load_trusted_model): a bundle
// (recognised by its magic) is verified and, when encrypted, decrypted in memory first; with a
// trust store, anything else is refused unless --allow-unsigned. `trusted`, when given,
// receives what vouches for the model (a bundle's signed metadata).
// Unless `shapes_may_come_later` (run and bench take them from their .npy inputs, inspect shows
// the model without them), an input whose dimensions vary and were not given (--input-shape)
// is kShapeMismatch naming it.
Result<std::unique_ptr<Session>> open_session(const ModelFlags& flags, double* init_ms = nullptr,
                                              bool shapes_may_come_later = false,
                                              bundle::TrustedModel* trusted = nullptr);
// kShapeMismatch naming the first input with a dimension still unknown, and how to give it.
Status require_input_shapes(const Session& session, const std::string& model);

// The trust store and device key for bundles, from the flags or else the environment. The
// device key is absent when neither names one.
struct BundleKeys {
  bundle::TrustStore trust;
  std::optional<bundle::KeyPair> device;
};
Result<BundleKeys> load_bundle_keys(const std::string& trust_dir, const std::string& device_key);
// The trust policy of the flags, or else the environment: no trust store when neither names one.
Result<bundle::TrustPolicy> trust_policy(const ModelFlags& flags);

// Fills the session's inputs from `specs` ("NAME=FILE.npy", or "FILE.npy" for a single-input
// model), as `run` and `bench` take them; with no specs, fills every input with a fixed
// deterministic pattern and sets `*filled`.
Status feed_inputs(Session& session, const std::vector<std::string>& specs, bool* filled);

// The JSON text of `j`, never throwing: every string (value or key) that is not valid UTF-8
// (a file name from an old SD card) has each invalid byte written as the four characters
// \xNN, like Python's "backslashreplace" (docs/cli.md). Every command prints JSON through it.
std::string json_text(const nlohmann::json& j);
// Prints json_text(j) as one line on stdout.
void print_json(const nlohmann::json& j);
// Writes json_text(j) to `path` (kIoError naming it on failure).
Status write_json_file(const std::string& path, const nlohmann::json& j);
// {"error": {"exit_code": N, "category": "...", "message": "..."}}: what a command run with
// --json prints on stdout when it fails (the human message still goes to stderr).
nlohmann::json error_json(const Status& status);

// A command whose --json output already carries its error (pipeline run's summary with an
// "error" member) says so, and the CLI prints no second error object.
void set_json_error_printed();
bool json_error_printed();

// The registry of subcommands: each file adds its own.
using CommandAction = std::function<Status()>;
void set_action(CLI::App* cmd, CommandAction action);
int run_cli(int argc, char** argv);

// Seconds on a monotonic clock.
double now_seconds();
// Peak resident set size of this process, in bytes.
size_t peak_rss_bytes();
// Resident set size of this process now, in bytes (0 where /proc is not mounted).
size_t current_rss_bytes();

nlohmann::json tensor_info_json(const Tensor& t);
std::string describe_tensor(const Tensor& t);  // "input: uint8 [1, 224, 224, 3] scale=... zero_point=..."

}  // namespace outpost::cli
