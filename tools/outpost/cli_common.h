// Shared pieces of the outpost CLI: flags every model command takes, output in text or JSON,
// and the mapping of Status to exit codes (docs/cli.md).
#pragma once

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>
#include <functional>
#include <memory>
#include <string>

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

  SessionOptions session_options() const;
};

// Adds MODEL, --threads, --backend, --json and --log-level to `cmd`.
void add_model_flags(CLI::App* cmd, ModelFlags& flags);

// Opens a session and measures how long it took (milliseconds) when `init_ms` is given.
Result<std::unique_ptr<Session>> open_session(const ModelFlags& flags, double* init_ms = nullptr);

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
