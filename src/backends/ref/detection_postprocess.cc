// DetectionPostProcess: TFLite's custom op TFLite_Detection_PostProcess, the end of TF Object
// Detection API SSD models, from its documented semantics.
//  1. Decode: each box encoding (ty, tx, th, tw) against its anchor (y, x, h, w):
//     y_center = ty / y_scale * anchor_h + anchor_y, h = exp(th / h_scale) * anchor_h (x, w
//     alike), giving (ymin, xmin, ymax, xmax). In double, then rounded to float, as TFLite.
//  2. Suppress, over the class columns after the optional background column:
//     fast (use_regular_nms = 0): each box is scored by its best class, one greedy NMS keeps
//     up to max_detections boxes, and each kept box emits its best max_classes_per_detection
//     classes in rows [k * max_classes_per_detection, ...); num_detections counts boxes.
//     regular: greedy NMS per class (detections_per_class boxes each), then the best
//     max_detections (class, box) pairs overall, in rows [0, ...); num_detections counts rows.
//  Greedy NMS keeps scores >= nms_score_threshold, visits them best first and drops a later box
//  whose IoU with a kept one is > nms_iou_threshold; a box of zero or negative area has IoU 0.
//  Ties go to the lower box index, then to the lower class (TFLite sorts stably for NMS; its
//  partial sorts leave other ties unspecified). Unused rows are zero.
// Inputs may be float32, or uint8/int8 dequantized per tensor; outputs are float32.
#include <algorithm>
#include <cmath>
#include <limits>

#include "backends/ref/float_kernel_factories.h"
#include "backends/ref/quantized_common.h"
#include "ir/detection_postprocess_attrs.h"

namespace outpost {
namespace {

// How one input's elements become floats: as they are, or (q - zero_point) * scale.
struct InputFormat {
  DType dtype = DType::kFloat32;
  float scale = 1.0f;
  int32_t zero_point = 0;

  float real(int32_t q) const {
    return (static_cast<float>(q) - static_cast<float>(zero_point)) * scale;
  }
  float load(const void* data, int64_t i) const {
    switch (dtype) {
      case DType::kUInt8:
        return real(static_cast<const uint8_t*>(data)[i]);
      case DType::kInt8:
        return real(static_cast<const int8_t*>(data)[i]);
      default:
        return static_cast<const float*>(data)[i];
    }
  }
  // Rows of `width` values taken from rows `stride` apart.
  void load_rows(const void* data, int64_t rows, int64_t stride, int64_t width, float* out) const {
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t c = 0; c < width; ++c) out[r * width + c] = load(data, r * stride + c);
  }
};

struct DppParams {
  int64_t num_boxes = 0, box_stride = 4;
  int64_t num_classes = 0, classes_with_background = 0, label_offset = 0;
  int64_t max_detections = 0, max_classes_per_detection = 1, detections_per_class = 0;
  bool regular = false;
  float score_threshold = 0.0f, iou_threshold = 0.0f;
  double y_scale = 1, x_scale = 1, h_scale = 1, w_scale = 1;
  InputFormat boxes, scores, anchors;

  int64_t classes_per_box() const { return std::min(max_classes_per_detection, num_classes); }
  int64_t output_rows() const { return max_detections * max_classes_per_detection; }
};

// A (box, class) pair of regular NMS.
struct Detection {
  float score;
  int32_t box;
  int32_t cls;
};

struct Corners {
  float ymin, xmin, ymax, xmax;
};

// TFLite's IoU, in float: 0 when either box has no area.
float iou(const Corners& a, const Corners& b) {
  const float area_a = (a.ymax - a.ymin) * (a.xmax - a.xmin);
  const float area_b = (b.ymax - b.ymin) * (b.xmax - b.xmin);
  if (area_a <= 0 || area_b <= 0) return 0.0f;
  const float h = std::max(std::min(a.ymax, b.ymax) - std::max(a.ymin, b.ymin), 0.0f);
  const float w = std::max(std::min(a.xmax, b.xmax) - std::max(a.xmin, b.xmin), 0.0f);
  const float intersection = h * w;
  return intersection / (area_a + area_b - intersection);
}

class DetectionPostProcessKernel final : public Kernel {
 public:
  explicit DetectionPostProcessKernel(const DppParams& p)
      : p_(p),
        anchors_(static_cast<size_t>(p.num_boxes * 4)),
        boxes_(static_cast<size_t>(p.num_boxes)),
        scores_(static_cast<size_t>(p.num_boxes * p.classes_with_background)),
        column_(static_cast<size_t>(p.num_boxes)),
        active_(static_cast<size_t>(p.num_boxes)) {
    const size_t n = static_cast<size_t>(p.num_boxes);
    candidates_.reserve(n);
    selected_.reserve(n);
    if (p.regular) {
      const size_t most =
          static_cast<size_t>(p.max_detections + std::min(p.detections_per_class, p.num_boxes));
      best_.reserve(most);
      merged_.reserve(most);
    } else {
      top_classes_.resize(n * static_cast<size_t>(p.classes_per_box()));
    }
  }

