// outpost optimize MODEL -o OUT [--quantize int8|dynamic|fp16] --calibrate DIR|FILES
// [--validate DIR|FILES]: post-training quantization (src/optimize/), and a report of what it cost:
// which nodes run in int8 and which stay in float and why, size, latency and agreement on held-out
// inputs (docs/optimize.md).
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>

#include "core/log.h"
#include "core/regular_file.h"
#include "optimize/model_comparison.h"
#include "optimize/optimize_report.h"
#include "optimize/prune_onnx.h"
#include "optimize/quantize_onnx.h"
#include "optimize/quantize_tflite.h"
#include "optimize/report_html.h"
#include "optimize/sample_files.h"
#include "outpost/cli_common.h"
#include "outpost/commands.h"

namespace outpost::cli {
namespace {

struct OptimizeFlags {
  std::string model;
  std::string out;
  std::string quantize = "int8";
  std::vector<std::string> calibrate, validate;
  std::string method = "minmax";
  double percentile = 99.999;
  bool per_channel = false, per_tensor = false;
  std::vector<std::string> keep_float;
  std::string report;
  bool json = false;
  int threads = 0;
  int runs = 50;
  std::string layout = "auto";
  std::vector<float> mean, std;
  double prune = 0;  // 0: none
  bool structured = false, unstructured = false;
  bool quantize_given = false;  // --quantize on the command line (else --prune alone does not quantize)
};

Status set_channels(const std::vector<float>& values, const char* flag, std::array<float, 3>& out) {
  if (values.empty()) return Status::ok();
  if (values.size() != 1 && values.size() != 3)
    return usage_error(std::string(flag) + " takes 1 value or 3 (R,G,B), got " + std::to_string(values.size()));
  for (size_t k = 0; k < 3; ++k) out[k] = values[values.size() == 1 ? 0 : k];
  return Status::ok();
}

Result<ImageToTensorOptions> image_options(const OptimizeFlags& flags) {
  ImageToTensorOptions o;
  o.layout = flags.layout == "nchw" ? ImageLayout::kNchw : flags.layout == "nhwc" ? ImageLayout::kNhwc : ImageLayout::kAuto;
  OUTPOST_RETURN_IF_ERROR(set_channels(flags.mean, "--mean", o.mean));
  OUTPOST_RETURN_IF_ERROR(set_channels(flags.std, "--std", o.std));
  for (float s : o.std)
    if (!std::isfinite(s) || s == 0.0f) return usage_error("--std values must be finite and non-zero");
  return o;
}

Result<std::vector<optimize::Sample>> read_samples(const std::vector<std::string>& paths, const std::string& flag,
                                                   Session& session, const ImageToTensorOptions& options) {
  OUTPOST_ASSIGN_OR_RETURN(std::vector<std::string> files, optimize::sample_files(paths, flag));
  std::vector<optimize::Sample> samples;
  for (const auto& file : files) {
    OUTPOST_ASSIGN_OR_RETURN(optimize::Sample s, optimize::read_sample(file, session, options));
    samples.push_back(std::move(s));
  }
  return samples;
}

// A progress bar on stderr while calibration runs, when stderr is a terminal (logs stay clean).
optimize::Progress progress_bar(bool json) {
  if (json || !isatty(STDERR_FILENO)) return {};
  return [](size_t done, size_t total) {
    const int width = 30;
    const int filled = static_cast<int>(width * done / total);
    std::fprintf(stderr, "\rcalibrating [%s%s] %zu/%zu", std::string(filled, '#').c_str(),
                 std::string(width - filled, ' ').c_str(), done, total);
    if (done == total) std::fputc('\n', stderr);
    std::fflush(stderr);
  };
}

Status write_file(const std::string& path, const std::string& bytes) {
  const std::string temporary = path + ".partial";
  {
    std::ofstream f(temporary, std::ios::binary | std::ios::trunc);
    if (!f) return io_error("cannot write '" + path + "'");
    f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    if (!f) return io_error("writing '" + path + "' failed (disk full?)");
  }
  std::error_code ec;
  std::filesystem::rename(temporary, path, ec);
  if (ec) return io_error("cannot write '" + path + "': " + ec.message());
  return Status::ok();
}

// The backend each node of the optimized model runs on, by node name (one traced run).
std::map<std::string, std::string> node_backends(const std::string& bytes, const std::string& name, int threads,
                                                 const optimize::Sample& sample) {
  std::map<std::string, std::string> backends;
  auto session = optimize::open_model_bytes(bytes, name, threads);
  if (!session.is_ok() || !optimize::feed_sample(**session, sample).is_ok()) return backends;
  auto trace = (*session)->trace(1);
  if (!trace.is_ok()) return backends;
  for (const auto& t : *trace) backends[t.node] = t.backend;
  return backends;
}

bool is_tflite(const std::string& path) { return std::filesystem::path(path).extension() == ".tflite"; }

Result<optimize::Outcome> optimize_bytes(const OptimizeFlags& flags, std::string original,
                               const std::vector<optimize::Sample>& calibration) {
  optimize::Outcome o;
  if (flags.prune > 0) {
    OUTPOST_ASSIGN_OR_RETURN(o.pruned, optimize::prune_onnx(original, flags.model, flags.prune));
    original = o.pruned->bytes;
    o.bytes = original;
  }
  o.calibration_samples = calibration.size();
  optimize::QuantizeOptions options;
  OUTPOST_ASSIGN_OR_RETURN(options.method, optimize::parse_calibration_method(flags.method));
  options.percentile = flags.percentile;
  options.per_channel = !flags.per_tensor;
  options.keep_float = std::set<std::string>(flags.keep_float.begin(), flags.keep_float.end());
  options.threads = flags.threads;
  if (is_tflite(flags.model)) {
    OUTPOST_ASSIGN_OR_RETURN(o.tflite, optimize::quantize_tflite_int8(original, flags.model, calibration, options,
                                                                      progress_bar(flags.json)));
    o.bytes = o.tflite->bytes;
  } else if (flags.quantize == "none") {
    // pruning alone: o.bytes is the pruned model
  } else if (flags.quantize == "fp16") {
    OUTPOST_ASSIGN_OR_RETURN(o.fp16, optimize::onnx_fp16_weights(original, flags.model));
    o.bytes = o.fp16->bytes;
  } else if (flags.quantize == "dynamic") {
    OUTPOST_ASSIGN_OR_RETURN(o.quantized, optimize::quantize_onnx_weights_int8(original, flags.model, options));
    o.bytes = o.quantized->bytes;
  } else {
    OUTPOST_ASSIGN_OR_RETURN(o.quantized, optimize::quantize_onnx_int8(original, flags.model, calibration, options,
                                                                       progress_bar(flags.json)));
    o.bytes = o.quantized->bytes;
  }
  return o;
}

Status optimize_model(OptimizeFlags flags) {
  if (flags.per_channel && flags.per_tensor) return usage_error("--per-channel and --per-tensor exclude each other");
  if (flags.structured && flags.unstructured) return usage_error("--structured and --unstructured exclude each other");
  if ((flags.structured || flags.unstructured) && flags.prune == 0)
    return usage_error("--structured and --unstructured say how to --prune; give --prune SPARSITY");
  if (flags.unstructured)
    return unsupported("--unstructured: not built yet (outpost has no sparse kernel, so a model of zeroed weights "
                       "would be no faster); --structured removes whole channels");
  if (flags.quantize == "none" && flags.prune == 0)
    return usage_error("--quantize none with no --prune: nothing to do");
  if (flags.quantize == "int8" && flags.calibrate.empty() && flags.prune > 0 && !flags.quantize_given)
    flags.quantize = "none";  // --prune alone prunes; quantizing too is asked for by name
  if (flags.quantize == "int8" && flags.calibrate.empty())
    return usage_error("--quantize int8 needs --calibrate DIR or FILES (images or .npy); --quantize dynamic or fp16 "
                       "need none");
  const std::string ext = std::filesystem::path(flags.model).extension().string();
  OUTPOST_ASSIGN_OR_RETURN(std::string original, read_regular_file(flags.model));
  if (ext == ".tflite") {
    if (flags.quantize != "int8" || flags.prune > 0)
      return unsupported(flags.model + ": for TFLite models optimize builds --quantize int8 only (" +
                         (flags.prune > 0 ? std::string("--prune") : "--quantize " + flags.quantize) +
                         " is ONNX only for now)");
  } else if (ext != ".onnx") {
    return unsupported(flags.model + ": optimize reads ONNX (.onnx) and TFLite (.tflite) models");
  }
  OUTPOST_ASSIGN_OR_RETURN(ImageToTensorOptions image, image_options(flags));
  SessionOptions session_options;
  session_options.threads = flags.threads;
  OUTPOST_ASSIGN_OR_RETURN(auto session, Session::open(flags.model, session_options));
  flags.threads = session->stats().threads;
  std::vector<optimize::Sample> calibration, held_out;
  if (!flags.calibrate.empty()) {
    if (flags.quantize != "int8") {
      OUTPOST_LOG_WARNING("--calibrate: --quantize " << flags.quantize << " needs no calibration; the inputs are not used");
    } else {
      OUTPOST_ASSIGN_OR_RETURN(calibration, read_samples(flags.calibrate, "--calibrate", *session, image));
    }
  }
  if (!flags.validate.empty()) {
    OUTPOST_ASSIGN_OR_RETURN(held_out, read_samples(flags.validate, "--validate", *session, image));
  }
  session.reset();

  OUTPOST_ASSIGN_OR_RETURN(optimize::Outcome outcome, optimize_bytes(flags, original, calibration));
  OUTPOST_RETURN_IF_ERROR(write_file(flags.out, outcome.bytes));
  std::optional<optimize::ModelComparison> comparison;
  const std::vector<std::string> activations =
      outcome.quantized ? outcome.quantized->analysis.activations : std::vector<std::string>{};
  if (!held_out.empty()) {
    OUTPOST_ASSIGN_OR_RETURN(comparison, optimize::compare_onnx_models(original, outcome.bytes, flags.model, held_out,
                                                                       activations, flags.threads, flags.runs));
  }
  std::map<std::string, std::string> backends;
  const std::vector<optimize::Sample>& any = held_out.empty() ? calibration : held_out;
  if (!any.empty()) backends = node_backends(outcome.bytes, flags.out, flags.threads, any[0]);
  const optimize::OptimizeRequest request{flags.model, flags.out, flags.quantize, flags.method, flags.prune, flags.threads};
  const nlohmann::json j = optimize::report_json(request, outcome, original.size(), backends, comparison);
  const std::string text = optimize::report_text(request, outcome, j, comparison);
  if (!flags.report.empty()) {
    const std::string ext = std::filesystem::path(flags.report).extension().string();
    if (ext == ".json")
      OUTPOST_RETURN_IF_ERROR(write_json_file(flags.report, j));
    else if (ext == ".html" || ext == ".htm")
      OUTPOST_RETURN_IF_ERROR(write_file(flags.report, optimize::report_html(j)));
    else
      OUTPOST_RETURN_IF_ERROR(write_file(flags.report, text));
  }
  if (flags.json)
    print_json(j);
  else
    std::fputs(text.c_str(), stdout);
  return Status::ok();
}

}  // namespace

void add_optimize_command(CLI::App& app) {
  auto flags = std::make_shared<OptimizeFlags>();
  CLI::App* cmd = app.add_subcommand(
      "optimize",
      "Quantize (int8, dynamic, fp16) or prune a model, and report what it costs (docs/optimize.md)");
  cmd->add_option("model", flags->model, "The float model (.onnx, or .tflite for --quantize int8)")->required();
  cmd->add_option("-o,--out", flags->out, "The optimized model to write (ONNX in QDQ form, or TFLite int8)")->required();
  cmd->add_option("--quantize", flags->quantize,
                  "int8: weights and activations, calibrated (the default); dynamic: int8 weights, float "
                  "activations; fp16: float16 weights; none (with --prune)")
      ->check(one_of({"int8", "dynamic", "fp16", "none"}));
  cmd->add_option("--calibrate", flags->calibrate,
                  "Calibration inputs (int8): directories or files of images (PNG, JPEG, BMP) or .npy tensors");
  cmd->add_option("--validate", flags->validate,
                  "Held-out inputs (other files than the calibration's) for agreement, per-layer error and latency");
  cmd->add_option("--method", flags->method, "Activation ranges: minmax (default), percentile or entropy")
      ->check(one_of({"minmax", "percentile", "entropy"}));
  cmd->add_option("--percentile", flags->percentile, "Of --method percentile: the share of values kept (default 99.999)")
      ->check(number_between(50, 100));
  cmd->add_flag("--per-channel", flags->per_channel, "Weights per output channel (the default, from opset 13)");
  cmd->add_flag("--per-tensor", flags->per_tensor, "Weights per tensor");
  cmd->add_option("--keep-float", flags->keep_float, "Nodes (by name) or op types (Gemm) to leave in float");
  cmd->add_option("--report", flags->report, "Also write the report to FILE (.json: JSON, .html: a page with a chart of each layer's error "
                  "and time, else text)");
  cmd->add_option("--threads", flags->threads, "Threads for calibration and the comparison (0: every available core)")
      ->check(whole_number(0, 1 << 20));
  cmd->add_option("--runs", flags->runs, "Timed runs of each model for the latency comparison")
      ->check(whole_number(1, 100000));
  cmd->add_option("--layout", flags->layout, "Image inputs' layout: auto, nhwc, nchw")->check(one_of({"auto", "nhwc", "nchw"}));
  cmd->add_option("--mean", flags->mean, "Images: (pixel - mean) / std, in pixel units, 1 value or R,G,B (default 127.5)")
      ->delimiter(',');
  cmd->add_option("--std", flags->std, "Images: the divisor, 1 value or R,G,B (default 127.5)")->delimiter(',');
  cmd->add_option("--prune", flags->prune,
                  "Remove this share of the channels of each convolution that only feeds convolutions (0-1, e.g. "
                  "0.5); alone, no quantization follows unless --quantize says so")
      ->check(number_between(0.01, 0.99));
  cmd->add_flag("--structured", flags->structured, "--prune removes whole channels (the default)");
  cmd->add_flag("--unstructured", flags->unstructured, "--prune zeroes single weights (not built yet)");
  add_json_flag(cmd, flags->json);
  set_action(cmd, [flags, cmd] {
    OptimizeFlags f = *flags;
    f.quantize_given = cmd->count("--quantize") > 0;
    return optimize_model(f);
  });
}

}  // namespace outpost::cli
