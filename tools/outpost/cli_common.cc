#include "outpost/cli_common.h"

#include <sys/resource.h>
#include <unistd.h>

#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <limits>
#include <set>

#include "bundle/verify.h"
#include "core/json_text.h"
#include "core/log.h"
#include "core/npy.h"
#include "core/utf8.h"
#include "ir/input_shapes.h"
#include "outpost/tensor_summary.h"
#include "outpost/usage_errors.h"

namespace outpost::cli {

namespace {

// "1x3x640x640" as a shape; nullopt for anything else.
std::optional<Shape> dims_of(const std::string& text) {
  std::vector<int64_t> dims;
  size_t at = 0;
  while (at <= text.size()) {
    const size_t x = std::min(text.find('x', at), text.size());
    const std::string part = text.substr(at, x - at);
    if (part.empty() || part.size() > 9 ||
        part.find_first_not_of("0123456789") != std::string::npos)
      return std::nullopt;
    dims.push_back(std::stoll(part));
    at = x + 1;
  }
  return Shape(dims);
}

}  // namespace

Result<SessionOptions> ModelFlags::session_options() const {
  SessionOptions o;
  o.threads = threads;
  o.backend = backend;
  o.signature = signature;
  for (const std::string& spec : input_shapes) {
    const auto eq = spec.find('=');
    const std::optional<Shape> dims =
        eq == std::string::npos ? std::nullopt : dims_of(spec.substr(eq + 1));
    if (eq == 0 || !dims)
      return usage_error("--input-shape '" + spec +
                         "' should read NAME=DIMS, the dimensions joined by x (x=1x3x640x640)");
    o.input_shapes[spec.substr(0, eq)] = *dims;
  }
  for (const std::string& spec : sequence_lengths) {
    const auto eq = spec.find('=');
    const std::string n = eq == std::string::npos ? "" : spec.substr(eq + 1);
    if (eq == 0 || n.empty() || n.size() > 9 || n.find_first_not_of("0123456789") != std::string::npos)
      return usage_error("--sequence-length '" + spec +
                         "' should read NAME=N, N the sequence's length, 0 or more (seq=3)");
    o.sequence_lengths[spec.substr(0, eq)] = std::stoi(n);
  }
  o.absent_inputs.insert(absent_inputs.begin(), absent_inputs.end());
  return o;
}

Status require_input_shapes(const Session& session, const std::string& model) {
  for (size_t i = 0; i < session.num_inputs(); ++i) {
    const Tensor& in = const_cast<Session&>(session).input(i);
    if (in.shape().is_static()) continue;
    if (is_any_rank(in.shape()))
      return shape_mismatch(model + ": input '" + in.name + "' has no declared shape: give it with "
                            "--input-shape " + in.name + "=DIMS (your sizes)");
    std::string example;
    for (size_t k = 0; k < in.shape().rank(); ++k)
      example += (k ? "x" : "") + std::to_string(in.shape()[k] < 0 ? 1 : in.shape()[k]);
    return shape_mismatch(model + ": input '" + in.name + "' has shape " + in.shape().to_string() +
                          ", its -1 dimensions set at run time: give them with --input-shape " +
                          in.name + "=" + example + " (your sizes)");
  }
  return Status::ok();
}

void add_json_flag(CLI::App* cmd, bool& json) {
  cmd->add_flag("--json", json, "Print one JSON object on stdout (on failure: {\"error\": ...})");
}

void add_trust_flags(CLI::App* cmd, ModelFlags& flags) {
  cmd->add_option("--trust", flags.trust_dir,
                  "Directory of trusted publisher .pub keys (default: $OUTPOST_TRUST_DIR); with "
                  "one, only bundles its publishers signed load");
  cmd->add_option("--device-key", flags.device_key,
                  "Bundles: this device's secret key, to decrypt (default: $OUTPOST_DEVICE_KEY)");
  cmd->add_flag("--allow-unsigned", flags.allow_unsigned,
                "Development only: with a trust store, load a plain model anyway (a warning each "
                "time)");
  cmd->add_option("--expect-name", flags.expect_name,
                  "Refuse a bundle whose signed name is not NAME");
  cmd->add_option("--state-dir", flags.state_dir,
                  "Anti-rollback: where the highest bundle version per name is remembered "
                  "(default: $OUTPOST_STATE_DIR; neither: not remembered)");
  cmd->add_flag("--allow-downgrade", flags.allow_downgrade,
                "Load a bundle older than the highest version of its name loaded before");
}

void add_model_flags(CLI::App* cmd, ModelFlags& flags) {
  cmd->add_option("model", flags.model, "Model file (.tflite or .onnx) or bundle (.opk)")->required();
  cmd->add_option("--threads", flags.threads,
                  "Compute threads, the caller's included (0: every core this process may use; 1: no worker threads)");
  cmd->add_option("--backend", flags.backend,
                  "Backend: auto (oneDNN for ONNX convolutions, XNNPACK for TFLite ones, reference for the rest) | xnnpack | onednn | ref")
      ->check(one_of({"auto", "xnnpack", "onednn", "ref"}));
  add_json_flag(cmd, flags.json);
  add_trust_flags(cmd, flags);
  cmd->add_option("--input-shape", flags.input_shapes,
                  "NAME=DIMS (x=1x3x640x640): the shape of an input whose dimensions the model lets "
                  "vary (repeatable)")
      ->take_all();
  cmd->add_option("--sequence-length", flags.sequence_lengths,
                  "NAME=N (seq=3): the length of a sequence input (ONNX), whose elements are then "
                  "the inputs NAME[0] ... NAME[N-1] (repeatable)")
      ->take_all();
  cmd->add_option("--absent", flags.absent_inputs,
                  "NAME: an optional input (ONNX) to leave empty; others are present (repeatable)")
      ->take_all();
  cmd->add_option("--signature", flags.signature,
                  "KEY: the model's signature to run (TFLite SignatureDefs; default: its first; "
                  "`outpost inspect` lists them)");
}

namespace {

// "3" for whole values, else the shortest text that reads back the same.
std::string number_text(double v) {
  char text[32];
  std::snprintf(text, sizeof(text), "%.15g", v);
  return text;
}

}  // namespace

CLI::Validator whole_number(long long min, long long max) {
  const std::string allowed =
      max == std::numeric_limits<long long>::max()
          ? "a whole number, " + std::to_string(min) + " or more"
          : "a whole number from " + std::to_string(min) + " to " + std::to_string(max);
  return CLI::Validator(
      [min, max, allowed](std::string& text) -> std::string {
        long long v = 0;
        const char* end = text.data() + text.size();
        const auto [ptr, ec] = std::from_chars(text.data(), end, v);
        if (ec != std::errc() || ptr != end || v < min || v > max)
          return "must be " + allowed + ", not '" + text + "'";
        return {};
      },
      std::to_string(min) + " to " +
          (max == std::numeric_limits<long long>::max() ? "any" : std::to_string(max)));
}

CLI::Validator number_between(double min, double max) {
  const std::string allowed = "a number from " + number_text(min) + " to " + number_text(max);
  return CLI::Validator(
      [min, max, allowed](std::string& text) -> std::string {
        char* end = nullptr;
        const double v = std::strtod(text.c_str(), &end);
        if (text.empty() || end != text.c_str() + text.size() || !std::isfinite(v) || v < min ||
            v > max)
          return "must be " + allowed + ", not '" + text + "'";
        return {};
      },
      number_text(min) + " to " + number_text(max));
}

CLI::Validator one_of(std::vector<std::string> choices) {
  std::string list;
  for (const auto& c : choices) list += (list.empty() ? "" : ", ") + c;
  return CLI::Validator(
      [choices, list](std::string& text) -> std::string {
        for (const auto& c : choices)
          if (c == text) return {};
        std::string message = "'" + text + "' is not one of " + list;
        const std::string guess = closest_match(text, choices);
        if (!guess.empty()) message += "; did you mean '" + guess + "'?";
        return message;
      },
      list);
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

namespace {

// What the session became: the backends, threads and memory behind the figures a command
// prints, for --log-level debug.
void log_session(const std::string& model, const Session& session, double ms) {
  const ModelStats& st = session.stats();
  std::string split;
  for (const auto& [backend, nodes] : st.nodes_on_backend)
    split += (split.empty() ? "" : ", ") + std::to_string(nodes) + " on " + backend;
  OUTPOST_LOG_DEBUG(model << ": session ready in " << ms << " ms: " << st.nodes_executed
                          << " nodes (" << split << "), " << st.threads << " thread(s), arena " << st.arena_bytes
                          << " bytes, constants made at load " << st.folded_constant_bytes
                          << " bytes");
}

}  // namespace

Result<bundle::TrustPolicy> trust_policy(const ModelFlags& flags) {
  const char* env = std::getenv("OUTPOST_TRUST_DIR");
  const std::string trust = !flags.trust_dir.empty() ? flags.trust_dir : env ? env : "";
  bundle::TrustPolicy policy;
  policy.allow_unsigned = flags.allow_unsigned;
  policy.expect_name = flags.expect_name;
  const char* state_env = std::getenv("OUTPOST_STATE_DIR");
  policy.state_dir = !flags.state_dir.empty() ? flags.state_dir : state_env ? state_env : "";
  policy.allow_downgrade = flags.allow_downgrade;
  if (trust.empty()) return policy;  // a bundle then says it needs one (load_trusted_model)
  OUTPOST_ASSIGN_OR_RETURN(BundleKeys keys, load_bundle_keys(trust, flags.device_key));
  policy.trust = std::move(keys.trust);
  policy.device_key = std::move(keys.device);
  return policy;
}

Result<std::unique_ptr<Session>> open_session(const ModelFlags& flags, double* init_ms,
                                              bool shapes_may_come_later,
                                              bundle::TrustedModel* trusted) {
  const double start = now_seconds();
  OUTPOST_ASSIGN_OR_RETURN(const SessionOptions options, flags.session_options());
  OUTPOST_LOG_DEBUG("opening " << flags.model << " (backend " << options.backend << ", threads "
                               << options.threads << ")");
  OUTPOST_ASSIGN_OR_RETURN(const bundle::TrustPolicy policy, trust_policy(flags));
  auto loaded = bundle::load_trusted_model(flags.model, policy, options);
  const double ms = (now_seconds() - start) * 1e3;
  if (init_ms) *init_ms = ms;
  if (!loaded.is_ok()) return loaded.status();
  std::unique_ptr<Session> session = std::move(loaded->session);
  if (trusted) *trusted = std::move(loaded).value();
  log_session(flags.model, *session, ms);
  if (!shapes_may_come_later) OUTPOST_RETURN_IF_ERROR(require_input_shapes(*session, flags.model));
  return session;
}

Status feed_inputs(Session& session, const std::vector<std::string>& specs, bool* filled) {
  std::set<int> fed;
  for (const std::string& spec : specs) {
    std::string name, path;
    const auto eq = spec.find('=');
    if (eq == std::string::npos) {
      if (session.num_inputs() != 1)
        return usage_error("--input '" + spec + "' needs the form NAME=FILE.npy: the model has " +
                           std::to_string(session.num_inputs()) + " inputs");
      name = session.input(0).name;
      path = spec;
    } else {
      name = spec.substr(0, eq);
      path = spec.substr(eq + 1);
    }
    int index = session.input_index(name);
    if (index < 0) {
      std::string names;
      for (size_t i = 0; i < session.num_inputs(); ++i)
        names += (i ? ", " : "") + session.input(i).name;
      return usage_error("the model has no input '" + name + "' (its inputs: " + names + ")");
    }
    OUTPOST_LOG_DEBUG("input '" << name << "': reading " << path);
    OUTPOST_ASSIGN_OR_RETURN(Tensor t, load_npy(path));
    OUTPOST_RETURN_IF_ERROR(
        session.set_input(static_cast<size_t>(index), t).with_context("'" + path + "'"));
    fed.insert(index);
  }
  *filled = false;
  for (size_t i = 0; i < session.num_inputs(); ++i) {
    if (fed.count(static_cast<int>(i))) continue;
    if (!specs.empty())
      return usage_error("input '" + session.input(i).name +
                         "' was not given (--input NAME=FILE.npy)");
    if (!session.input(i).shape().is_static())
      return shape_mismatch("input '" + session.input(i).name + "' has shape " +
                            session.input(i).shape().to_string() +
                            ", its -1 dimensions set at run time: give the input (--input " +
                            session.input(i).name + "=FILE.npy) or its shape (--input-shape " +
                            session.input(i).name + "=DIMS)");
    fill_deterministic(session.input(i));
    *filled = true;
  }
  return Status::ok();
}

std::string json_text(const nlohmann::json& j) { return json_line(j); }

void print_json(const nlohmann::json& j) { std::cout << json_text(j) << std::endl; }

Status write_json_file(const std::string& path, const nlohmann::json& j) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) return io_error("cannot write '" + path + "'");
  out << json_text(j) << "\n";
  out.close();
  if (!out) return io_error("cannot write '" + path + "' (disk full?)");
  return Status::ok();
}

nlohmann::json error_json(const Status& status) {
  return {{"error",
           {{"exit_code", status.exit_code()},
            {"category", status_code_name(status.code())},
            {"message", status.message()}}}};
}

namespace {
bool g_json_error_printed = false;
}  // namespace

void set_json_error_printed() { g_json_error_printed = true; }
bool json_error_printed() { return g_json_error_printed; }

double now_seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

size_t peak_rss_bytes() {
  struct rusage usage {};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<size_t>(usage.ru_maxrss) * 1024;
}

size_t current_rss_bytes() {
  // statm's second field: resident pages.
  std::ifstream statm("/proc/self/statm");
  size_t total_pages = 0, resident_pages = 0;
  if (!(statm >> total_pages >> resident_pages)) return 0;
  return resident_pages * static_cast<size_t>(sysconf(_SC_PAGESIZE));
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