  // Dequantizes constant anchors once; fails where TFLite's box validation would at run time.
  Status set_constant_anchors(const void* data, const std::string& where) {
    p_.anchors.load_rows(data, p_.num_boxes, 4, 4, anchors_.data());
    for (int64_t i = 0; i < p_.num_boxes; ++i) {
      const float h = anchors_[static_cast<size_t>(4 * i + 2)],
                  w = anchors_[static_cast<size_t>(4 * i + 3)];
      if (!(h >= 0.0f) || !(w >= 0.0f))
        return invalid_model(where + ": anchor " + std::to_string(i) + " has height " +
                             std::to_string(h) + " and width " + std::to_string(w) +
                             "; anchors must not be negative");
    }
    constant_anchors_ = true;
    return Status::ok();
  }

  Status run(std::span<const TensorView> inputs, std::span<const TensorView> outputs) override {
    if (!constant_anchors_)
      p_.anchors.load_rows(inputs[2].data, p_.num_boxes, 4, 4, anchors_.data());
    decode_boxes(inputs[0].data);
    p_.scores.load_rows(inputs[1].data, p_.num_boxes, p_.classes_with_background,
                        p_.classes_with_background, scores_.data());
    float* out_boxes = outputs[0].as<float>();
    float* out_classes = outputs[1].as<float>();
    float* out_scores = outputs[2].as<float>();
    const int64_t rows = p_.output_rows();
    std::fill(out_boxes, out_boxes + rows * 4, 0.0f);
    std::fill(out_classes, out_classes + rows, 0.0f);
    std::fill(out_scores, out_scores + rows, 0.0f);
    const int64_t count = p_.regular ? run_regular(out_boxes, out_classes, out_scores)
                                     : run_fast(out_boxes, out_classes, out_scores);
    outputs[3].as<float>()[0] = static_cast<float>(count);
    return Status::ok();
  }

 private:
  void decode_boxes(const void* encodings) {
    for (int64_t i = 0; i < p_.num_boxes; ++i) {
      const int64_t e = i * p_.box_stride;
      const double ty = p_.boxes.load(encodings, e), tx = p_.boxes.load(encodings, e + 1);
      const double th = p_.boxes.load(encodings, e + 2), tw = p_.boxes.load(encodings, e + 3);
      const float* a = &anchors_[static_cast<size_t>(4 * i)];
      const auto yc = static_cast<float>(ty / p_.y_scale * a[2] + a[0]);
      const auto xc = static_cast<float>(tx / p_.x_scale * a[3] + a[1]);
      const auto half_h = static_cast<float>(0.5 * std::exp(th / p_.h_scale) * a[2]);
      const auto half_w = static_cast<float>(0.5 * std::exp(tw / p_.w_scale) * a[3]);
      boxes_[static_cast<size_t>(i)] = {yc - half_h, xc - half_w, yc + half_h, xc + half_w};
    }
  }

  // Greedy single-class NMS over column_ (one score per box): fills selected_ with up to
  // `limit` box indices, best first.
  void suppress(int64_t limit) {
    candidates_.clear();
    for (int32_t i = 0; i < static_cast<int32_t>(p_.num_boxes); ++i)
      if (column_[static_cast<size_t>(i)] >= p_.score_threshold) candidates_.push_back(i);
    // Candidates passed the threshold, so none is NaN and the order is total.
    std::sort(candidates_.begin(), candidates_.end(), [&](int32_t a, int32_t b) {
      const float sa = column_[static_cast<size_t>(a)], sb = column_[static_cast<size_t>(b)];
      return sa > sb || (sa == sb && a < b);
    });
    selected_.clear();
    std::fill(active_.begin(), active_.begin() + static_cast<long>(candidates_.size()), uint8_t{1});
    for (size_t i = 0; i < candidates_.size(); ++i) {
      if (static_cast<int64_t>(selected_.size()) >= limit) break;
      if (!active_[i]) continue;
      const Corners& kept = boxes_[static_cast<size_t>(candidates_[i])];
      selected_.push_back(candidates_[i]);
      for (size_t j = i + 1; j < candidates_.size(); ++j)
        if (active_[j] && iou(kept, boxes_[static_cast<size_t>(candidates_[j])]) > p_.iou_threshold)
          active_[j] = 0;
    }
  }

