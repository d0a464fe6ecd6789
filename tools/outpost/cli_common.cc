#include "outpost/cli_common.h"

#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <iostream>

namespace outpost::cli {

SessionOptions ModelFlags::session_options() const {
  SessionOptions o;
  o.threads = threads;
  o.backend = backend;
  return o;
}

void add_model_flags(CLI::App* cmd, ModelFlags& flags) {
  cmd->add_option("model", flags.model, "Model file (.tflite)")->required();
  cmd->add_option("--threads", flags.threads, "Compute threads (0: all cores; the reference backend uses one)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--backend", flags.backend, "Backend: auto | ref")->check(CLI::IsMember({"auto", "ref"}));
  cmd->add_flag("--json", flags.json, "Print one JSON object on stdout instead of text");
  cmd->add_option("--log-level", flags.log_level, "Log level: error | warning | info | debug")
      ->check(CLI::IsMember({"error", "warning", "info", "debug"}));
}

Result<std::unique_ptr<Session>> open_session(const ModelFlags& flags, double* init_ms) {
  const double start = now_seconds();
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
