// TFLite models of one TFLite_Detection_PostProcess custom op, for the importer, kernel and
// hostile-model tests: its FlexBuffer options and a model spec around it.
#pragma once

#include <cstdint>
#include <vector>

#include "support/tflite_builder.h"

namespace outpost::testing {

// The custom options, with the defaults of the TF Object Detection API's SSD export.
struct TfDetectionOptions {
  int max_detections = 3;
  int max_classes_per_detection = 1;
  int detections_per_class = 100;
  bool use_regular_nms = false;
  float nms_score_threshold = 0.5f;
  float nms_iou_threshold = 0.5f;
  int num_classes = 1;
  float y_scale = 10.0f, x_scale = 10.0f, h_scale = 5.0f, w_scale = 5.0f;
};

// The options as TFLite's converter writes them: a FlexBuffer map of ints, floats and a bool.
std::vector<uint8_t> detection_options_flexbuffer(const TfDetectionOptions& options);

// Tensors: 0 box_encodings [1, N, 4] and 1 class_predictions [1, N, classes_with_background]
// (graph inputs, float32), 2 anchors [N, 4] (a float32 constant, y_center, x_center, h, w),
// then the outputs 3 boxes, 4 classes, 5 scores, 6 num_detections, declared as TFLite sizes
// them. N = anchors.size() / 4. Tests change types and quantization on the returned spec.
TfModelSpec detection_model_spec(const std::vector<float>& anchors, int classes_with_background,
                                 const TfDetectionOptions& options);

}  // namespace outpost::testing
