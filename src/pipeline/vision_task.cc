#include "pipeline/vision_task.h"

#include <chrono>

#include "vision/classification.h"
#include "vision/draw.h"
#include "vision/face_detector.h"
#include "vision/face_detector_outputs.h"
#include "vision/image_tensor.h"
#include "vision/segmentation.h"

namespace outpost {
namespace {

double seconds_now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

nlohmann::json base_event(const Frame& frame) {
  nlohmann::json j{{"frame", frame.index}, {"source", frame.origin}};
  if (frame.seconds == frame.seconds) j["seconds"] = frame.seconds;  // not NaN
  return j;
}

// Runs the session on an input already set, timing it.
Status timed_run(Session& session, TaskTimes* times) {
  const double start = seconds_now();
  Status s = session.run();
  if (times) times->inference += seconds_now() - start;
  return s;
}

class FaceTask final : public VisionTask {
 public:
  FaceTask(Session& session, FaceDetectorOptions options)
      : session_(session), detector_(std::move(options)) {}

  Result<nlohmann::json> process(const Frame& frame, Image* annotated, TaskTimes* times) override {
    double t = seconds_now();
    OUTPOST_ASSIGN_OR_RETURN(Tensor input, face_detector_input(frame.image, detector_.options()));
    OUTPOST_RETURN_IF_ERROR(session_.set_input(0, input));
    if (times) times->preprocess += seconds_now() - t;
    OUTPOST_RETURN_IF_ERROR(timed_run(session_, times));
    t = seconds_now();
    std::vector<const Tensor*> outputs;
    for (size_t i = 0; i < session_.num_outputs(); ++i) outputs.push_back(&session_.output(i));
    OUTPOST_ASSIGN_OR_RETURN(FaceDetectorOutputs joined,
                             join_face_detector_outputs(outputs, detector_.options()));
    OUTPOST_ASSIGN_OR_RETURN(auto faces, detector_.decode(joined.regressors, joined.scores));
    const float w = static_cast<float>(frame.image.width), h = static_cast<float>(frame.image.height);
    nlohmann::json event = base_event(frame);
    event["faces"] = nlohmann::json::array();
    for (const auto& f : faces) {
      nlohmann::json kp = nlohmann::json::array();
      for (const auto& [x, y] : f.keypoints) kp.push_back({x * w, y * h});
      event["faces"].push_back({{"score", f.score},
                                {"box",
                                 {{"x", f.xmin * w},
                                  {"y", f.ymin * h},
                                  {"width", f.width * w},
                                  {"height", f.height * h}}},
                                {"keypoints", kp}});
      if (annotated) {
        const int thickness = std::max(2, std::min(annotated->width, annotated->height) / 200);
        draw_rect(*annotated, static_cast<int>(f.xmin * w), static_cast<int>(f.ymin * h),
                  static_cast<int>((f.xmin + f.width) * w),
                  static_cast<int>((f.ymin + f.height) * h), Color{0, 255, 0, 255}, thickness);
        for (const auto& [x, y] : f.keypoints)
          draw_point(*annotated, static_cast<int>(x * w), static_cast<int>(y * h), thickness,
                     Color{255, 0, 0, 255});
      }
    }
    if (times) times->decode += seconds_now() - t;
    return event;
  }

 private:
  Session& session_;
  FaceDetector detector_;
};

class SegmentationTask final : public VisionTask {
 public:
  SegmentationTask(Session& session, const TaskOptions& options) : session_(session) {
    if (options.input_zero_to_one) {
      preprocess_.mean = {0.0f, 0.0f, 0.0f};
      preprocess_.std = {255.0f, 255.0f, 255.0f};
    }
    decode_.threshold = options.threshold;
  }

  Result<nlohmann::json> process(const Frame& frame, Image* annotated, TaskTimes* times) override {
    double t = seconds_now();
    OUTPOST_RETURN_IF_ERROR(image_to_tensor(frame.image, session_.input(0), preprocess_));
    if (times) times->preprocess += seconds_now() - t;
    OUTPOST_RETURN_IF_ERROR(timed_run(session_, times));
    t = seconds_now();
    OUTPOST_ASSIGN_OR_RETURN(SegmentationMask mask,
                             decode_segmentation(session_.output(0), frame.image.width,
                                                 frame.image.height, decode_));
    nlohmann::json event = base_event(frame);
    event["classes"] = mask.classes;
    event["class_fractions"] = mask.class_fractions();
    if (annotated)
      for (int label = 1; label < mask.classes; ++label)
        overlay_mask(*annotated, mask, static_cast<uint8_t>(label), Color{255, 0, 255, 255}, 0.5f);
    if (times) times->decode += seconds_now() - t;
    return event;
  }

 private:
  Session& session_;
  ImageToTensorOptions preprocess_;
  SegmentationOptions decode_;
};

class ClassificationTask final : public VisionTask {
 public:
  ClassificationTask(Session& session, const TaskOptions& options)
      : session_(session), top_k_(options.top_k), labels_(options.labels) {}

  Result<nlohmann::json> process(const Frame& frame, Image*, TaskTimes* times) override {
    double t = seconds_now();
    OUTPOST_RETURN_IF_ERROR(image_to_tensor(frame.image, session_.input(0)));
    if (times) times->preprocess += seconds_now() - t;
    OUTPOST_RETURN_IF_ERROR(timed_run(session_, times));
    t = seconds_now();
    OUTPOST_ASSIGN_OR_RETURN(auto top, top_k(session_.output(0), top_k_, labels_));
    nlohmann::json event = base_event(frame);
    event["top"] = nlohmann::json::array();
    for (const auto& c : top)
      event["top"].push_back({{"index", c.index}, {"score", c.score}, {"label", c.label}});
    if (times) times->decode += seconds_now() - t;
    return event;
  }

 private:
  Session& session_;
  int top_k_;
  std::vector<std::string> labels_;
};

}  // namespace

Result<TaskKind> parse_task_kind(const std::string& name) {
  if (name == "faces") return TaskKind::kFaces;
  if (name == "segmentation") return TaskKind::kSegmentation;
  if (name == "classification") return TaskKind::kClassification;
  return usage_error("unknown task '" + name + "' (faces, segmentation or classification)");
}

Result<std::unique_ptr<VisionTask>> VisionTask::make(const TaskOptions& options, Session& session) {
  if (session.num_inputs() != 1)
    return shape_mismatch("the model has " + std::to_string(session.num_inputs()) +
                          " inputs; a vision task needs one image input");
  const Shape& in = session.input(0).shape();
  if (in.rank() != 4)
    return shape_mismatch("the model input " + in.to_string() + " is not an image [1, H, W, C]");
  switch (options.kind) {
    case TaskKind::kFaces: {
      OUTPOST_ASSIGN_OR_RETURN(FaceDetectorOptions face, FaceDetectorOptions::for_input_size(
                                                             static_cast<int>(in[2]),
                                                             static_cast<int>(in[1])));
      if (options.min_score >= 0) face.min_score = options.min_score;
      return std::unique_ptr<VisionTask>(std::make_unique<FaceTask>(session, std::move(face)));
    }
    case TaskKind::kSegmentation:
      return std::unique_ptr<VisionTask>(std::make_unique<SegmentationTask>(session, options));
    case TaskKind::kClassification:
      if (options.top_k < 1) return usage_error("top_k must be at least 1");
      return std::unique_ptr<VisionTask>(std::make_unique<ClassificationTask>(session, options));
  }
  return internal_error("unknown task kind");
}

}  // namespace outpost
