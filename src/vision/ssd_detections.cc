#include "vision/ssd_detections.h"

#include <algorithm>
#include <cmath>

namespace outpost {
namespace {

Status check_float(const Tensor& t) {
  if (t.dtype() != DType::kFloat32)
    return unsupported("SSD output '" + t.name + "' is " + dtype_name(t.dtype()) +
                       "; the detection post-processing outputs are float32");
  return Status::ok();
}

Status check_shape(const Tensor& t, const Shape& want) {
  if (t.shape() != want)
    return shape_mismatch("SSD output '" + t.name + "' has shape " + t.shape().to_string() +
                          ", expected " + want.to_string() +
                          " (boxes, classes, scores, num_detections, in that order)");
  return Status::ok();
}

Status check_outputs(const Tensor& boxes, const Tensor& classes, const Tensor& scores,
                     const Tensor& num) {
  for (const Tensor* t : {&boxes, &classes, &scores, &num})
    OUTPOST_RETURN_IF_ERROR(check_float(*t));
  if (boxes.shape().rank() != 3 || boxes.shape()[0] != 1 || boxes.shape()[2] != 4)
    return shape_mismatch("SSD output '" + boxes.name + "' has shape " + boxes.shape().to_string() +
                          ", expected [1, detections, 4] (ymin, xmin, ymax, xmax)");
  const int64_t rows = boxes.shape()[1];
  OUTPOST_RETURN_IF_ERROR(check_shape(classes, Shape{1, rows}));
  OUTPOST_RETURN_IF_ERROR(check_shape(scores, Shape{1, rows}));
  if (num.num_elements() < 1)
    return shape_mismatch("SSD output '" + num.name + "' (num_detections) is empty");
  return Status::ok();
}

// How many rows the op filled: num_detections (boxes or rows) times the rows per box, within
// the outputs. A NaN or negative count reads nothing.
int64_t filled_rows(const Tensor& num, int64_t rows, int classes_per_detection) {
  const double count = std::floor(static_cast<double>(num.data_as<float>()[0]));
  if (!(count > 0)) return 0;
  return static_cast<int64_t>(
      std::min(count * std::max(classes_per_detection, 1), static_cast<double>(rows)));
}

float clamp01(float v) { return std::isnan(v) ? 0.0f : std::clamp(v, 0.0f, 1.0f); }

SsdDetection detection_at(const float* box, int class_index, float score) {
  SsdDetection d;
  d.class_index = class_index;
  d.score = score;
  const float ymin = clamp01(box[0]), xmin = clamp01(box[1]);
  d.xmin = xmin;
  d.ymin = ymin;
  d.width = std::max(clamp01(box[3]) - xmin, 0.0f);
  d.height = std::max(clamp01(box[2]) - ymin, 0.0f);
  return d;
}

}  // namespace

Result<std::vector<SsdDetection>> decode_ssd_detections(const Tensor& boxes, const Tensor& classes,
                                                        const Tensor& scores,
                                                        const Tensor& num_detections,
                                                        const SsdDecodeOptions& options,
                                                        const std::vector<std::string>& labels) {
  OUTPOST_RETURN_IF_ERROR(check_outputs(boxes, classes, scores, num_detections));
  const int64_t rows = filled_rows(num_detections, boxes.shape()[1], options.classes_per_detection);
  std::vector<SsdDetection> out;
  for (int64_t r = 0; r < rows; ++r) {
    const float score = scores.data_as<float>()[r];
    const float cls = classes.data_as<float>()[r];
    if (!(score >= options.min_score)) continue;
    if (!(cls >= 0.0f && cls < 1e9f)) continue;  // not a class index: a row the op left empty
    SsdDetection d = detection_at(boxes.data_as<float>() + 4 * r, static_cast<int>(cls), score);
    const int64_t li = int64_t{d.class_index} + options.label_offset;
    if (li >= 0 && li < static_cast<int64_t>(labels.size()))
      d.label = labels[static_cast<size_t>(li)];
    out.push_back(std::move(d));
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const SsdDetection& a, const SsdDetection& b) { return a.score > b.score; });
  return out;
}

}  // namespace outpost
