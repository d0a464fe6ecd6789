// MediaPipe face detection (BlazeFace short- and full-range models from
// @mediapipe/face_detection): turns the model's two outputs into face boxes with six
// keypoints, as MediaPipe's TensorsToDetections + NonMaxSuppression calculators do.
#pragma once

#include <array>
#include <string>
#include <utility>
#include <vector>

#include "outpost/status.h"
#include "outpost/tensor.h"
#include "vision/image.h"
#include "vision/ssd_anchors.h"

namespace outpost {

struct FaceDetection {
  // Normalized to the model input, which is the whole image when it was resized without
  // letterboxing (0..1, may stick out slightly for faces at the border).
  float xmin = 0.0f, ymin = 0.0f, width = 0.0f, height = 0.0f;
  float score = 0.0f;
  // (x, y), normalized: right eye, left eye, nose tip, mouth centre, right ear tragion, left
  // ear tragion (the subject's right and left).
  std::array<std::pair<float, float>, 6> keypoints{};
};

struct FaceDetectorOptions {
  SsdAnchorOptions anchors;
  int num_coords = 16;  // per box: x, y, w, h offsets, then 6 keypoints (x, y)
  int num_keypoints = 6;
  int keypoint_coord_offset = 4;
  // Offsets are in input pixels; dividing by these makes them fractions of an anchor.
  float x_scale = 0.0f, y_scale = 0.0f, w_scale = 0.0f, h_scale = 0.0f;
  bool reverse_output_order = true;         // x before y (BlazeFace); false: y, x, h, w
  float score_clipping_threshold = 100.0f;  // logits are clipped to +-this before the sigmoid
  float min_score = 0.5f;
  float iou_threshold = 0.3f;  // weighted NMS merges boxes overlapping more than this
  int max_detections = -1;     // after NMS; -1 = all

  // face_detection_short_range.tflite: 128x128 input, 896 anchors, for faces within ~2 m.
  static FaceDetectorOptions short_range();
  // face_detection_full_range(_sparse).tflite: 192x192 input, 2304 anchors, up to ~5 m.
  static FaceDetectorOptions full_range();
  // Picks the preset for a model from its input size (128 or 192 square).
  static Result<FaceDetectorOptions> for_input_size(int width, int height);
};

class FaceDetector {
 public:
  explicit FaceDetector(FaceDetectorOptions options);

  const FaceDetectorOptions& options() const { return options_; }
  const std::vector<Anchor>& anchors() const { return anchors_; }

  // regressors: float32 [1, N, num_coords]; scores: float32 [1, N, 1] (N = anchor count).
  // Returns faces after score filtering and weighted NMS, best first. Fails with
  // kShapeMismatch, naming the tensor, if the outputs do not fit these options.
  Result<std::vector<FaceDetection>> decode(const Tensor& regressors, const Tensor& scores) const;

  // The same on raw arrays of N * num_coords and N floats.
  std::vector<FaceDetection> decode(const float* regressors, const float* scores) const;

  // Every anchor whose score passes min_score, decoded, before NMS.
  std::vector<FaceDetection> decode_candidates(const float* regressors, const float* scores) const;

 private:
  FaceDetectorOptions options_;
  std::vector<Anchor> anchors_;
};

// The model input for an image: resized (PIL-style bilinear, as the reference inputs were
// made) to the model's size without letterboxing, RGB scaled to [-1, 1], float32 NHWC
// [1, h, w, 3]. Alpha is dropped; gray is replicated.
Result<Tensor> face_detector_input(const Image& image, const FaceDetectorOptions& options);

}  // namespace outpost
