// Shape inference of DetectionPostProcess (TFLite's custom op TFLite_Detection_PostProcess).
// Inputs: box_encodings [1, N, 4..1024] (ty, tx, th, tw, then e.g. keypoints the op ignores),
// class_predictions [1, N, num_classes + label_offset] with label_offset 0 or 1 (a leading
// background column), anchors [N, 4] (y_center, x_center, h, w). Outputs, all float32, with
// M = max_detections * max_classes_per_detection (TFLite's Prepare sizes them so for both NMS
// variants; regular NMS fills at most max_detections rows): boxes [1, M, 4], classes [1, M],
// scores [1, M], num_detections [1].
#include <cmath>
#include <string>
#include <string_view>

#include "ir/detection_postprocess_attrs.h"
#include "ir/shape_inference.h"

namespace outpost {
namespace {

Status fail(const Graph& g, const Node& n, const std::string& why) {
  return shape_mismatch(g.source + ": " + n.describe() + ": " + why);
}

std::string input_name(size_t i) {
  static const char* const kNames[] = {"box_encodings", "class_predictions", "anchors"};
  return std::string("input ") + std::to_string(i) + " (" + kNames[i] + ")";
}

// Every attribute the kernel reads, in range; the importer reports the same problems earlier
// with the custom option's key, this guards graphs built by other means.
Status check_attrs(const Graph& g, const Node& n) {
  for (const char* key :
       {kDppMaxDetections, kDppMaxClassesPerDetection, kDppDetectionsPerClass, kDppNumClasses}) {
    const bool has_default = std::string_view(key) == kDppDetectionsPerClass;
    const int64_t v = n.attrs.get_int(key, has_default ? kDppDefaultDetectionsPerClass : 0);
    if (v < 1 || v > kDppMaxCount)
      return fail(g, n,
                  std::string("attribute ") + key + " is " + std::to_string(v) + ", expected 1.." +
                      std::to_string(kDppMaxCount));
  }
  for (const char* key : {kDppYScale, kDppXScale, kDppHScale, kDppWScale}) {
    const float v = n.attrs.get_float(key, 0.0f);
    if (!std::isfinite(v) || v <= 0.0f)
      return fail(g, n,
                  std::string("attribute ") + key + " is " + std::to_string(v) +
                      ", expected a positive number");
  }
  if (!std::isfinite(n.attrs.get_float(kDppScoreThreshold, 0.0f)))
    return fail(g, n, std::string("attribute ") + kDppScoreThreshold + " must be finite");
  const float iou = n.attrs.get_float(kDppIouThreshold, -1.0f);
  if (!(iou >= 0.0f && iou <= 1.0f))
    return fail(g, n,
                std::string("attribute ") + kDppIouThreshold + " is " + std::to_string(iou) +
                    ", expected 0..1");
  return Status::ok();
}

Status check_inputs(const Graph& g, const Node& n, int64_t num_classes) {
  const Shape& boxes = g.value(n.inputs[0]).shape;
  const Shape& scores = g.value(n.inputs[1]).shape;
  const Shape& anchors = g.value(n.inputs[2]).shape;
  if (boxes.rank() != 3 || boxes[0] != 1 || boxes[2] < 4 || boxes[2] > kDppMaxBoxValues)
    return fail(g, n,
                input_name(0) + " has shape " + boxes.to_string() +
                    ", expected [1, boxes, 4] (batch 1, 4 to " + std::to_string(kDppMaxBoxValues) +
                    " values per box)");
  const int64_t num_boxes = boxes[1];
  if (scores.rank() != 3 || scores[0] != 1 || scores[1] != num_boxes)
    return fail(g, n,
                input_name(1) + " has shape " + scores.to_string() + ", expected [1, " +
                    std::to_string(num_boxes) + ", classes] to match box_encodings");
  const int64_t label_offset = scores[2] - num_classes;
  if (label_offset != 0 && label_offset != 1)
    return fail(g, n,
                input_name(1) + " has " + std::to_string(scores[2]) +
                    " classes per box, expected num_classes (" + std::to_string(num_classes) +
                    ") or num_classes + 1 (a leading background class)");
  if (anchors.rank() != 2 || anchors[0] != num_boxes || anchors[1] != 4)
    return fail(g, n,
                input_name(2) + " has shape " + anchors.to_string() + ", expected [" +
                    std::to_string(num_boxes) + ", 4] (y_center, x_center, h, w per box)");
  return Status::ok();
}

// Sets output k, after checking a shape the model declares (infer_shapes checks output 0 only).
Status set_output(Graph& g, const Node& n, size_t k, Shape shape) {
  Value& v = g.value(n.outputs[k]);
  if (v.shape.rank() > 0 && v.shape.is_static() && v.shape.num_elements() != shape.num_elements())
    return fail(g, n,
                "the model declares output " + std::to_string(k) + " ('" + v.name + "') as " +
                    v.shape.to_string() + " but the attributes give " + shape.to_string());
  v.shape = std::move(shape);
  v.dtype = DType::kFloat32;  // as TFLite's Prepare, whatever the file declares
  v.quant = QuantParams{};
  return Status::ok();
}

}  // namespace

Status infer_detection_postprocess(const Node& n, Graph& g) {
  OUTPOST_RETURN_IF_ERROR(check_attrs(g, n));
  const int64_t num_classes = n.attrs.get_int(kDppNumClasses, 0);
  OUTPOST_RETURN_IF_ERROR(check_inputs(g, n, num_classes));
  const int64_t m =
      n.attrs.get_int(kDppMaxDetections, 0) * n.attrs.get_int(kDppMaxClassesPerDetection, 0);
  if (m > kDppMaxOutputRows)
    return fail(g, n,
                "max_detections * max_classes_per_detection is " + std::to_string(m) +
                    ", more than " + std::to_string(kDppMaxOutputRows) + " output rows");
  OUTPOST_RETURN_IF_ERROR(set_output(g, n, 0, Shape{1, m, 4}));
  OUTPOST_RETURN_IF_ERROR(set_output(g, n, 1, Shape{1, m}));
  OUTPOST_RETURN_IF_ERROR(set_output(g, n, 2, Shape{1, m}));
  return set_output(g, n, 3, Shape{1});
}

}  // namespace outpost
