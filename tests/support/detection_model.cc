#include "support/detection_model.h"

#include <flatbuffers/flexbuffers.h>

namespace outpost::testing {

std::vector<uint8_t> detection_options_flexbuffer(const TfDetectionOptions& o) {
  flexbuffers::Builder fbb;
  fbb.Map([&] {
    fbb.Int("max_detections", o.max_detections);
    fbb.Int("max_classes_per_detection", o.max_classes_per_detection);
    fbb.Int("detections_per_class", o.detections_per_class);
    fbb.Bool("use_regular_nms", o.use_regular_nms);
    fbb.Float("nms_score_threshold", o.nms_score_threshold);
    fbb.Float("nms_iou_threshold", o.nms_iou_threshold);
    fbb.Int("num_classes", o.num_classes);
    fbb.Float("y_scale", o.y_scale);
    fbb.Float("x_scale", o.x_scale);
    fbb.Float("h_scale", o.h_scale);
    fbb.Float("w_scale", o.w_scale);
  });
  fbb.Finish();
  return fbb.GetBuffer();
}

TfModelSpec detection_model_spec(const std::vector<float>& anchors, int classes_with_background,
                                 const TfDetectionOptions& options) {
  const int n = static_cast<int>(anchors.size() / 4);
  const int m = options.max_detections * options.max_classes_per_detection;
  TfModelSpec spec;
  spec.tensors = {{{1, n, 4}, 0, 0, "box_encodings"},
                  {{1, n, classes_with_background}, 0, 0, "class_predictions"},
                  {{n, 4}, 0, 1, "anchors"},
                  {{1, m, 4}, 0, 0, "detection_boxes"},
                  {{1, m}, 0, 0, "detection_classes"},
                  {{1, m}, 0, 0, "detection_scores"},
                  {{1}, 0, 0, "num_detections"}};
  spec.buffers = {bytes_of(anchors)};
  TfOperatorSpec op;
  op.builtin_code = 32;  // CUSTOM
  op.custom_code = "TFLite_Detection_PostProcess";
  op.inputs = {0, 1, 2};
  op.outputs = {3, 4, 5, 6};
  op.custom_options = detection_options_flexbuffer(options);
  spec.operators = {op};
  spec.inputs = {0, 1};
  spec.outputs = {3, 4, 5, 6};
  return spec;
}

}  // namespace outpost::testing
