// What a pipeline does with each frame: preprocess it for the model, run the session, decode
// the outputs into an event (JSON) and, when asked, draw the result onto the frame. One task
// per model kind: MediaPipe-style face detection, segmentation, classification, and pose or
// hand landmarks.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "outpost/session.h"
#include "pipeline/frame_source.h"
#include "vision/preprocess.h"

namespace outpost {

enum class TaskKind { kFaces, kSegmentation, kClassification, kLandmarks };

struct TaskOptions {
  TaskKind kind = TaskKind::kFaces;
  float min_score = -1;             // faces, landmarks: minimum score (negative: the default)
  float threshold = 0.5f;           // segmentation: foreground threshold
  bool input_zero_to_one = true;    // segmentation float inputs: [0, 1] (else [-1, 1])
  int top_k = 5;                    // classification
  std::vector<std::string> labels;  // classification
  // How frames become the model's input; unset: the task's own preprocessing (see
  // default_preprocess). Landmarks always use one (letterbox by default).
  std::optional<Preprocess> preprocess;
};

// The Preprocess each task starts from, which a pipeline's "preprocess" object adjusts:
// faces [-1, 1] stretched, segmentation [0, 1] (or [-1, 1]) stretched, classification [-1, 1]
// stretched, landmarks [0, 1] letterboxed (MediaPipe's landmark models keep the aspect ratio).
Preprocess default_preprocess(const TaskOptions& options);

// Time spent per step of one frame, in seconds.
struct TaskTimes {
  double preprocess = 0, inference = 0, decode = 0;
};

class VisionTask {
 public:
  virtual ~VisionTask() = default;
  // Checks that the session's inputs and outputs fit the task (kShapeMismatch otherwise).
  static Result<std::unique_ptr<VisionTask>> make(const TaskOptions& options, Session& session);
  // The event for `frame` ({"frame", "source", "seconds", and the task's results}); draws onto
  // *annotated when it is not null (a copy of the frame's image).
  virtual Result<nlohmann::json> process(const Frame& frame, Image* annotated,
                                         TaskTimes* times) = 0;
};

// The "landmarks" object of an event: kind, score, (hands) handedness, and the named points in
// frame pixels, left empty when the score is below min_score.
struct LandmarkResult;
nlohmann::json landmarks_json(const LandmarkResult& result, float min_score);

// faces | segmentation | classification | landmarks
Result<TaskKind> parse_task_kind(const std::string& name);

}  // namespace outpost
