// outpost segment MODEL IMAGE [-o OUT.png]: per-pixel segmentation (e.g. MediaPipe's selfie
// segmentation): the mask resized back to the image, a coloured overlay written beside it, the
// share of each class and the inference latency printed (or one JSON event with --json).
#include <filesystem>
#include <iostream>

#include "core/log.h"
#include "outpost/cli_common.h"
#include "outpost/commands.h"
#include "pipeline_file/signed_settings.h"
#include "vision/image_io.h"
#include "vision/image_tensor.h"
#include "vision/segmentation.h"

namespace outpost::cli {
namespace {

struct SegmentFlags {
  ModelFlags model;
  std::string image;
  std::string output;
  std::string mask_output;
  std::string input_range;  // empty: 0,1, or a bundle's signed mean/std
  float threshold = 0.5f;
  bool logits = false;
  float alpha = 0.5f;
};

// Beside the input: "astronaut.png" -> "astronaut.mask.png".
std::string default_output(const std::string& image) {
  std::filesystem::path p(image);
  return (p.parent_path() / (p.stem().string() + ".mask.png")).string();
}

// A distinct colour per class for overlays; class 0 (background) is left uncoloured.
Color class_color(int label) {
  static constexpr Color kPalette[] = {{0, 0, 0, 255},     {255, 0, 255, 255}, {0, 200, 255, 255},
                                       {255, 200, 0, 255}, {0, 255, 0, 255},   {255, 64, 64, 255},
                                       {64, 64, 255, 255}, {255, 255, 255, 255}};
  return kPalette[static_cast<size_t>(label) % (sizeof(kPalette) / sizeof(kPalette[0]))];
}

// The mask as a gray PNG: for two classes 0 / 255, else the class index.
Image mask_image(const SegmentationMask& mask) {
  Image out = Image::blank(mask.width, mask.height, 1);
  const int scale = mask.classes == 2 ? 255 : 1;
  for (size_t i = 0; i < mask.labels.size(); ++i)
    out.pixels[i] = static_cast<uint8_t>(mask.labels[i] * scale);
  return out;
}

Status segment(const SegmentFlags& flags) {
  bundle::TrustedModel trusted;
  OUTPOST_ASSIGN_OR_RETURN(auto session, open_session(flags.model, nullptr, false, &trusted));
  if (session->num_inputs() != 1 || session->num_outputs() < 1)
    return shape_mismatch(flags.model.model +
                          ": segment needs a model with one image input and a mask output, like "
                          "MediaPipe's selfie_segmentation.tflite");
  const Shape& in = session->input(0).shape();
  if (in.rank() != 4)
    return shape_mismatch(flags.model.model + ": the input " + in.to_string() +
                          " is not an image [1, H, W, 3] or [1, 3, H, W]");
  std::vector<const Tensor*> outputs;
  for (size_t i = 0; i < session->num_outputs(); ++i) outputs.push_back(&session->output(i));
  Status fits = check_segmentation_outputs(in, outputs);
  if (!fits.is_ok()) return fits.with_context(flags.model.model);
  ImageToTensorOptions options;
  Preprocess zero_to_one;  // [0, 1]: the default, as MediaPipe's
  const std::optional<Preprocess> signed_spec =
      signed_preprocess(trusted, zero_to_one, flags.model.model);
  const bool signed_range = signed_spec && (trusted.metadata.preprocess.contains("mean") ||
                                            trusted.metadata.preprocess.contains("std"));
  if (signed_range && !flags.input_range.empty())
    say_override(flags.model.model, "--input-range overrides", "mean/std");
  if (flags.input_range == "0,1" || (flags.input_range.empty() && !signed_range)) {
    options.mean = {0.0f, 0.0f, 0.0f};
    options.std = {255.0f, 255.0f, 255.0f};
  } else if (flags.input_range.empty()) {
    options.mean = signed_spec->mean;
    options.std = signed_spec->std;
  } else if (flags.input_range != "-1,1") {
    return usage_error("--input-range must be 0,1 or -1,1, not '" + flags.input_range + "'");
  }
  // Decode no larger than needed, but keep the whole picture for the overlay.
  OUTPOST_LOG_DEBUG("reading image " << flags.image);
  OUTPOST_ASSIGN_OR_RETURN(Image image, load_image(flags.image));
  OUTPOST_RETURN_IF_ERROR(image_to_tensor(image, session->input(0), options));
  const double start = now_seconds();
  OUTPOST_RETURN_IF_ERROR(session->run());
  const double latency_ms = (now_seconds() - start) * 1e3;
  SegmentationOptions seg;
  seg.threshold = flags.threshold;
  seg.logits = flags.logits;
  auto decoded = decode_segmentation(session->output(0), image.width, image.height, seg);
  if (!decoded.is_ok()) return decoded.status().with_context(flags.model.model + ": output 0");
  const SegmentationMask& mask = decoded.value();

  const std::string out = flags.output.empty() ? default_output(flags.image) : flags.output;
  Image overlay = image;
  for (int label = 1; label < mask.classes; ++label)
    overlay_mask(overlay, mask, static_cast<uint8_t>(label), class_color(label), flags.alpha);
  OUTPOST_LOG_DEBUG("writing image " << out);
  OUTPOST_RETURN_IF_ERROR(save_image(out, overlay));
  if (!flags.mask_output.empty()) {
    OUTPOST_LOG_DEBUG("writing image " << flags.mask_output);
    OUTPOST_RETURN_IF_ERROR(save_image(flags.mask_output, mask_image(mask)));
  }

  const std::vector<double> fractions = mask.class_fractions();
  if (flags.model.json) {
    nlohmann::json j{{"model", flags.model.model}, {"image", flags.image},
                     {"output", out},              {"latency_ms", latency_ms},
                     {"width", mask.width},        {"height", mask.height},
                     {"classes", mask.classes},    {"class_fractions", fractions}};
    if (!flags.mask_output.empty()) j["mask"] = flags.mask_output;
    print_json(j);
    return Status::ok();
  }
  std::printf("%s: %dx%d mask, %d classes (inference %.2f ms)\n", flags.image.c_str(), mask.width,
              mask.height, mask.classes, latency_ms);
  for (size_t k = 0; k < fractions.size(); ++k)
    std::printf("  class %zu%s: %.1f%% of pixels\n", k,
                mask.classes == 2 ? (k == 0 ? " (background)" : " (foreground)") : "",
                100.0 * fractions[k]);
  std::printf("overlay: %s\n", out.c_str());
  if (!flags.mask_output.empty()) std::printf("mask: %s\n", flags.mask_output.c_str());
  return Status::ok();
}

}  // namespace

void add_segment_command(CLI::App& app) {
  auto flags = std::make_shared<SegmentFlags>();
  CLI::App* cmd = app.add_subcommand(
      "segment", "Segment an image (e.g. MediaPipe selfie segmentation); write a mask overlay");
  add_model_flags(cmd, flags->model);
  cmd->add_option("image", flags->image, "Image file (PNG, JPEG, BMP)")->required();
  cmd->add_option("-o,--out", flags->output,
                  "Overlay image to write, .png or .jpg (default: IMAGE.mask.png beside the input)");
  cmd->add_option("--mask-out", flags->mask_output,
                  "Also write the mask as a gray image (255 = foreground; class index for more "
                  "classes)");
  cmd->add_option("--input-range", flags->input_range,
                  "Float inputs: pixel range the model expects, 0,1 (MediaPipe, default) or -1,1")
      ->check(one_of({"0,1", "-1,1"}));
  cmd->add_option("--threshold", flags->threshold,
                  "One-channel outputs: foreground where the value is at least this (default 0.5)")
      ->check(number_between(0.0, 1.0));
  cmd->add_flag("--logits", flags->logits, "One-channel outputs are logits: apply a sigmoid first");
  cmd->add_option("--alpha", flags->alpha, "Overlay opacity, 0 to 1 (default 0.5)")
      ->check(number_between(0.0, 1.0));
  set_action(cmd, [flags] { return segment(*flags); });
}

}  // namespace outpost::cli
