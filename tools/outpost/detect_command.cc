// outpost detect MODEL IMAGE [-o OUT.png]: faces with the MediaPipe face detectors (TFLite or
// BlazeFace ONNX); prints each box with its score and the inference latency, and writes the
// annotated image. The pipeline's "faces" task on one image.
#include <filesystem>
#include <iostream>

#include "core/log.h"
#include "outpost/cli_common.h"
#include "outpost/commands.h"
#include "pipeline_file/signed_settings.h"
#include "pipeline/vision_task.h"
#include "vision/image_io.h"

namespace outpost::cli {
namespace {

struct DetectFlags {
  ModelFlags model;
  std::string image;
  std::string output;
  float min_score = -1;
};

// Default output: beside the input, "astronaut.png" -> "astronaut.faces.png".
std::string default_output(const std::string& image) {
  std::filesystem::path p(image);
  return (p.parent_path() / (p.stem().string() + ".faces.png")).string();
}

Status detect(const DetectFlags& flags) {
  bundle::TrustedModel trusted;
  OUTPOST_ASSIGN_OR_RETURN(auto session, open_session(flags.model, nullptr, false, &trusted));
  // The pipeline's face task: the same preprocessing, decoding and drawing as `pipeline run`
  // (and a bundle's signed preprocess, as there).
  TaskOptions options;
  options.kind = TaskKind::kFaces;
  options.min_score = flags.min_score;
  apply_signed_settings(trusted, flags.model.model, options);
  auto task = VisionTask::make(options, *session);
  if (!task.is_ok())
    return task.status().with_context(flags.model.model +
                                       " (detect needs a MediaPipe/BlazeFace face detector)");
  OUTPOST_LOG_DEBUG("reading image " << flags.image);
  OUTPOST_ASSIGN_OR_RETURN(Image image, load_image(flags.image));
  Image annotated = image;
  TaskTimes times;
  auto event = (*task)->process(Frame{image, 0, flags.image, 0.0}, &annotated, &times);
  if (!event.is_ok())
    return event.status().with_context(flags.model.model +
                                       " (detect needs a MediaPipe/BlazeFace face detector)");
  const double latency_ms = times.inference * 1e3;
  const std::string out = flags.output.empty() ? default_output(flags.image) : flags.output;
  OUTPOST_LOG_DEBUG("writing image " << out);
  OUTPOST_RETURN_IF_ERROR(save_image(out, annotated));

  const nlohmann::json& faces = (*event)["faces"];
  if (flags.model.json) {
    print_json({{"model", flags.model.model}, {"image", flags.image}, {"output", out},
                {"latency_ms", latency_ms}, {"faces", faces}});
    return Status::ok();
  }
  std::printf("%s: %zu face%s (inference %.2f ms)\n", flags.image.c_str(), faces.size(),
              faces.size() == 1 ? "" : "s", latency_ms);
  for (const auto& f : faces) {
    const auto& b = f["box"];
    std::printf("  score %.3f  box x=%.0f y=%.0f w=%.0f h=%.0f px\n", f["score"].get<double>(),
                b["x"].get<double>(), b["y"].get<double>(), b["width"].get<double>(),
                b["height"].get<double>());
  }
  std::printf("annotated image: %s\n", out.c_str());
  return Status::ok();
}

}  // namespace

void add_detect_command(CLI::App& app) {
  auto flags = std::make_shared<DetectFlags>();
  CLI::App* cmd = app.add_subcommand("detect", "Detect faces with a MediaPipe face detector; write an annotated image");
  add_model_flags(cmd, flags->model);
  cmd->add_option("image", flags->image, "Image file (PNG, JPEG, BMP)")->required();
  cmd->add_option("-o,--out", flags->output,
                  "Annotated image to write, .png or .jpg (default: IMAGE.faces.png beside the input)");
  cmd->add_option("--min-score", flags->min_score, "Minimum face score (default: the model preset's)")
      ->check(number_between(0.0, 1.0));
  set_action(cmd, [flags] { return detect(*flags); });
}

}  // namespace outpost::cli
