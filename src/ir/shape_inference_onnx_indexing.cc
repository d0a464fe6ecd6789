// Shape (and dtype) inference of the ONNX indexing and data-movement ops of
// op_list_tensor.inc: Split, Slice, Gather*, Scatter*, Expand, Tile, Pad, DepthToSpace,
// SpaceToDepth, CumSum, TopK, OneHot, Trilu, ReverseSequence.
#include "ir/channels_last.h"
#include "ir/shape_inference_onnx_util.h"

namespace outpost {

using namespace onnx_infer;  // NOLINT: this family's helpers

Status infer_onnx_split(const Node& n, Graph& g) {
  const Shape& x = in(g, n, 0).shape;
  OUTPOST_ASSIGN_OR_RETURN(
      int64_t axis, norm_axis(g, n, n.attrs.get_int("axis", 0), static_cast<int64_t>(x.rank())));
  const int64_t extent = x[static_cast<size_t>(axis)];
  const int64_t parts = static_cast<int64_t>(n.outputs.size());
  if (use_declared(g, n, 1)) {
    int64_t sum = 0;
    for (size_t k = 0; k < n.outputs.size(); ++k) {
      const Shape& o = out(g, n, k).shape;
      if (o.rank() != x.rank())
        return fail(g, n,
                    "output " + std::to_string(k) + " has no declared shape of the input's rank");
      for (size_t d = 0; d < x.rank(); ++d)
        if (static_cast<int64_t>(d) != axis && o[d] != x[d])
          return fail(g, n, "declared output shapes do not split the input");
      sum += o[static_cast<size_t>(axis)];
      out(g, n, k).dtype = in(g, n, 0).dtype;
    }
    if (sum != extent) return fail(g, n, "declared output shapes do not split the input");
    return Status::ok();
  }
  std::vector<int64_t> split;
  if (present(n, 1)) {
    OUTPOST_ASSIGN_OR_RETURN(split, const_ints(g, n, 1));
  } else if (n.attrs.has("split")) {
    split = n.attrs.get_ints("split");
  } else if (n.attrs.has("num_outputs")) {
    // ONNX Split-18's num_outputs: chunks of ceil(extent / parts), the last one what is left.
    const int64_t chunk = parts > 0 ? (extent + parts - 1) / parts : 0;
    split.assign(static_cast<size_t>(parts), chunk);
    if (parts > 0) split.back() = extent - chunk * (parts - 1);
  } else {
    if (extent % parts != 0)
      return fail(g, n,
                  "axis extent " + std::to_string(extent) + " does not split into " +
                      std::to_string(parts) + " equal parts");
    split.assign(static_cast<size_t>(parts), extent / parts);
  }
  if (static_cast<int64_t>(split.size()) != parts)
    return fail(g, n,
                "split has " + std::to_string(split.size()) + " entries for " +
                    std::to_string(parts) + " outputs");
  int64_t sum = 0;
  for (int64_t s : split) {
    if (s < 0 || s > extent)
      return fail(g, n, "split entry " + std::to_string(s) + " is out of range");
    sum += s;
  }
  if (sum != extent)
    return fail(
        g, n, "split sums to " + std::to_string(sum) + ", the axis has " + std::to_string(extent));
  for (size_t k = 0; k < split.size(); ++k) {
    std::vector<int64_t> dims = x.dims();
    dims[static_cast<size_t>(axis)] = split[k];
    set_out(g, n, Shape(dims), in(g, n, 0).dtype, k);
  }
  return Status::ok();
}

Status infer_onnx_slice(const Node& n, Graph& g) {
  const Shape& x = in(g, n, 0).shape;
  const int64_t rank = static_cast<int64_t>(x.rank());
  if (use_declared(g, n, 1) || use_declared(g, n, 2) || use_declared(g, n, 3) ||
      use_declared(g, n, 4)) {
    const Shape& o = out(g, n).shape;
    if (o.rank() != x.rank())
      return fail(g, n, "the declared output rank differs from the input's");
    for (size_t k = 0; k < x.rank(); ++k)
      if (o[k] > x[k])
        return fail(g, n,
                    "the declared output shape " + o.to_string() + " is larger than the input");
    out(g, n).dtype = in(g, n, 0).dtype;
    return Status::ok();
  }
  std::vector<int64_t> starts, ends, axes, steps;
  if (n.inputs.size() == 1) {  // Slice before opset 10: the operands are attributes
    starts = n.attrs.get_ints("starts");
    ends = n.attrs.get_ints("ends");
    axes = n.attrs.get_ints("axes");
  } else {
    if (!present(n, 1) || !present(n, 2)) return fail(g, n, "starts and ends are required");
    OUTPOST_ASSIGN_OR_RETURN(starts, const_ints(g, n, 1));
    OUTPOST_ASSIGN_OR_RETURN(ends, const_ints(g, n, 2));
    if (present(n, 3)) {
      OUTPOST_ASSIGN_OR_RETURN(axes, const_ints(g, n, 3));
    }
    if (present(n, 4)) {
      OUTPOST_ASSIGN_OR_RETURN(steps, const_ints(g, n, 4));
    }
  }
  if (axes.empty())
    for (size_t k = 0; k < starts.size(); ++k) axes.push_back(static_cast<int64_t>(k));
  if (steps.empty()) steps.assign(starts.size(), 1);
  if (ends.size() != starts.size() || axes.size() != starts.size() || steps.size() != starts.size())
    return fail(g, n, "starts, ends, axes and steps have different lengths");
  std::vector<int64_t> dims = x.dims();
  std::vector<bool> seen(static_cast<size_t>(rank), false);
  for (size_t k = 0; k < starts.size(); ++k) {
    OUTPOST_ASSIGN_OR_RETURN(int64_t a, norm_axis(g, n, axes[k], rank, "axes entry"));
    if (seen[static_cast<size_t>(a)])
      return fail(g, n, "axis " + std::to_string(a) + " is repeated");
    seen[static_cast<size_t>(a)] = true;
    const int64_t dim = x[static_cast<size_t>(a)], step = steps[k];
    if (step == 0) return fail(g, n, "step 0");
    auto clamp = [&](int64_t v, int64_t lo, int64_t hi) {
      if (v < 0) v += dim;
      return std::clamp(v, lo, hi);
    };
    const int64_t s = step > 0 ? clamp(starts[k], 0, dim) : clamp(starts[k], -1, dim - 1);
    const int64_t e = step > 0 ? clamp(ends[k], 0, dim) : clamp(ends[k], -1, dim - 1);
    const int64_t count = step > 0 ? (e - s + step - 1) / step : (s - e + (-step) - 1) / (-step);
    dims[static_cast<size_t>(a)] = std::max<int64_t>(count, 0);
  }
  set_out(g, n, Shape(dims), in(g, n, 0).dtype);
  return Status::ok();
}

Status infer_onnx_gather(const Node& n, Graph& g) {
  const Shape& x = in(g, n, 0).shape;
  const Shape& idx = in(g, n, 1).shape;
  if (x.rank() == 0) return fail(g, n, "data must have rank >= 1");
  OUTPOST_ASSIGN_OR_RETURN(
      int64_t axis, norm_axis(g, n, n.attrs.get_int("axis", 0), static_cast<int64_t>(x.rank())));
  std::vector<int64_t> dims(x.dims().begin(), x.dims().begin() + axis);
  dims.insert(dims.end(), idx.dims().begin(), idx.dims().end());
  dims.insert(dims.end(), x.dims().begin() + axis + 1, x.dims().end());
  set_out(g, n, Shape(dims), in(g, n, 0).dtype);
  return Status::ok();
}

Status infer_onnx_gather_elements(const Node& n, Graph& g) {
  const Shape& x = in(g, n, 0).shape;
  const Shape& idx = in(g, n, 1).shape;
  if (x.rank() != idx.rank() || x.rank() == 0)
    return fail(g, n, "data and indices must have the same rank >= 1");
  OUTPOST_RETURN_IF_ERROR(
      norm_axis(g, n, n.attrs.get_int("axis", 0), static_cast<int64_t>(x.rank())).status());
  set_out(g, n, idx, in(g, n, 0).dtype);
  return Status::ok();
}

Status infer_onnx_gather_nd(const Node& n, Graph& g) {
  const Shape& x = in(g, n, 0).shape;
  const Shape& idx = in(g, n, 1).shape;
  const int64_t b = n.attrs.get_int("batch_dims", 0);
  if (idx.rank() == 0 || b < 0 || b >= static_cast<int64_t>(std::min(x.rank(), idx.rank())))
    return fail(g, n, "indices rank or batch_dims is out of range");
  const int64_t last = idx[idx.rank() - 1];
  if (last < 1 || b + last > static_cast<int64_t>(x.rank()))
    return fail(g, n, "indices' last dimension is out of range");
  for (int64_t k = 0; k < b; ++k)
    if (x[static_cast<size_t>(k)] != idx[static_cast<size_t>(k)])
      return fail(g, n, "batch dimensions differ");
  std::vector<int64_t> dims(idx.dims().begin(), idx.dims().end() - 1);
  dims.insert(dims.end(), x.dims().begin() + b + last, x.dims().end());
  set_out(g, n, Shape(dims), in(g, n, 0).dtype);
  return Status::ok();
}

Status infer_onnx_scatter(const Node& n, Graph& g) {
  const Shape& x = in(g, n, 0).shape;
  const Shape& idx = in(g, n, 1).shape;
  const Shape& upd = in(g, n, 2).shape;
  if (in(g, n, 2).dtype != in(g, n, 0).dtype)
    return fail(g, n, "updates and data have different dtypes");
  if (n.op == OpKind::kScatterElements) {
    if (idx != upd || idx.rank() != x.rank())
      return fail(g, n, "indices and updates must match in shape and rank");
    OUTPOST_RETURN_IF_ERROR(
        norm_axis(g, n, n.attrs.get_int("axis", 0), static_cast<int64_t>(x.rank())).status());
  } else {
    if (idx.rank() == 0) return fail(g, n, "indices must have rank >= 1");
    const int64_t last = idx[idx.rank() - 1];
    if (last < 1 || last > static_cast<int64_t>(x.rank()))
      return fail(g, n, "indices' last dimension is out of range");
    std::vector<int64_t> want(idx.dims().begin(), idx.dims().end() - 1);
    want.insert(want.end(), x.dims().begin() + last, x.dims().end());
    if (upd != Shape(want))
      return fail(
          g, n, "updates have shape " + upd.to_string() + ", expected " + Shape(want).to_string());
  }
  set_out(g, n, x, in(g, n, 0).dtype);
  return Status::ok();
}

Status infer_onnx_expand(const Node& n, Graph& g) {
  if (use_declared(g, n, 1)) {
    OUTPOST_ASSIGN_OR_RETURN(Shape s, broadcast_shapes(g, n, {in(g, n, 0).shape, out(g, n).shape}));
    if (s != out(g, n).shape)
      return fail(g, n, "the declared output shape is not a broadcast of the input");
    out(g, n).dtype = in(g, n, 0).dtype;
    return Status::ok();
  }
  OUTPOST_ASSIGN_OR_RETURN(auto dims, const_shape(g, n, 1));
  OUTPOST_RETURN_IF_ERROR(check_total(g, n, dims));
  OUTPOST_ASSIGN_OR_RETURN(Shape s, broadcast_shapes(g, n, {in(g, n, 0).shape, Shape(dims)}));
  set_out(g, n, s, in(g, n, 0).dtype);
  return Status::ok();
}

Status infer_onnx_tile(const Node& n, Graph& g) {
  const Shape& x = in(g, n, 0).shape;
  if (use_declared(g, n, 1)) {
    const Shape& o = out(g, n).shape;
    if (o.rank() != x.rank())
      return fail(g, n, "the declared output rank differs from the input's");
    for (size_t k = 0; k < x.rank(); ++k)
      if (x[k] == 0 ? o[k] != 0 : o[k] % x[k] != 0)
        return fail(g, n, "the declared output shape is not a tiling of the input");
    out(g, n).dtype = in(g, n, 0).dtype;
    return Status::ok();
  }
  OUTPOST_ASSIGN_OR_RETURN(auto reps, const_ints(g, n, 1));
  if (reps.size() != x.rank())
    return fail(g, n,
                "repeats has " + std::to_string(reps.size()) + " entries for rank " +
                    std::to_string(x.rank()));
  std::vector<int64_t> dims = x.dims();
  for (size_t k = 0; k < dims.size(); ++k) {
    if (reps[k] < 0) return fail(g, n, "negative repeat");
    OUTPOST_RETURN_IF_ERROR(check_total(g, n, {dims[k], reps[k]}));
    dims[k] *= reps[k];
  }
  OUTPOST_RETURN_IF_ERROR(check_total(g, n, dims));
  set_out(g, n, Shape(dims), in(g, n, 0).dtype);
  return Status::ok();
}

Status infer_pad(const Node& n, Graph& g) {
  const Shape& x = in(g, n, 0).shape;
  std::vector<int64_t> pads;
  if (use_declared(g, n, 1)) {
    if (out(g, n).shape.rank() != x.rank())
      return fail(g, n, "the declared output rank differs from the input's");
    for (size_t k = 0; k < x.rank(); ++k)
      if (x[k] == 0 && out(g, n).shape[k] > 0 &&
          n.attrs.get_string("mode", "constant") != "constant")
        return fail(g, n, "cannot pad an empty axis by reflection or edge");
    return require_input_dtype(n, g);
  }
  if (n.inputs.size() == 1) {  // Pad before opset 11: the operands are attributes
    pads = n.attrs.get_ints("pads");
  } else {
    if (!present(n, 1)) return fail(g, n, "pads is required");
    OUTPOST_ASSIGN_OR_RETURN(pads, const_ints(g, n, 1));
  }
  const std::string mode = n.attrs.get_string("mode", "constant");
  if (mode != "constant" && mode != "reflect" && mode != "edge")
    return unsupported(g.source + ": " + n.describe() + ": Pad mode '" + mode +
                       "' is not supported");
  if (pads.size() != 2 * x.rank())
    return fail(g, n,
                "pads has " + std::to_string(pads.size()) + " entries for rank " +
                    std::to_string(x.rank()));
  std::vector<int64_t> dims = x.dims();
  for (size_t k = 0; k < dims.size(); ++k) {
    if (std::abs(pads[k]) > (int64_t{1} << 32) || std::abs(pads[k + x.rank()]) > (int64_t{1} << 32))
      return fail(g, n, "pads are too large");
    dims[k] += pads[k] + pads[k + x.rank()];
    if (dims[k] < 0) return fail(g, n, "pads crop axis " + std::to_string(k) + " below zero");
    if (mode == "reflect" && (pads[k] >= x[k] || pads[k + x.rank()] >= x[k]) &&
        (pads[k] > 0 || pads[k + x.rank()] > 0))
      return fail(g, n,
                  "reflect pads must be smaller than the axis extent " + std::to_string(x[k]));
    if (mode == "edge" && x[k] == 0 && dims[k] > 0)
      return fail(g, n, "edge padding of an empty axis");
  }
  OUTPOST_RETURN_IF_ERROR(check_total(g, n, dims));
  out(g, n).shape = Shape(dims);
  return require_input_dtype(n, g);
}

// NCHW, or NHWC when the node is channels-last (as TFLite's DEPTH_TO_SPACE imports): the
// geometry is that of the NCHW view (ir/channels_last.h).
Status infer_depth_to_space(const Node& n, Graph& g) {
  const bool nhwc = is_channels_last(n);
  if (in(g, n, 0).shape.rank() != 4)
    return fail(g, n, std::string("input must be ") + (nhwc ? "NHWC" : "NCHW") + " (rank 4)");
  const Shape x = logical_nchw(in(g, n, 0).shape, n);
  const int64_t b = n.attrs.get_int("blocksize", 0);
  if (b <= 0 || b > 4096 || x[1] % (b * b) != 0)
    return fail(g, n, "channels " + std::to_string(x[1]) + " are not divisible by blocksize^2");
  const std::string mode = n.attrs.get_string("mode", "DCR");
  if (mode != "DCR" && mode != "CRD") return fail(g, n, "mode must be DCR or CRD");
  const Shape y{x[0], x[1] / (b * b), x[2] * b, x[3] * b};
  out(g, n).shape = nhwc ? Shape{y[0], y[2], y[3], y[1]} : y;
  return require_input_dtype(n, g);
}

Status infer_onnx_space_to_depth(const Node& n, Graph& g) {
  const Shape& x = in(g, n, 0).shape;
  const int64_t b = n.attrs.get_int("blocksize", 0);
  if (x.rank() != 4) return fail(g, n, "input must be NCHW (rank 4)");
  if (b <= 0 || b > 4096 || x[2] % b != 0 || x[3] % b != 0)
    return fail(g, n, "height and width must be divisible by blocksize");
  set_out(g, n, Shape{x[0], x[1] * b * b, x[2] / b, x[3] / b}, in(g, n, 0).dtype);
  return Status::ok();
}

Status infer_onnx_cumsum(const Node& n, Graph& g) {
  // The axis may come at run time (the kernel clamps it); a constant one is checked here.
  const Value& a = in(g, n, 1);
  if ((a.dtype != DType::kInt32 && a.dtype != DType::kInt64) ||
      a.shape.num_elements().value_or(0) != 1)
    return fail(g, n, "axis must be an int32/int64 scalar");
  if (a.is_constant()) {
    OUTPOST_ASSIGN_OR_RETURN(auto axis, const_ints(g, n, 1));
    OUTPOST_RETURN_IF_ERROR(
        norm_axis(g, n, axis[0], static_cast<int64_t>(in(g, n, 0).shape.rank())).status());
  }
  return infer_onnx_unary(n, g);
}

Status infer_onnx_topk(const Node& n, Graph& g) {
  const Shape& x = in(g, n, 0).shape;
  int64_t k = n.attrs.get_int("k", -1);
  if (use_declared(g, n, 1)) {
    OUTPOST_ASSIGN_OR_RETURN(
        int64_t axis, norm_axis(g, n, n.attrs.get_int("axis", -1), static_cast<int64_t>(x.rank())));
    const Shape o = out(g, n).shape;
    if (o.rank() != x.rank())
      return fail(g, n, "the declared output rank differs from the input's");
    for (size_t d = 0; d < x.rank(); ++d)
      if (o[d] != x[d] && (static_cast<int64_t>(d) != axis || o[d] > x[d]))
        return fail(g, n, "the declared output shape does not fit");
    set_out(g, n, o, in(g, n, 0).dtype, 0);
    set_out(g, n, o, DType::kInt64, 1);
    return Status::ok();
  }
  if (present(n, 1)) {
    OUTPOST_ASSIGN_OR_RETURN(auto ks, const_ints(g, n, 1));
    if (ks.size() != 1) return fail(g, n, "K must hold one value");
    k = ks[0];
  }
  OUTPOST_ASSIGN_OR_RETURN(
      int64_t axis, norm_axis(g, n, n.attrs.get_int("axis", -1), static_cast<int64_t>(x.rank())));
  if (k < 0 || k > x[static_cast<size_t>(axis)])
    return fail(g, n, "K " + std::to_string(k) + " is out of range");
  std::vector<int64_t> dims = x.dims();
  dims[static_cast<size_t>(axis)] = k;
  set_out(g, n, Shape(dims), in(g, n, 0).dtype, 0);
  set_out(g, n, Shape(dims), DType::kInt64, 1);
  return Status::ok();
}

Status infer_onnx_one_hot(const Node& n, Graph& g) {
  const Shape& idx = in(g, n, 0).shape;
  const Value& depth = in(g, n, 1);
  if (in(g, n, 2).shape.num_elements().value_or(0) != 2)
    return fail(g, n, "values must hold [off, on]");
  if (use_declared(g, n, 1)) {
    // Depth is known only at run time: the declared shape must be the indices' with one axis
    // inserted, or the kernel would read indices that do not exist.
    const Shape& o = out(g, n).shape;
    if (o.rank() != idx.rank() + 1)
      return fail(g, n, "the declared output rank must be the indices' plus one");
    OUTPOST_ASSIGN_OR_RETURN(
        int64_t axis,
        norm_axis(g, n, n.attrs.get_int("axis", -1), static_cast<int64_t>(o.rank())));
    for (size_t k = 0, j = 0; k < o.rank(); ++k) {
      if (static_cast<int64_t>(k) == axis) continue;
      if (o[k] != idx[j++])
        return fail(g, n,
                    "the declared output shape " + o.to_string() +
                        " is not the indices' shape " + idx.to_string() + " with a depth axis");
    }
    out(g, n).dtype = in(g, n, 2).dtype;
    return Status::ok();
  }
  if (depth.shape.num_elements().value_or(0) != 1) return fail(g, n, "depth must be a scalar");
  if (!depth.is_constant()) return wait_for_value(g, n, 1, "the depth of the output");
  double d = 0;
  switch (depth.dtype) {
    case DType::kFloat32: {
      float f;
      std::memcpy(&f, depth.constant.bytes, 4);
      d = f;
      break;
    }
    case DType::kInt32: {
      int32_t v;
      std::memcpy(&v, depth.constant.bytes, 4);
      d = v;
      break;
    }
    case DType::kInt64: {
      int64_t v;
      std::memcpy(&v, depth.constant.bytes, 8);
      d = static_cast<double>(v);
      break;
    }
    default:
      return unsupported(g.source + ": " + n.describe() + ": OneHot depth of " +
                         dtype_name(depth.dtype) + " is not supported");
  }
  if (!(d >= 1 && d < double(int64_t{1} << 31))) return fail(g, n, "depth must be positive");
  const int64_t rank = static_cast<int64_t>(idx.rank()) + 1;
  OUTPOST_ASSIGN_OR_RETURN(int64_t axis, norm_axis(g, n, n.attrs.get_int("axis", -1), rank));
  std::vector<int64_t> dims = idx.dims();
  dims.insert(dims.begin() + axis, static_cast<int64_t>(d));
  OUTPOST_RETURN_IF_ERROR(check_total(g, n, dims));
  set_out(g, n, Shape(dims), in(g, n, 2).dtype);
  return Status::ok();
}

Status infer_onnx_trilu(const Node& n, Graph& g) {
  if (in(g, n, 0).shape.rank() < 2)
    return fail(g, n, "input must have rank >= 2");  // k is read at run time
  return infer_onnx_unary(n, g);
}

Status infer_onnx_reverse_sequence(const Node& n, Graph& g) {
  const Shape& x = in(g, n, 0).shape;
  const int64_t batch_axis = n.attrs.get_int("batch_axis", 1),
                time_axis = n.attrs.get_int("time_axis", 0);
  if (x.rank() < 2) return fail(g, n, "input must have rank 2 or more");
  if ((batch_axis != 0 && batch_axis != 1) || (time_axis != 0 && time_axis != 1) ||
      batch_axis == time_axis)
    return fail(g, n, "batch_axis and time_axis must be 0 and 1, one each");
  const Value& lens = in(g, n, 1);
  if (lens.dtype != DType::kInt64 && lens.dtype != DType::kInt32)
    return fail(g, n, "sequence_lens must be int64");
  if (lens.shape != Shape{x[static_cast<size_t>(batch_axis)]})
    return fail(g, n, "sequence_lens must have shape [batch] = [" +
                          std::to_string(x[static_cast<size_t>(batch_axis)]) + "], has " +
                          lens.shape.to_string());
  return infer_onnx_unary(n, g);
}

}  // namespace outpost
