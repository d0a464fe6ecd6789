#include "vision/landmarks.h"

#include <algorithm>
#include <cmath>

namespace outpost {
namespace {

constexpr int kPoseValues = 5;       // x, y, z, visibility, presence
constexpr int kPoseModelPoints = 39;  // 33 body points + 6 auxiliary (for the ROI tracker)
constexpr int kPosePoints = 33;
constexpr int kHandValues = 3;
constexpr int kHandPoints = 21;

bool is_shape(const Tensor& t, int64_t elements) {
  return t.dtype() == DType::kFloat32 && t.shape().rank() == 2 && t.shape()[0] == 1 &&
         t.shape()[1] == elements;
}

// The first output of `elements` values, skipping `skip` earlier matches.
const Tensor* find_output(const std::vector<const Tensor*>& outputs, int64_t elements, int skip = 0) {
  for (const Tensor* t : outputs)
    if (t && is_shape(*t, elements) && skip-- == 0) return t;
  return nullptr;
}

float sigmoid(float x) { return 1.0f / (1.0f + std::exp(-x)); }

std::string shapes_of(const std::vector<const Tensor*>& outputs) {
  std::string s;
  for (const Tensor* t : outputs)
    s += (s.empty() ? "" : ", ") + (t ? std::string(dtype_name(t->dtype())) + " " + t->shape().to_string() : "none");
  return s;
}

}  // namespace

Result<LandmarkKind> landmark_kind(const std::vector<const Tensor*>& outputs) {
  if (find_output(outputs, kPoseModelPoints * kPoseValues) && find_output(outputs, 1))
    return LandmarkKind::kPose;
  if (find_output(outputs, kHandPoints * kHandValues) && find_output(outputs, 1, 1))
    return LandmarkKind::kHand;
  return shape_mismatch("the model's outputs (" + shapes_of(outputs) +
                        ") are not a landmark model's: a pose model has a float32 [1, 195] output "
                        "and a [1, 1] score, a hand model a [1, 63] output and two [1, 1] scores");
}

Result<LandmarkResult> decode_landmarks(const std::vector<const Tensor*>& outputs,
                                        LandmarkKind kind, const FrameMapping& map) {
  OUTPOST_ASSIGN_OR_RETURN(LandmarkKind found, landmark_kind(outputs));
  if (found != kind)
    return shape_mismatch(std::string("expected a ") + landmark_kind_name(kind) +
                          " landmark model, the outputs are a " + landmark_kind_name(found) + " model's");
  LandmarkResult r;
  r.kind = kind;
  // The models end their presence and handedness heads in a sigmoid already.
  r.score = find_output(outputs, 1)->data_as<float>()[0];
  const bool pose = kind == LandmarkKind::kPose;
  const int values = pose ? kPoseValues : kHandValues;
  const int points = pose ? kPosePoints : kHandPoints;
  const float* d = find_output(outputs, pose ? kPoseModelPoints * kPoseValues : kHandPoints * kHandValues)
                       ->data_as<float>();
  if (!pose) r.handedness = find_output(outputs, 1, 1)->data_as<float>()[0];
  r.landmarks.reserve(points);
  for (int i = 0; i < points; ++i) {
    const float* p = d + i * values;
    Landmark l;
    l.x = static_cast<float>(map.to_frame_x(p[0]));
    l.y = static_cast<float>(map.to_frame_y(p[1]));
    l.z = static_cast<float>(p[2] * map.scale_x);
    l.visibility = pose ? sigmoid(p[3]) : NAN;
    l.presence = pose ? sigmoid(p[4]) : NAN;
    r.landmarks.push_back(l);
  }
  return r;
}

const char* landmark_kind_name(LandmarkKind kind) {
  return kind == LandmarkKind::kPose ? "pose" : "hand";
}

const std::vector<std::string>& landmark_names(LandmarkKind kind) {
  static const std::vector<std::string> pose{
      "nose",          "left_eye_inner", "left_eye",        "left_eye_outer",
      "right_eye_inner", "right_eye",    "right_eye_outer", "left_ear",
      "right_ear",     "mouth_left",     "mouth_right",     "left_shoulder",
      "right_shoulder", "left_elbow",    "right_elbow",     "left_wrist",
      "right_wrist",   "left_pinky",     "right_pinky",     "left_index",
      "right_index",   "left_thumb",     "right_thumb",     "left_hip",
      "right_hip",     "left_knee",      "right_knee",      "left_ankle",
      "right_ankle",   "left_heel",      "right_heel",      "left_foot_index",
      "right_foot_index"};
  static const std::vector<std::string> hand{
      "wrist",             "thumb_cmc",         "thumb_mcp",         "thumb_ip",
      "thumb_tip",         "index_finger_mcp",  "index_finger_pip",  "index_finger_dip",
      "index_finger_tip",  "middle_finger_mcp", "middle_finger_pip", "middle_finger_dip",
      "middle_finger_tip", "ring_finger_mcp",   "ring_finger_pip",   "ring_finger_dip",
      "ring_finger_tip",   "pinky_mcp",         "pinky_pip",         "pinky_dip",
      "pinky_tip"};
  return kind == LandmarkKind::kPose ? pose : hand;
}

const std::vector<std::pair<int, int>>& landmark_connections(LandmarkKind kind) {
  static const std::vector<std::pair<int, int>> pose{
      {0, 1},   {1, 2},   {2, 3},   {3, 7},   {0, 4},   {4, 5},   {5, 6},   {6, 8},   {9, 10},
      {11, 12}, {11, 13}, {13, 15}, {15, 17}, {15, 19}, {15, 21}, {17, 19}, {12, 14}, {14, 16},
      {16, 18}, {16, 20}, {16, 22}, {18, 20}, {11, 23}, {12, 24}, {23, 24}, {23, 25}, {24, 26},
      {25, 27}, {26, 28}, {27, 29}, {28, 30}, {29, 31}, {30, 32}, {27, 31}, {28, 32}};
  static const std::vector<std::pair<int, int>> hand{
      {0, 1},  {1, 2},   {2, 3},   {3, 4},   {0, 5},   {5, 6},   {6, 7},
      {7, 8},  {5, 9},   {9, 10},  {10, 11}, {11, 12}, {9, 13},  {13, 14},
      {14, 15}, {15, 16}, {13, 17}, {0, 17},  {17, 18}, {18, 19}, {19, 20}};
  return kind == LandmarkKind::kPose ? pose : hand;
}

void draw_landmarks(Image& image, const LandmarkResult& result, float min_visibility) {
  const int radius = std::max(1, std::min(image.width, image.height) / 250);
  auto shown = [&](const Landmark& l) {
    return result.kind == LandmarkKind::kHand || l.visibility >= min_visibility;
  };
  auto px = [](float v) { return static_cast<int>(std::lround(std::clamp(v, -1e6f, 1e6f))); };
  const auto& points = result.landmarks;
  for (const auto& [a, b] : landmark_connections(result.kind)) {
    if (a >= static_cast<int>(points.size()) || b >= static_cast<int>(points.size())) continue;
    if (!shown(points[a]) || !shown(points[b])) continue;
    draw_line(image, px(points[a].x), px(points[a].y), px(points[b].x), px(points[b].y), radius,
              Color{255, 255, 255, 255});
  }
  for (const Landmark& l : points)
    if (shown(l)) draw_point(image, px(l.x), px(l.y), radius + 1, Color{255, 64, 0, 255});
}

}  // namespace outpost
