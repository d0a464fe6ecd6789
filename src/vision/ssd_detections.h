// Decoding of the four outputs of an SSD post-processing op (TFLite's
// TFLite_Detection_PostProcess, the IR's DetectionPostProcess): boxes [1, M, 4] as (ymin, xmin,
// ymax, xmax), classes [1, M], scores [1, M] and num_detections [1], all float32, into a list
// of detections with labels and normalized boxes.
#pragma once

#include <string>
#include <vector>

#include "outpost/tensor.h"

namespace outpost {

struct SsdDetection {
  int class_index = 0;  // as the model outputs it: 0 is the first class after any background
  std::string label;  // labels[class_index + label_offset]; empty without labels or past their end
  float score = 0.0f;
  // Normalized to the model input and clamped to [0, 1].
  float xmin = 0.0f, ymin = 0.0f, width = 0.0f, height = 0.0f;
};

struct SsdDecodeOptions {
  float min_score = 0.5f;  // kept when score >= min_score, the op's own threshold rule
  // The op's max_classes_per_detection: with fast NMS each detected box fills this many rows
  // and num_detections counts boxes; 1 for regular NMS, whose num_detections counts rows.
  int classes_per_detection = 1;
  // 1 when the labels file starts with a background entry ("???" in the TF Object Detection
  // API's labelmap.txt), 0 when its first line is class 0 (Coral's coco_labels.txt).
  int label_offset = 0;
};

// Detections best first (equal scores keep the op's order). Fails with kShapeMismatch naming
// the tensor when the outputs do not have the shapes above, kUnsupported for dtypes other than
// float32; rows past num_detections (clamped to what the outputs hold) are never read.
Result<std::vector<SsdDetection>> decode_ssd_detections(
    const Tensor& boxes, const Tensor& classes, const Tensor& scores, const Tensor& num_detections,
    const SsdDecodeOptions& options, const std::vector<std::string>& labels = {});

}  // namespace outpost