  const float* class_scores(int64_t box) const {
    return &scores_[static_cast<size_t>(box * p_.classes_with_background + p_.label_offset)];
  }

  // The best `k` classes of each box, best first (ties: lower class), by insertion, which
  // stays in bounds even when NaN scores make the comparison inconsistent.
  void rank_classes() {
    const int64_t k = p_.classes_per_box();
    for (int64_t b = 0; b < p_.num_boxes; ++b) {
      const float* s = class_scores(b);
      int32_t* top = &top_classes_[static_cast<size_t>(b * k)];
      int64_t filled = 0;
      for (int32_t c = 0; c < static_cast<int32_t>(p_.num_classes); ++c) {
        int64_t at = filled;
        while (at > 0 && s[c] > s[top[at - 1]]) --at;
        if (at >= k) continue;
        for (int64_t m = std::min(filled, k - 1); m > at; --m) top[m] = top[m - 1];
        top[at] = c;
        filled = std::min(filled + 1, k);
      }
      column_[static_cast<size_t>(b)] = s[top[0]];
    }
  }

  void write_row(int64_t row, int32_t box, int32_t cls, float score, float* boxes, float* classes,
                 float* scores) const {
    const Corners& c = boxes_[static_cast<size_t>(box)];
    boxes[4 * row] = c.ymin;
    boxes[4 * row + 1] = c.xmin;
    boxes[4 * row + 2] = c.ymax;
    boxes[4 * row + 3] = c.xmax;
    classes[row] = static_cast<float>(cls);
    scores[row] = score;
  }

  int64_t run_fast(float* boxes, float* classes, float* scores) {
    rank_classes();
    suppress(p_.max_detections);
    const int64_t k = p_.classes_per_box();
    for (size_t d = 0; d < selected_.size(); ++d) {
      const int32_t box = selected_[d];
      const int32_t* top = &top_classes_[static_cast<size_t>(box * k)];
      for (int64_t col = 0; col < k; ++col)
        write_row(static_cast<int64_t>(d) * p_.max_classes_per_detection + col, box, top[col],
                  class_scores(box)[top[col]], boxes, classes, scores);
    }
    return static_cast<int64_t>(selected_.size());
  }

  // Merges this class's selections (best first) into best_, keeping the best max_detections;
  // on equal scores the earlier class stays first.
  void merge_class(int32_t cls) {
    merged_.clear();
    size_t a = 0, b = 0;
    const size_t limit = static_cast<size_t>(p_.max_detections);
    while (merged_.size() < limit && (a < best_.size() || b < selected_.size())) {
      const bool take_new =
          a == best_.size() ||
          (b < selected_.size() && column_[static_cast<size_t>(selected_[b])] > best_[a].score);
      if (take_new) {
        merged_.push_back({column_[static_cast<size_t>(selected_[b])], selected_[b], cls});
        ++b;
      } else {
        merged_.push_back(best_[a++]);
      }
    }
    best_.swap(merged_);
  }

  int64_t run_regular(float* boxes, float* classes, float* scores) {
    best_.clear();
    for (int32_t cls = 0; cls < static_cast<int32_t>(p_.num_classes); ++cls) {
      for (int64_t b = 0; b < p_.num_boxes; ++b)
        column_[static_cast<size_t>(b)] = class_scores(b)[cls];
      suppress(p_.detections_per_class);
      merge_class(cls);
    }
    for (size_t r = 0; r < best_.size(); ++r)
      write_row(static_cast<int64_t>(r), best_[r].box, best_[r].cls, best_[r].score, boxes, classes,
                scores);
    return static_cast<int64_t>(best_.size());
  }

