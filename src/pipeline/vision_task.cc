#include "pipeline/vision_task.h"

#include <chrono>

#include "vision/classification.h"
#include "vision/draw.h"
#include "vision/face_detector.h"
#include "vision/face_detector_outputs.h"
#include "vision/image_tensor.h"
#include "vision/landmarks.h"
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
  FaceTask(Session& session, FaceDetectorOptions options, std::optional<Preprocess> preprocess)
      : session_(session), detector_(std::move(options)), preprocess_(std::move(preprocess)) {}

  Result<nlohmann::json> process(const Frame& frame, Image* annotated, TaskTimes* times) override {
    double t = seconds_now();
    const int in_w = detector_.options().anchors.input_width;
    const int in_h = detector_.options().anchors.input_height;
    FrameMapping map = frame_mapping(frame.image.width, frame.image.height, in_w, in_h, FitMode::kStretch);
    if (preprocess_) {
      OUTPOST_ASSIGN_OR_RETURN(map, preprocess_image(frame.image, *preprocess_, session_.input(0)));
    } else {
      OUTPOST_ASSIGN_OR_RETURN(Tensor input, face_detector_input(frame.image, detector_.options()));
      OUTPOST_RETURN_IF_ERROR(session_.set_input(0, input));
    }
    if (times) times->preprocess += seconds_now() - t;
    OUTPOST_RETURN_IF_ERROR(timed_run(session_, times));
    t = seconds_now();
    std::vector<const Tensor*> outputs;
    for (size_t i = 0; i < session_.num_outputs(); ++i) outputs.push_back(&session_.output(i));
    OUTPOST_ASSIGN_OR_RETURN(FaceDetectorOutputs joined,
                             join_face_detector_outputs(outputs, detector_.options()));
    OUTPOST_ASSIGN_OR_RETURN(auto faces, detector_.decode(joined.regressors, joined.scores));
    // The detector gives coordinates relative to its input; the mapping puts them on the frame.
    auto fx = [&](float x) { return static_cast<float>(map.to_frame_x(x * in_w)); };
    auto fy = [&](float y) { return static_cast<float>(map.to_frame_y(y * in_h)); };
    nlohmann::json event = base_event(frame);
    event["faces"] = nlohmann::json::array();
    for (const auto& f : faces) {
      nlohmann::json kp = nlohmann::json::array();
      for (const auto& [x, y] : f.keypoints) kp.push_back({fx(x), fy(y)});
      const float left = fx(f.xmin), top = fy(f.ymin);
      const float right = fx(f.xmin + f.width), bottom = fy(f.ymin + f.height);
      event["faces"].push_back(
          {{"score", f.score},
           {"box", {{"x", left}, {"y", top}, {"width", right - left}, {"height", bottom - top}}},
           {"keypoints", kp}});
      if (annotated) {
        const int thickness = std::max(2, std::min(annotated->width, annotated->height) / 200);
        draw_rect(*annotated, static_cast<int>(left), static_cast<int>(top),
                  static_cast<int>(right), static_cast<int>(bottom), Color{0, 255, 0, 255},
                  thickness);
        for (const auto& [x, y] : f.keypoints)
          draw_point(*annotated, static_cast<int>(fx(x)), static_cast<int>(fy(y)), thickness,
                     Color{255, 0, 0, 255});
      }
    }
    if (times) times->decode += seconds_now() - t;
    return event;
  }

 private:
  Session& session_;
  FaceDetector detector_;
  std::optional<Preprocess> preprocess_;
};

class SegmentationTask final : public VisionTask {
 public:
  SegmentationTask(Session& session, const TaskOptions& options)
      : session_(session), spec_(options.preprocess) {
    if (options.input_zero_to_one) {
      preprocess_.mean = {0.0f, 0.0f, 0.0f};
      preprocess_.std = {255.0f, 255.0f, 255.0f};
    }
    decode_.threshold = options.threshold;
  }

  Result<nlohmann::json> process(const Frame& frame, Image* annotated, TaskTimes* times) override {
    double t = seconds_now();
    if (spec_) {
      OUTPOST_RETURN_IF_ERROR(preprocess_image(frame.image, *spec_, session_.input(0)).status());
    } else {
      OUTPOST_RETURN_IF_ERROR(image_to_tensor(frame.image, session_.input(0), preprocess_));
    }
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
  std::optional<Preprocess> spec_;  // the pipeline's own; masks are resized back by stretching
  ImageToTensorOptions preprocess_;
  SegmentationOptions decode_;
};

class ClassificationTask final : public VisionTask {
 public:
  ClassificationTask(Session& session, const TaskOptions& options)
      : session_(session), top_k_(options.top_k), labels_(options.labels), spec_(options.preprocess) {}

  Result<nlohmann::json> process(const Frame& frame, Image*, TaskTimes* times) override {
    double t = seconds_now();
    if (spec_) {
      OUTPOST_RETURN_IF_ERROR(preprocess_image(frame.image, *spec_, session_.input(0)).status());
    } else {
      OUTPOST_RETURN_IF_ERROR(image_to_tensor(frame.image, session_.input(0)));
    }
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
  std::optional<Preprocess> spec_;
};

// One person (pose) or hand filling the frame: MediaPipe's landmark models on the whole
// frame, letterboxed. (MediaPipe's own graphs first find a region with a detector and track
// it; that cascade is not here.)
class LandmarkTask final : public VisionTask {
 public:
  LandmarkTask(Session& session, LandmarkKind kind, Preprocess spec, float min_score)
      : session_(session), kind_(kind), spec_(spec), min_score_(min_score) {}

