// outpost detect MODEL IMAGE [-o OUT.png]: faces with the MediaPipe face detectors; prints
// each box with its score and the inference latency, and writes an annotated PNG.
#include <filesystem>
#include <iostream>

#include "outpost/cli_common.h"
#include "outpost/commands.h"
#include "vision/draw.h"
#include "vision/face_detector.h"
#include "vision/face_detector_outputs.h"
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
  OUTPOST_ASSIGN_OR_RETURN(auto session, open_session(flags.model));
  if (session->num_inputs() != 1 || session->num_outputs() < 2)
    return shape_mismatch(flags.model.model + ": detect needs a face detector with one input and regressor and "
                          "score outputs, like MediaPipe's face_detection_*.tflite");
  const Shape& in = session->input(0).shape();
  if (in.rank() != 4) return shape_mismatch(flags.model.model + ": the input is not an image [1, H, W, 3]");
  OUTPOST_ASSIGN_OR_RETURN(FaceDetectorOptions options,
                           FaceDetectorOptions::for_input_size(static_cast<int>(in[2]), static_cast<int>(in[1])));
  if (flags.min_score >= 0) options.min_score = flags.min_score;
  FaceDetector detector(options);
  OUTPOST_ASSIGN_OR_RETURN(Image image, load_image(flags.image));
  OUTPOST_ASSIGN_OR_RETURN(Tensor input, face_detector_input(image, options));
  OUTPOST_RETURN_IF_ERROR(session->set_input(0, input));
  const double start = now_seconds();
  OUTPOST_RETURN_IF_ERROR(session->run());
  const double latency_ms = (now_seconds() - start) * 1e3;
  // Regressors have 16 values per anchor, scores 1; converted models split both per layer.
  std::vector<const Tensor*> outputs;
  for (size_t i = 0; i < session->num_outputs(); ++i) outputs.push_back(&session->output(i));
  OUTPOST_ASSIGN_OR_RETURN(FaceDetectorOutputs joined, join_face_detector_outputs(outputs, options));
  OUTPOST_ASSIGN_OR_RETURN(auto faces, detector.decode(joined.regressors, joined.scores));

  const std::string out = flags.output.empty() ? default_output(flags.image) : flags.output;
  Image annotated = image;
  const Color box{0, 255, 0, 255}, point{255, 0, 0, 255};
  const int thickness = std::max(2, std::min(image.width, image.height) / 200);
  for (const auto& f : faces) {
    draw_rect(annotated, static_cast<int>(f.xmin * image.width), static_cast<int>(f.ymin * image.height),
              static_cast<int>((f.xmin + f.width) * image.width), static_cast<int>((f.ymin + f.height) * image.height),
              box, thickness);
    for (const auto& [x, y] : f.keypoints)
      draw_point(annotated, static_cast<int>(x * image.width), static_cast<int>(y * image.height), thickness, point);
  }
  OUTPOST_RETURN_IF_ERROR(save_png(out, annotated));

  if (flags.model.json) {
    nlohmann::json j{{"model", flags.model.model}, {"image", flags.image}, {"output", out},
                     {"latency_ms", latency_ms}, {"faces", nlohmann::json::array()}};
    for (const auto& f : faces) {
      nlohmann::json kp = nlohmann::json::array();
      for (const auto& [x, y] : f.keypoints) kp.push_back({x * image.width, y * image.height});
      j["faces"].push_back({{"score", f.score},
                            {"box", {{"x", f.xmin * image.width}, {"y", f.ymin * image.height},
                                     {"width", f.width * image.width}, {"height", f.height * image.height}}},
                            {"keypoints", kp}});
    }
    print_json(j);
    return Status::ok();
  }
  std::printf("%s: %zu face%s (inference %.2f ms)\n", flags.image.c_str(), faces.size(), faces.size() == 1 ? "" : "s",
              latency_ms);
  for (const auto& f : faces)
    std::printf("  score %.3f  box x=%.0f y=%.0f w=%.0f h=%.0f px\n", f.score, f.xmin * image.width,
                f.ymin * image.height, f.width * image.width, f.height * image.height);
  std::printf("annotated image: %s\n", out.c_str());
  return Status::ok();
}

}  // namespace

void add_detect_command(CLI::App& app) {
  auto flags = std::make_shared<DetectFlags>();
  CLI::App* cmd = app.add_subcommand("detect", "Detect faces with a MediaPipe face detector; write an annotated PNG");
  add_model_flags(cmd, flags->model);
  cmd->add_option("image", flags->image, "Image file (PNG, BMP)")->required();
  cmd->add_option("-o,--out", flags->output, "Annotated PNG to write (default: IMAGE.faces.png beside the input)");
  cmd->add_option("--min-score", flags->min_score, "Minimum face score (default: the model preset's)")
      ->check(CLI::Range(0.0, 1.0));
  set_action(cmd, [flags] { return detect(*flags); });
}

}  // namespace outpost::cli
