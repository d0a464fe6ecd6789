// What a pipeline does with each frame: preprocess it for the model, run the session, decode
// the outputs into an event (JSON) and, when asked, draw the result onto the frame. One task
// per model kind: MediaPipe-style face detection, segmentation, classification.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "outpost/session.h"
#include "pipeline/frame_source.h"

namespace outpost {

enum class TaskKind { kFaces, kSegmentation, kClassification };

struct TaskOptions {
  TaskKind kind = TaskKind::kFaces;
  float min_score = -1;             // faces: minimum score (negative: the model preset's)
  float threshold = 0.5f;           // segmentation: foreground threshold
  bool input_zero_to_one = true;    // segmentation float inputs: [0, 1] (else [-1, 1])
  int top_k = 5;                    // classification
  std::vector<std::string> labels;  // classification
};

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

Result<TaskKind> parse_task_kind(const std::string& name);  // faces | segmentation | classification

}  // namespace outpost