  Result<nlohmann::json> process(const Frame& frame, Image* annotated, TaskTimes* times) override {
    double t = seconds_now();
    OUTPOST_ASSIGN_OR_RETURN(FrameMapping map, preprocess_image(frame.image, spec_, session_.input(0)));
    if (times) times->preprocess += seconds_now() - t;
    OUTPOST_RETURN_IF_ERROR(timed_run(session_, times));
    t = seconds_now();
    std::vector<const Tensor*> outputs;
    for (size_t i = 0; i < session_.num_outputs(); ++i) outputs.push_back(&session_.output(i));
    OUTPOST_ASSIGN_OR_RETURN(LandmarkResult r, decode_landmarks(outputs, kind_, map));
    nlohmann::json event = base_event(frame);
    event["landmarks"] = landmarks_json(r, min_score_);
    if (annotated && r.score >= min_score_) draw_landmarks(*annotated, r);
    if (times) times->decode += seconds_now() - t;
    return event;
  }

 private:
  Session& session_;
  LandmarkKind kind_;
  Preprocess spec_;
  float min_score_;
};

}  // namespace

nlohmann::json landmarks_json(const LandmarkResult& r, float min_score) {
  nlohmann::json j{{"kind", landmark_kind_name(r.kind)}, {"score", r.score}};
  if (r.kind == LandmarkKind::kHand) j["handedness"] = r.handedness;
  j["points"] = nlohmann::json::array();
  if (r.score < min_score) return j;  // nobody there: the points would be noise
  const auto& names = landmark_names(r.kind);
  for (size_t i = 0; i < r.landmarks.size(); ++i) {
    const Landmark& l = r.landmarks[i];
    nlohmann::json p{{"name", names[i]}, {"x", l.x}, {"y", l.y}, {"z", l.z}};
    if (r.kind == LandmarkKind::kPose) {
      p["visibility"] = l.visibility;
      p["presence"] = l.presence;
    }
    j["points"].push_back(std::move(p));
  }
  return j;
}

Preprocess default_preprocess(const TaskOptions& options) {
  Preprocess p;  // stretch, bilinear, [0, 1]
  switch (options.kind) {
    case TaskKind::kFaces:
    case TaskKind::kClassification:
      p.mean = {127.5f, 127.5f, 127.5f};
      p.std = {127.5f, 127.5f, 127.5f};
      break;
    case TaskKind::kSegmentation:
      if (!options.input_zero_to_one) {
        p.mean = {127.5f, 127.5f, 127.5f};
        p.std = {127.5f, 127.5f, 127.5f};
      }
      break;
    case TaskKind::kLandmarks:
      p.fit = FitMode::kLetterbox;
      break;
  }
  return p;
}

Result<TaskKind> parse_task_kind(const std::string& name) {
  if (name == "faces") return TaskKind::kFaces;
  if (name == "segmentation") return TaskKind::kSegmentation;
  if (name == "classification") return TaskKind::kClassification;
  if (name == "landmarks") return TaskKind::kLandmarks;
  return usage_error("unknown task '" + name + "' (faces, segmentation, classification or landmarks)");
}

Result<std::unique_ptr<VisionTask>> VisionTask::make(const TaskOptions& options, Session& session) {
  if (session.num_inputs() != 1)
    return shape_mismatch("the model has " + std::to_string(session.num_inputs()) +
                          " inputs; a vision task needs one image input");
  const Shape& in = session.input(0).shape();
  if (in.rank() != 4)
    return shape_mismatch("the model input " + in.to_string() + " is not an image [1, H, W, C]");
  std::vector<const Tensor*> outputs;
  for (size_t i = 0; i < session.num_outputs(); ++i) outputs.push_back(&session.output(i));
  switch (options.kind) {
    case TaskKind::kFaces: {
      OUTPOST_ASSIGN_OR_RETURN(FaceDetectorOptions face, FaceDetectorOptions::for_input_size(
                                                             static_cast<int>(in[2]),
                                                             static_cast<int>(in[1])));
      if (options.min_score >= 0) face.min_score = options.min_score;
      return std::unique_ptr<VisionTask>(
          std::make_unique<FaceTask>(session, std::move(face), options.preprocess));
    }
    case TaskKind::kSegmentation:
      if (options.preprocess && options.preprocess->fit != FitMode::kStretch)
        return usage_error("segmentation masks are resized back onto the whole frame: its "
                           "preprocess fit must be 'stretch'");
      OUTPOST_RETURN_IF_ERROR(check_segmentation_outputs(in, outputs));
      return std::unique_ptr<VisionTask>(std::make_unique<SegmentationTask>(session, options));
    case TaskKind::kClassification:
      if (options.top_k < 1) return usage_error("top_k must be at least 1");
      OUTPOST_RETURN_IF_ERROR(check_classification_outputs(outputs));
      return std::unique_ptr<VisionTask>(std::make_unique<ClassificationTask>(session, options));
    case TaskKind::kLandmarks: {
      OUTPOST_ASSIGN_OR_RETURN(LandmarkKind kind, landmark_kind(outputs));
      const float min_score = options.min_score >= 0 ? options.min_score : 0.5f;
      return std::unique_ptr<VisionTask>(std::make_unique<LandmarkTask>(
          session, kind, options.preprocess.value_or(default_preprocess(options)), min_score));
    }
  }
  return internal_error("unknown task kind");
}

}  // namespace outpost
