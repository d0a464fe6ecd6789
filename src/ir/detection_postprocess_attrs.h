// The attributes of DetectionPostProcess, named as the keys of TFLite's custom options for
// TFLite_Detection_PostProcess, and their limits: the importer, shape inference and the
// reference kernel read them from here so that the three agree.
#pragma once

#include <cstdint>

namespace outpost {

inline constexpr const char* kDppMaxDetections = "max_detections";
inline constexpr const char* kDppMaxClassesPerDetection = "max_classes_per_detection";
inline constexpr const char* kDppDetectionsPerClass = "detections_per_class";
inline constexpr const char* kDppUseRegularNms = "use_regular_nms";
inline constexpr const char* kDppScoreThreshold = "nms_score_threshold";
inline constexpr const char* kDppIouThreshold = "nms_iou_threshold";
inline constexpr const char* kDppNumClasses = "num_classes";
inline constexpr const char* kDppYScale = "y_scale";
inline constexpr const char* kDppXScale = "x_scale";
inline constexpr const char* kDppHScale = "h_scale";
inline constexpr const char* kDppWScale = "w_scale";

// TFLite's default when a model omits detections_per_class.
inline constexpr int64_t kDppDefaultDetectionsPerClass = 100;
// Real SSD models use tens to hundreds of detections and at most a few thousand classes; the
// caps keep a hostile file from asking for gigabytes of outputs or scratch memory.
inline constexpr int64_t kDppMaxCount = 1 << 16;
inline constexpr int64_t kDppMaxOutputRows = 1 << 20;  // max_detections * max_classes_per_detection
// Values per box encoding: ty, tx, th, tw, then e.g. keypoints (read by nothing here). Real
// models have 4 to a few dozen; the cap stops a corrupt dimension from sizing a huge input.
inline constexpr int64_t kDppMaxBoxValues = 1024;

}  // namespace outpost
