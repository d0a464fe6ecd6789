// outpost landmarks MODEL IMAGE [-o OUT.png]: body pose or hand keypoints with MediaPipe's
// landmark models (pose_landmark_*, hand_landmark_*) on one image that the person or hand
// fills: the skeleton drawn onto a copy, each named point printed (or the pipeline's JSON
// event with --json). The same task as a pipeline's "task": "landmarks".
#include <filesystem>
#include <iostream>

#include "core/log.h"
#include "outpost/cli_common.h"
#include "outpost/commands.h"
#include "pipeline_file/signed_settings.h"
#include "pipeline/vision_task.h"
#include "vision/image_io.h"
#include "vision/landmarks.h"

namespace outpost::cli {
namespace {

struct LandmarkFlags {
  ModelFlags model;
  std::string image;
  std::string output;
  float min_score = 0.5f;
  std::string fit;  // empty: letterbox, or a bundle's signed fit
};

// Beside the input: "astronaut.png" -> "astronaut.landmarks.png".
std::string default_output(const std::string& image) {
  std::filesystem::path p(image);
  return (p.parent_path() / (p.stem().string() + ".landmarks.png")).string();
}

Status landmarks(const LandmarkFlags& flags) {
  bundle::TrustedModel trusted;
  OUTPOST_ASSIGN_OR_RETURN(auto session, open_session(flags.model, nullptr, false, &trusted));
  TaskOptions options;
  options.kind = TaskKind::kLandmarks;
  options.min_score = flags.min_score;
  const std::optional<Preprocess> signed_spec =
      signed_preprocess(trusted, default_preprocess(options), flags.model.model);
  Preprocess spec = signed_spec ? *signed_spec : default_preprocess(options);
  if (signed_spec && !flags.fit.empty() && trusted.metadata.preprocess.contains("fit"))
    say_override(flags.model.model, "--fit overrides", "fit");
  if (flags.fit == "stretch") spec.fit = FitMode::kStretch;
  else if (flags.fit == "crop") spec.fit = FitMode::kCenterCrop;
  else if (flags.fit == "letterbox") spec.fit = FitMode::kLetterbox;
  else if (!flags.fit.empty())
    return usage_error("--fit must be letterbox, crop or stretch, not '" + flags.fit + "'");
  options.preprocess = spec;
  auto task = VisionTask::make(options, *session);
  if (!task.is_ok())
    return task.status().with_context(flags.model.model +
                                       " (landmarks needs a MediaPipe pose or hand landmark model)");
  OUTPOST_LOG_DEBUG("reading image " << flags.image);
  OUTPOST_ASSIGN_OR_RETURN(Image image, load_image(flags.image));
  Frame frame{image, 0, flags.image, 0.0};
  Image annotated = image;
  TaskTimes times;
  OUTPOST_ASSIGN_OR_RETURN(nlohmann::json event, (*task)->process(frame, &annotated, &times));
  const std::string out = flags.output.empty() ? default_output(flags.image) : flags.output;
  OUTPOST_LOG_DEBUG("writing image " << out);
  OUTPOST_RETURN_IF_ERROR(save_image(out, annotated));
  event["latency_ms"] = times.inference * 1e3;
  event["output"] = out;
  if (flags.model.json) {
    print_json(event);
    return Status::ok();
  }
  const nlohmann::json& lm = event["landmarks"];
  std::printf("%s: %s score %.3f (inference %.2f ms)\n", flags.image.c_str(),
              lm["kind"].get<std::string>().c_str(), lm["score"].get<double>(), times.inference * 1e3);
  if (lm["points"].empty())
    std::printf("  no %s found (score below %.2f)\n", lm["kind"].get<std::string>().c_str(),
                flags.min_score);
  for (const auto& p : lm["points"]) {
    std::printf("  %-18s x=%7.1f y=%7.1f", p["name"].get<std::string>().c_str(),
                p["x"].get<double>(), p["y"].get<double>());
    if (p.contains("visibility")) std::printf("  visibility %.2f", p["visibility"].get<double>());
    std::printf("\n");
  }
  std::printf("annotated: %s\n", out.c_str());
  return Status::ok();
}

}  // namespace

void add_landmarks_command(CLI::App& app) {
  auto flags = std::make_shared<LandmarkFlags>();
  CLI::App* cmd = app.add_subcommand(
      "landmarks", "Body pose or hand keypoints (MediaPipe landmark models); draw the skeleton");
  add_model_flags(cmd, flags->model);
  cmd->add_option("image", flags->image, "Image file (PNG, JPEG, BMP) the person or hand fills")
      ->required();
  cmd->add_option("-o,--out", flags->output,
                  "Annotated image to write, .png or .jpg (default: IMAGE.landmarks.png beside "
                  "the input)");
  cmd->add_option("--min-score", flags->min_score,
                  "Report points only when the model's presence score is at least this (default 0.5)")
      ->check(number_between(0.0, 1.0));
  cmd->add_option("--fit", flags->fit,
                  "How the image meets the model's square input: letterbox (default, as MediaPipe), "
                  "crop or stretch")
      ->check(one_of({"letterbox", "crop", "stretch"}));
  set_action(cmd, [flags] { return landmarks(*flags); });
}

}  // namespace outpost::cli