  DppParams p_;
  bool constant_anchors_ = false;
  std::vector<float> anchors_;   // [N, 4] y_center, x_center, h, w
  std::vector<Corners> boxes_;   // decoded, [N]
  std::vector<float> scores_;    // dequantized class predictions, [N, classes_with_background]
  std::vector<float> column_;    // the score of each box that NMS sorts by
  std::vector<uint8_t> active_;  // per candidate: not yet suppressed
  std::vector<int32_t> candidates_, selected_;
  std::vector<int32_t> top_classes_;      // fast NMS: [N, classes_per_box]
  std::vector<Detection> best_, merged_;  // regular NMS: the running best max_detections
};

Result<InputFormat> input_format(const Graph& g, const Node& n, size_t i) {
  static const char* const kRoles[] = {"input 0 (box_encodings)", "input 1 (class_predictions)",
                                       "input 2 (anchors)"};
  const Value& v = input_of(g, n, i);
  InputFormat f;
  f.dtype = v.dtype;
  if (v.dtype == DType::kFloat32) return f;
  if (!quant::is_quantized_8bit(v.dtype))
    return not_handled(g, n,
                       std::string(kRoles[i]) + " is " + dtype_name(v.dtype) +
                           "; DetectionPostProcess reads float32, uint8 or int8");
  OUTPOST_ASSIGN_OR_RETURN(quant::TensorQuant q, quant::per_tensor_quant(g, n, v, kRoles[i]));
  f.scale = q.scale;
  f.zero_point = q.zero_point;
  return f;
}

Result<DppParams> read_params(const Graph& g, const Node& n) {
  DppParams p;
  for (size_t i = 0; i < 3; ++i) {
    OUTPOST_ASSIGN_OR_RETURN(InputFormat f, input_format(g, n, i));
    (i == 0 ? p.boxes : i == 1 ? p.scores : p.anchors) = f;
  }
  for (size_t k = 0; k < 4; ++k)
    if (output_of(g, n, k).dtype != DType::kFloat32)
      return not_handled(g, n,
                         "output " + std::to_string(k) + " is " +
                             dtype_name(output_of(g, n, k).dtype) +
                             ", DetectionPostProcess writes float32");
  // Shape inference has checked the shapes and attribute ranges.
  const Shape& boxes = input_of(g, n, 0).shape;
  p.num_boxes = boxes[1];
  p.box_stride = boxes[2];
  p.classes_with_background = input_of(g, n, 1).shape[2];
  p.num_classes = n.attrs.get_int(kDppNumClasses, 0);
  p.label_offset = p.classes_with_background - p.num_classes;
  p.max_detections = n.attrs.get_int(kDppMaxDetections, 0);
  p.max_classes_per_detection = n.attrs.get_int(kDppMaxClassesPerDetection, 1);
  p.detections_per_class = n.attrs.get_int(kDppDetectionsPerClass, kDppDefaultDetectionsPerClass);
  p.regular = n.attrs.get_int(kDppUseRegularNms, 0) != 0;
  p.score_threshold = n.attrs.get_float(kDppScoreThreshold, 0.0f);
  p.iou_threshold = n.attrs.get_float(kDppIouThreshold, 0.0f);
  p.y_scale = n.attrs.get_float(kDppYScale, 1.0f);
  p.x_scale = n.attrs.get_float(kDppXScale, 1.0f);
  p.h_scale = n.attrs.get_float(kDppHScale, 1.0f);
  p.w_scale = n.attrs.get_float(kDppWScale, 1.0f);
  if (p.num_boxes * p.classes_with_background > std::numeric_limits<int32_t>::max())
    return not_handled(g, n,
                       std::to_string(p.num_boxes) + " boxes of " +
                           std::to_string(p.classes_with_background) +
                           " classes are more than the kernel's int32 indices address");
  return p;
}

}  // namespace

Result<std::unique_ptr<Kernel>> make_detection_postprocess(const Node& node, const Graph& graph) {
  OUTPOST_ASSIGN_OR_RETURN(DppParams p, read_params(graph, node));
  auto kernel = std::make_unique<DetectionPostProcessKernel>(p);
  const Value& anchors = input_of(graph, node, 2);
  if (anchors.is_constant())
    OUTPOST_RETURN_IF_ERROR(kernel->set_constant_anchors(anchors.constant.bytes,
                                                         graph.source + ": " + node.describe()));
  return std::unique_ptr<Kernel>(std::move(kernel));
}

}  // namespace outpost
