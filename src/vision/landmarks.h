// Keypoint (landmark) models: MediaPipe's pose landmark models (lite/full/heavy: 33 body
// points plus 6 auxiliary ones, each x, y, z, visibility, presence) and hand landmark models
// (lite/full: 21 points, each x, y, z; a hand-presence score and a handedness output). The
// models see one person or hand filling their input; the landmarks come back in the model's
// input pixels and are mapped onto the frame through the preprocessing's FrameMapping.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "outpost/status.h"
#include "outpost/tensor.h"
#include "vision/draw.h"
#include "vision/preprocess.h"

namespace outpost {

enum class LandmarkKind { kPose, kHand };

struct Landmark {
  float x = 0, y = 0;  // frame pixels
  float z = 0;         // depth relative to the hips (pose) or wrist (hand), in x's pixel scale
  // Pose only, after a sigmoid: how likely the point is visible (not occluded), and present
  // in the frame at all. NaN for hands.
  float visibility = 0, presence = 0;
};

struct LandmarkResult {
  LandmarkKind kind = LandmarkKind::kPose;
  float score = 0;                   // the model's person/hand presence output, 0..1
  float handedness = 0;              // hands: the model's raw handedness output, 0..1
  std::vector<Landmark> landmarks;   // 33 (pose) or 21 (hand), in the order of landmark_names
};

// Which kind of model has these outputs, judged by their shapes: a [1, 195] (39 x 5) tensor
// is a pose model, a [1, 63] (21 x 3) one with two [1, 1] scores a hand model. kShapeMismatch
// naming what was found otherwise.
Result<LandmarkKind> landmark_kind(const std::vector<const Tensor*>& outputs);

// Decodes the outputs; `input_width`/`input_height` are the model's input size (the models
// give pixels of it) and `map` the preprocessing's mapping onto the frame.
Result<LandmarkResult> decode_landmarks(const std::vector<const Tensor*>& outputs,
                                        LandmarkKind kind, const FrameMapping& map);

const std::vector<std::string>& landmark_names(LandmarkKind kind);
// Pairs of landmark indices joined when drawing a skeleton.
const std::vector<std::pair<int, int>>& landmark_connections(LandmarkKind kind);
const char* landmark_kind_name(LandmarkKind kind);  // "pose" or "hand"

// Draws the skeleton: pose points whose visibility is below `min_visibility` and the lines
// touching them are left out.
void draw_landmarks(Image& image, const LandmarkResult& result, float min_visibility = 0.5f);

}  // namespace outpost
