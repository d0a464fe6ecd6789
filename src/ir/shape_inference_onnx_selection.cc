// Shape inference of the ONNX ops whose output size their input data decides: NonZero,
// Compress, Unique and NonMaxSuppression. Each needs that data as a constant; when it is not
// one (it comes from the model's input), inference waits for it (wait_for_value), and the
// session evaluates the model with each run's data. The count is found by the same rule the
// reference kernel runs (ir/unique_slices.h, ir/non_max_suppression.h).
#include <cmath>

#include "ir/element_truth.h"
#include "ir/non_max_suppression.h"
#include "ir/shape_inference_onnx_util.h"
#include "ir/unique_slices.h"

namespace outpost {

using namespace onnx_infer;  // NOLINT: this family's helpers

namespace {

// Waits for the data of every present input in `which` that is not a constant.
Status require_data(Graph& g, const Node& n, std::initializer_list<size_t> which, const std::string& what) {
  for (size_t i : which)
    if (present(n, i) && !in(g, n, i).is_constant()) return wait_for_value(g, n, i, what);
  return Status::ok();
}

}  // namespace

Status infer_onnx_non_zero(const Node& n, Graph& g) {
  OUTPOST_RETURN_IF_ERROR(require_data(g, n, {0}, "the number of non-zero elements"));
  const Value& x = in(g, n, 0);
  const size_t elem = dtype_size(x.dtype);
  const int64_t total = x.shape.num_elements().value_or(0);
  if (x.constant.size < static_cast<size_t>(total) * elem) return fail(g, n, "constant is too short");
  int64_t count = 0;
  for (int64_t i = 0; i < total; ++i) count += element_is_nonzero(x.constant.bytes + static_cast<size_t>(i) * elem, x.dtype);
  set_out(g, n, Shape{static_cast<int64_t>(x.shape.rank()), count}, DType::kInt64);
  return Status::ok();
}

Status infer_onnx_compress(const Node& n, Graph& g) {
  const Shape& x = in(g, n, 0).shape;
  const Value& condition = in(g, n, 1);
  if (condition.dtype != DType::kBool || condition.shape.rank() != 1)
    return fail(g, n, "condition must be a 1-D bool tensor");
  const bool flat = !n.attrs.has("axis");
  int64_t axis = 0;
  if (!flat) {
    OUTPOST_ASSIGN_OR_RETURN(axis, norm_axis(g, n, n.attrs.get_int("axis", 0), static_cast<int64_t>(x.rank())));
  }
  const int64_t extent = flat ? x.num_elements().value_or(0) : x[static_cast<size_t>(axis)];
  if (condition.shape[0] > extent)
    return fail(g, n, "condition has " + std::to_string(condition.shape[0]) +
                          " entries, more than the " + std::to_string(extent) + " it selects from");
  OUTPOST_RETURN_IF_ERROR(require_data(g, n, {1}, "how many slices are kept"));
  int64_t kept = 0;
  for (int64_t i = 0; i < condition.shape[0]; ++i) kept += condition.constant.bytes[i] != 0;
  std::vector<int64_t> dims = flat ? std::vector<int64_t>{kept} : x.dims();
  if (!flat) dims[static_cast<size_t>(axis)] = kept;
  set_out(g, n, Shape(dims), in(g, n, 0).dtype);
  return Status::ok();
}

Status infer_onnx_unique(const Node& n, Graph& g) {
  if (n.outputs.size() > 4) return fail(g, n, "Unique has at most 4 outputs");
  const Value& x = in(g, n, 0);
  if (x.dtype == DType::kFloat16)
    return unsupported(g.source + ": " + n.describe() + ": Unique of float16 is not supported");
  SliceLayout layout;
  const bool flat = !n.attrs.has("axis");
  int64_t axis = 0;
  if (flat) {
    layout.count = x.shape.num_elements().value_or(0);
  } else {
    OUTPOST_ASSIGN_OR_RETURN(axis, norm_axis(g, n, n.attrs.get_int("axis", 0), static_cast<int64_t>(x.shape.rank())));
    for (size_t d = 0; d < x.shape.rank(); ++d) {
      const int64_t k = static_cast<int64_t>(d);
      if (k < axis) layout.outer *= x.shape[d];
      if (k == axis) layout.count = x.shape[d];
      if (k > axis) layout.inner *= x.shape[d];
    }
  }
  OUTPOST_RETURN_IF_ERROR(require_data(g, n, {0}, "how many distinct values it has"));
  const int64_t distinct = static_cast<int64_t>(
      unique_slices(x.dtype, x.constant.bytes, layout, n.attrs.get_int("sorted", 1) != 0).first.size());
  std::vector<int64_t> dims = flat ? std::vector<int64_t>{distinct} : x.shape.dims();
  if (!flat) dims[static_cast<size_t>(axis)] = distinct;
  set_out(g, n, Shape(dims), x.dtype);
  const Shape index_shapes[] = {Shape{distinct}, Shape{layout.count}, Shape{distinct}};
  for (size_t k = 1; k < n.outputs.size(); ++k) set_out(g, n, index_shapes[k - 1], DType::kInt64, k);
  return Status::ok();
}

Status infer_onnx_non_max_suppression(const Node& n, Graph& g) {
  const Shape& boxes = in(g, n, 0).shape;
  const Shape& scores = in(g, n, 1).shape;
  if (in(g, n, 0).dtype != DType::kFloat32 || in(g, n, 1).dtype != DType::kFloat32)
    return unsupported(g.source + ": " + n.describe() + ": NonMaxSuppression takes float32 boxes and scores");
  if (boxes.rank() != 3 || boxes[2] != 4)
    return fail(g, n, "boxes must be [batches, boxes, 4], are " + boxes.to_string());
  if (scores.rank() != 3 || scores[0] != boxes[0] || scores[2] != boxes[1])
    return fail(g, n, "scores must be [batches, classes, boxes] for boxes " + boxes.to_string() +
                          ", are " + scores.to_string());
  if (present(n, 2) && in(g, n, 2).dtype != DType::kInt64)
    return fail(g, n, "max_output_boxes_per_class must be int64");
  for (size_t i : {size_t{3}, size_t{4}})
    if (present(n, i) && in(g, n, i).dtype != DType::kFloat32)
      return fail(g, n, "input " + std::to_string(i) + " must be float32");
  OUTPOST_RETURN_IF_ERROR(require_data(g, n, {0, 1, 2, 3, 4}, "how many boxes are selected"));
  for (size_t i : {size_t{2}, size_t{3}, size_t{4}})
    if (present(n, i) && in(g, n, i).shape.num_elements().value_or(0) != 1)
      return fail(g, n, "input " + std::to_string(i) + " must hold one value");
  auto scalar = [&](size_t i) { return present(n, i) ? in(g, n, i).constant.bytes : nullptr; };
  const auto selected = select_boxes(box_selection(
      n, scores, in(g, n, 0).constant_as<float>(), in(g, n, 1).constant_as<float>(),
      reinterpret_cast<const int64_t*>(scalar(2)), reinterpret_cast<const float*>(scalar(3)),
      reinterpret_cast<const float*>(scalar(4))));
  set_out(g, n, Shape{static_cast<int64_t>(selected.size()), 3}, DType::kInt64);
  return Status::ok();
}

}  // namespace outpost
