// outpost classify MODEL IMAGE... --labels FILE --top K: top-K classes of each image. Without
// --labels, --mean or --std, the model's own metadata (formats/model_metadata.h) gives them where
// it has them, and the command says which source each came from.
#include <array>
#include <cmath>
#include <iostream>

#include "core/log.h"
#include "outpost/cli_common.h"
#include "outpost/commands.h"
#include "outpost/metadata_view.h"
#include "vision/classification.h"
#include "vision/image_io.h"
#include "vision/image_tensor.h"
#include "vision/preprocess.h"

namespace outpost::cli {
namespace {

struct ClassifyFlags {
  ModelFlags model;
  std::vector<std::string> images;
  std::string labels;
  int top = 5;
  std::string layout = "auto";
  std::vector<float> mean, std;  // empty: the defaults of ImageToTensorOptions
};

// --mean/--std take one value for every channel or one per R, G, B channel.
Status set_per_channel(const std::vector<float>& values, const char* flag, std::array<float, 3>& out) {
  if (values.empty()) return Status::ok();
  if (values.size() != 1 && values.size() != 3)
    return usage_error(std::string(flag) + " takes 1 value or 3 (R,G,B), got " + std::to_string(values.size()));
  for (size_t k = 0; k < 3; ++k) out[k] = values[values.size() == 1 ? 0 : k];
  return Status::ok();
}

// Where the labels and the normalization came from, as the output says it.
struct Sources {
  std::string labels = "none";          // "--labels", "bundle", "metadata (labels.txt)", "none"
  std::string normalization = "default";  // "--mean/--std", "bundle", "metadata", "default"
};

Result<ImageToTensorOptions> preprocess_options(const ClassifyFlags& flags, const ModelMetadata& metadata,
                                                Sources& sources) {
  ImageToTensorOptions o;
  o.layout = flags.layout == "nchw" ? ImageLayout::kNchw : flags.layout == "nhwc" ? ImageLayout::kNhwc : ImageLayout::kAuto;
  if (!flags.mean.empty() || !flags.std.empty()) {
    sources.normalization = "--mean/--std";
  } else if (!metadata.inputs.empty() && !metadata.inputs[0].mean.empty()) {
    const TensorMetadata& input = metadata.inputs[0];
    const bool fits = (input.mean.size() == 1 || input.mean.size() == 3) &&
                      (input.std.size() == 1 || input.std.size() == 3);
    if (fits) {
      OUTPOST_RETURN_IF_ERROR(set_per_channel(input.mean, "the metadata's mean", o.mean));
      OUTPOST_RETURN_IF_ERROR(set_per_channel(input.std, "the metadata's std", o.std));
      sources.normalization = "metadata";
    } else {
      OUTPOST_LOG_WARNING(flags.model.model << ": the metadata's normalization has " << input.mean.size()
                                            << " means and " << input.std.size()
                                            << " stds, not 1 or 3 (R,G,B); using the default");
    }
  }
  OUTPOST_RETURN_IF_ERROR(set_per_channel(flags.mean, "--mean", o.mean));
  OUTPOST_RETURN_IF_ERROR(set_per_channel(flags.std, "--std", o.std));
  for (float s : o.std)
    if (!std::isfinite(s) || s == 0.0f) return usage_error("--std values must be finite and non-zero");
  return o;
}

// A bundle's signed preprocess spec (vision/preprocess.h's JSON form) gives the normalization
// and layout unless --mean/--std/--layout say otherwise, on purpose and said on stderr.
Status apply_bundle_preprocess(const ClassifyFlags& flags, const bundle::TrustedModel& trusted,
                               ImageToTensorOptions& o, Sources& sources) {
  const nlohmann::json& spec = trusted.metadata.preprocess;
  if (!trusted.bundle || !spec.is_object()) return Status::ok();
  Preprocess base;
  base.mean = o.mean;
  base.std = o.std;
  base.layout = o.layout;
  auto signed_spec = parse_preprocess(spec, "the bundle's signed preprocess", base);
  if (!signed_spec.is_ok()) {
    OUTPOST_LOG_WARNING(flags.model.model << ": " << signed_spec.status().message()
                                          << "; using the flags and defaults instead");
    return Status::ok();
  }
  if (spec.contains("mean") || spec.contains("std")) {
    if (!flags.mean.empty() || !flags.std.empty()) {
      OUTPOST_LOG_WARNING(flags.model.model
                          << ": --mean/--std override the bundle's signed normalization");
    } else {
      o.mean = signed_spec->mean;
      o.std = signed_spec->std;
      sources.normalization = "bundle";
    }
  }
  if (spec.contains("layout")) {
    if (flags.layout != "auto")
      OUTPOST_LOG_WARNING(flags.model.model << ": --layout overrides the bundle's signed layout");
    else
      o.layout = signed_spec->layout;
  }
  return Status::ok();
}

Result<std::vector<std::string>> labels_for(const ClassifyFlags& flags, const ModelMetadata& metadata,
                                            const bundle::TrustedModel& trusted, Sources& sources) {
  const bool signed_labels = trusted.bundle && !trusted.metadata.labels.empty();
  if (!flags.labels.empty()) {
    if (signed_labels)
      OUTPOST_LOG_WARNING(flags.model.model << ": --labels overrides the bundle's "
                                            << trusted.metadata.labels.size() << " signed labels");
    sources.labels = "--labels";
    return load_labels(flags.labels);
  }
  if (signed_labels) {
    sources.labels = "bundle";
    return trusted.metadata.labels;
  }
  const MetadataFile* file = metadata.output_labels(0);
  if (!file) return std::vector<std::string>{};
  sources.labels = "metadata (" + file->name + ")";
  return file->lines;
}

std::string values_text(const std::array<float, 3>& v) {
  char text[64];
  std::snprintf(text, sizeof(text), "%g,%g,%g", v[0], v[1], v[2]);
  return text;
}

Status classify(const ClassifyFlags& flags) {
  bundle::TrustedModel trusted;
  OUTPOST_ASSIGN_OR_RETURN(auto session, open_session(flags.model, nullptr, false, &trusted));
  // A bundle's settings are its signed metadata; a plain model's, its own (TFLite) metadata.
  const ModelMetadata metadata = trusted.bundle ? ModelMetadata{} : model_metadata(flags.model.model);
  Sources sources;
  OUTPOST_ASSIGN_OR_RETURN(ImageToTensorOptions preprocess, preprocess_options(flags, metadata, sources));
  OUTPOST_RETURN_IF_ERROR(apply_bundle_preprocess(flags, trusted, preprocess, sources));
  if (session->num_inputs() != 1 || session->num_outputs() < 1)
    return shape_mismatch(flags.model.model + ": classify needs a model with one image input and a score output");
  std::vector<const Tensor*> outputs;
  for (size_t i = 0; i < session->num_outputs(); ++i) outputs.push_back(&session->output(i));
  Status fits = check_classification_outputs(outputs);
  if (!fits.is_ok()) return fits.with_context(flags.model.model);
  OUTPOST_ASSIGN_OR_RETURN(const std::vector<std::string> labels, labels_for(flags, metadata, trusted, sources));
  if (!flags.model.json)
    std::printf("labels: %s; normalization: %s (mean %s, std %s)\n", sources.labels.c_str(),
                sources.normalization.c_str(), values_text(preprocess.mean).c_str(),
                values_text(preprocess.std).c_str());
  nlohmann::json results = nlohmann::json::array();
  for (const std::string& path : flags.images) {
    OUTPOST_LOG_DEBUG("reading image " << path);
    OUTPOST_ASSIGN_OR_RETURN(Image image, load_image(path));
    OUTPOST_RETURN_IF_ERROR(image_to_tensor(image, session->input(0), preprocess));
    const double start = now_seconds();
    OUTPOST_RETURN_IF_ERROR(session->run());
    const double latency_ms = (now_seconds() - start) * 1e3;
    OUTPOST_ASSIGN_OR_RETURN(auto top, top_k(session->output(0), flags.top, labels));
    if (flags.model.json) {
      nlohmann::json j{{"image", path}, {"latency_ms", latency_ms}, {"top", nlohmann::json::array()}};
      for (const auto& c : top) j["top"].push_back({{"index", c.index}, {"label", c.label}, {"score", c.score}});
      results.push_back(j);
      continue;
    }
    std::printf("%s (%.2f ms)\n", path.c_str(), latency_ms);
    for (size_t r = 0; r < top.size(); ++r)
      std::printf("  %zu. %-32s %5d  %.4f\n", r + 1, top[r].label.empty() ? "-" : top[r].label.c_str(), top[r].index,
                  top[r].score);
  }
  if (flags.model.json)
    print_json({{"model", flags.model.model},
                {"labels_source", sources.labels},
                {"labels", labels.size()},
                {"normalization", {{"source", sources.normalization}, {"mean", preprocess.mean}, {"std", preprocess.std}}},
                {"results", results}});
  return Status::ok();
}

}  // namespace

void add_classify_command(CLI::App& app) {
  auto flags = std::make_shared<ClassifyFlags>();
  CLI::App* cmd = app.add_subcommand("classify", "Classify images (PNG, JPEG, BMP) with an image classifier");
  add_model_flags(cmd, flags->model);
  cmd->add_option("images", flags->images, "Image files (PNG, JPEG, BMP)")->required();
  cmd->add_option("--labels", flags->labels,
                  "Labels file, one label per line (default: the model's metadata's label file, if any)");
  cmd->add_option("--top", flags->top, "How many classes to show")->check(whole_number(1, 100000));
  cmd->add_option("--layout", flags->layout, "Input layout: auto (NHWC unless only dimension 1 can be channels), nhwc, nchw")
      ->check(one_of({"auto", "nhwc", "nchw"}));
  cmd->add_option("--mean", flags->mean,
                  "Float inputs get (pixel - mean) / std: mean in pixel units, 1 value or R,G,B (default: "
                  "the model metadata's, else 127.5)")
      ->delimiter(',');
  cmd->add_option("--std", flags->std, "Divisor in pixel units, 1 value or R,G,B (default: the model metadata's, else 127.5)")->delimiter(',');
  set_action(cmd, [flags] { return classify(*flags); });
}

}  // namespace outpost::cli
