// Shape (and dtype) inference of the ONNX neural-network ops of op_list_nn.inc. These
// checks are all the reference kernels rely on: weight and parameter shapes, group
// divisibility, window geometry (ir/onnx_window.h), attribute ranges.
#include "ir/channels_last.h"
#include "ir/conv_weights.h"
#include "ir/onnx_einsum.h"
#include "ir/onnx_window.h"
#include "ir/shape_inference_onnx_util.h"

namespace outpost {

using namespace onnx_infer;  // NOLINT: this family's helpers

namespace {

// kUnsupported naming the op (the node's origin adds the ONNX opset), so a user (and the
// conformance runner) can tell an unclaimed feature from a broken model.
Status nn_unsupported(const Graph& g, const Node& n, const std::string& why) {
  return unsupported(g.source + ": " + n.describe() + ": op '" + op_name(n.op) + "': " + why);
}

bool is_q8(DType d) { return d == DType::kUInt8 || d == DType::kInt8; }

Status same_dtype(const Graph& g, const Node& n, size_t a, size_t b) {
  if (in(g, n, a).dtype != in(g, n, b).dtype)
    return fail(g, n,
                "inputs " + std::to_string(a) + " and " + std::to_string(b) +
                    " have different dtypes (" + dtype_name(in(g, n, a).dtype) + ", " +
                    dtype_name(in(g, n, b).dtype) + ")");
  return Status::ok();
}

// The operands of a convolution-like op (Conv, ConvTranspose, Gemm): input and weights of one dtype, the bias
// too; a quantized one adds an int32 bias to its int32 accumulator. TFLite's 16x8 form has int16
// inputs, int8 weights and an int64 bias.
Status conv_operand_dtypes(const Graph& g, const Node& n) {
  const DType x = in(g, n, 0).dtype;
  const bool int16x8 = x == DType::kInt16 && in(g, n, 1).dtype == DType::kInt8;
  if (!int16x8) OUTPOST_RETURN_IF_ERROR(same_dtype(g, n, 0, 1));
  if (!present(n, 2)) return Status::ok();
  const DType bias = in(g, n, 2).dtype;
  if (int16x8 && bias == DType::kInt64) return Status::ok();
  if (is_quantized_integer(x) && bias == DType::kInt32) return Status::ok();
  return same_dtype(g, n, 0, 2);
}

// A 1-D operand of `count` elements (per-channel parameters).
Status check_vector(const Graph& g, const Node& n, size_t i, int64_t count, const char* what) {
  const Shape& s = in(g, n, i).shape;
  if (s.rank() != 1 || s[0] != count)
    return fail(g, n,
                std::string(what) + " must have shape [" + std::to_string(count) + "], has " +
                    s.to_string());
  return Status::ok();
}

bool one_element(const Shape& s) { return s.num_elements().value_or(0) == 1 && s.rank() <= 1; }

// Checks the operands of a Conv-like node (x [N, C, ...], w [M, C/group, k...], bias [M]) and
// sets the output shape with dtype `out_dtype`; `bias` is the bias input's index (or -1). `x` and
// `w` are the shapes in NCHW and OIHW order; `nhwc`: the output is [N, H, W, M].
Status infer_conv_like(const Node& n, Graph& g, const Shape& x, const Shape& w, int bias,
                       DType out_dtype, bool nhwc = false) {
  OUTPOST_ASSIGN_OR_RETURN(OnnxWindow win, onnx_window(g, n, x, &w));
  const int64_t group = n.attrs.get_int("group", 1);
  const int64_t c = x[1], m = w[0];
  if (group < 1 || c % group != 0 || m % group != 0)
    return fail(g, n,
                "group " + std::to_string(group) + " must divide the input channels (" +
                    std::to_string(c) + ") and the output channels (" + std::to_string(m) + ")");
  if (w[1] * group != c)
    return fail(g, n,
                "weights " + w.to_string() + " expect " + std::to_string(w[1] * group) +
                    " input channels (group " + std::to_string(group) + "), the input " +
                    x.to_string() + " has " + std::to_string(c));
  if (bias >= 0 && present(n, static_cast<size_t>(bias)))
    OUTPOST_RETURN_IF_ERROR(check_vector(g, n, static_cast<size_t>(bias), m, "bias"));
  std::vector<int64_t> dims = {x[0], m};
  dims.insert(dims.end(), win.out.begin(), win.out.end());
  OUTPOST_RETURN_IF_ERROR(check_total(g, n, dims));
  if (nhwc) dims = {dims[0], dims[2], dims[3], dims[1]};
  set_out(g, n, Shape(dims), out_dtype);
  return Status::ok();
}

// Shapes of a numpy matmul of a and b ([..., M, K] x [..., K, N], 1-D operands promoted).
Result<Shape> matmul_shape(const Graph& g, const Node& n, const Shape& a, const Shape& b) {
  if (a.rank() == 0 || b.rank() == 0) return fail(g, n, "MatMul operands must have rank >= 1");
  const int64_t ka = a[a.rank() - 1];
  const int64_t kb = b.rank() == 1 ? b[0] : b[b.rank() - 2];
  if (ka != kb)
    return fail(g, n, "inner dimensions differ: " + a.to_string() + " x " + b.to_string());
  std::vector<int64_t> ab(a.dims().begin(), a.dims().end() - std::min<size_t>(a.rank(), 2));
  std::vector<int64_t> bb(b.dims().begin(), b.dims().end() - std::min<size_t>(b.rank(), 2));
  OUTPOST_ASSIGN_OR_RETURN(Shape batch, broadcast_shapes(g, n, {Shape(ab), Shape(bb)}));
  std::vector<int64_t> dims = batch.dims();
  if (a.rank() >= 2) dims.push_back(a[a.rank() - 2]);
  if (b.rank() >= 2) dims.push_back(b[b.rank() - 1]);
  OUTPOST_RETURN_IF_ERROR(check_total(g, n, dims));
  return Shape(dims);
}

// A constant float32 operand's values.
Result<std::vector<double>> const_floats(const Graph& g, const Node& n, size_t i) {
  const Value& v = in(g, n, i);
  if (v.dtype != DType::kFloat32)
    return fail(g, n, "input " + std::to_string(i) + " must be float32");
  std::vector<double> r(v.constant.size / 4);
  for (size_t k = 0; k < r.size(); ++k) {
    float f;
    std::memcpy(&f, v.constant.bytes + 4 * k, 4);
    r[k] = f;
  }
  return r;
}

}  // namespace

Status infer_onnx_conv(const Node& n, Graph& g) {
  OUTPOST_RETURN_IF_ERROR(conv_operand_dtypes(g, n));
  const std::optional<WeightsLayout> layout = weights_layout(n);
  if (!layout)
    return fail(g, n,
                "weights_layout '" + n.attrs.get_string("weights_layout", "") +
                    "' is none of OIHW, OHWI, 1HWO");
  const Shape& x = in(g, n, 0).shape;
  const Shape& w = in(g, n, 1).shape;
  const bool nhwc = is_channels_last(n);
  if ((nhwc || *layout != WeightsLayout::kOIHW) && (x.rank() != 4 || w.rank() != 4))
    return fail(g, n,
                "a channels-last Conv, or one with weights " + n.attrs.get_string("weights_layout", "OIHW") +
                    ", is 2-D: input " + x.to_string() + ", weights " + w.to_string());
  if (*layout == WeightsLayout::k1HWO && w[0] != 1)
    return fail(g, n, "weights 1HWO " + w.to_string() + " must have 1 as their first dimension");
  return infer_conv_like(n, g, logical_nchw(x, n), logical_oihw(w, *layout), 2,
                         in(g, n, 0).dtype, nhwc);
}

Status infer_onnx_conv_transpose(const Node& n, Graph& g) {
  OUTPOST_RETURN_IF_ERROR(conv_operand_dtypes(g, n));
  const std::optional<TransposeWeightsLayout> layout = transpose_weights_layout(n);
  if (!layout)
    return fail(g, n,
                "weights_layout '" + n.attrs.get_string("weights_layout", "") +
                    "' is neither IOHW nor OHWI");
  const bool nhwc = is_channels_last(n);
  if ((nhwc || *layout != TransposeWeightsLayout::kIOHW) &&
      (in(g, n, 0).shape.rank() != 4 || in(g, n, 1).shape.rank() != 4))
    return fail(g, n,
                "a channels-last ConvTranspose, or one with weights OHWI, is 2-D: input " +
                    in(g, n, 0).shape.to_string() + ", weights " + in(g, n, 1).shape.to_string());
  const Shape x = logical_nchw(in(g, n, 0).shape, n);
  const Shape w = logical_iohw(in(g, n, 1).shape, *layout);
  OUTPOST_ASSIGN_OR_RETURN(OnnxWindow win, onnx_transpose_window(g, n, x, w));
  const int64_t group = n.attrs.get_int("group", 1);
  if (*layout == TransposeWeightsLayout::kOHWI && group != 1)
    return fail(g, n, "weights OHWI have one group, not " + std::to_string(group));
  if (group < 1 || x[1] % group != 0)
    return fail(g, n,
                "group " + std::to_string(group) + " must divide the input channels (" +
                    std::to_string(x[1]) + ")");
  if (w[0] != x[1])
    return fail(g, n,
                "weights " + w.to_string() + " expect " + std::to_string(w[0]) +
                    " input channels, the input " + x.to_string() + " has " + std::to_string(x[1]));
  const int64_t m = w[1] * group;
  if (present(n, 2)) OUTPOST_RETURN_IF_ERROR(check_vector(g, n, 2, m, "bias"));
  std::vector<int64_t> dims = {x[0], m};
  dims.insert(dims.end(), win.out.begin(), win.out.end());
  OUTPOST_RETURN_IF_ERROR(check_total(g, n, dims));
  if (nhwc) dims = {dims[0], dims[2], dims[3], dims[1]};
  set_out(g, n, Shape(dims), in(g, n, 0).dtype);
  return Status::ok();
}

Status infer_onnx_pool(const Node& n, Graph& g) {
  const Shape& x = in(g, n, 0).shape;
  const bool max = n.op == OpKind::kMaxPool;
  if (n.outputs.size() > (max ? 2u : 1u))
    return fail(g, n, "too many outputs (" + std::to_string(n.outputs.size()) + ")");
  const int64_t order = n.attrs.get_int("storage_order", 0);
  if (order != 0 && order != 1) return fail(g, n, "storage_order must be 0 or 1");
  const int64_t ceil_mode = n.attrs.get_int("ceil_mode", 0);
  if (ceil_mode != 0 && ceil_mode != 1) return fail(g, n, "ceil_mode must be 0 or 1");
  const bool nhwc = is_channels_last(n);
  if (nhwc && (x.rank() != 4 || n.outputs.size() != 1))
    return fail(g, n, "a channels-last pool takes NHWC (rank 4) and has one output");
  const Shape nchw = logical_nchw(x, n);
  OUTPOST_ASSIGN_OR_RETURN(OnnxWindow win, onnx_window(g, n, nchw, nullptr));
  std::vector<int64_t> dims = {nchw[0], nchw[1]};
  dims.insert(dims.end(), win.out.begin(), win.out.end());
  OUTPOST_RETURN_IF_ERROR(check_total(g, n, dims));
  if (nhwc) dims = {dims[0], dims[2], dims[3], dims[1]};
  out(g, n).shape = Shape(dims);
  OUTPOST_RETURN_IF_ERROR(require_input_dtype(n, g));
  if (n.outputs.size() == 2) set_out(g, n, Shape(dims), DType::kInt64, 1);
  return Status::ok();
}

Status infer_onnx_global_pool(const Node& n, Graph& g) {
  const Shape& x = in(g, n, 0).shape;
  if (x.rank() < 3) return fail(g, n, "input must be [N, C, spatial...], is " + x.to_string());
  for (size_t k = 2; k < x.rank(); ++k)
    if (x[k] == 0) return fail(g, n, "cannot pool over an empty spatial dimension");
  std::vector<int64_t> dims(x.rank(), 1);
  dims[0] = x[0];
  dims[1] = x[1];
  set_out(g, n, Shape(dims), in(g, n, 0).dtype);
  return Status::ok();
}

Status infer_onnx_gemm(const Node& n, Graph& g) {
  const Shape& a = in(g, n, 0).shape;
  const Shape& b = in(g, n, 1).shape;
  OUTPOST_RETURN_IF_ERROR(conv_operand_dtypes(g, n));
  if (a.rank() != 2 || b.rank() != 2)
    return fail(g, n, "A and B must be matrices, are " + a.to_string() + " and " + b.to_string());
  const bool ta = n.attrs.get_int("transA", 0) != 0, tb = n.attrs.get_int("transB", 0) != 0;
  const int64_t m = ta ? a[1] : a[0], k = ta ? a[0] : a[1];
  const int64_t kb = tb ? b[1] : b[0], nn = tb ? b[0] : b[1];
  if (k != kb)
    return fail(g, n,
                "inner dimensions differ: A " + a.to_string() + (ta ? "^T" : "") + " x B " +
                    b.to_string() + (tb ? "^T" : ""));
  if (present(n, 2)) {
    const Shape& c = in(g, n, 2).shape;
    const std::vector<int64_t> target = {m, nn};
    bool ok = c.rank() <= 2;
    for (size_t d = 0; ok && d < c.rank(); ++d) {
      const int64_t t = target[2 - c.rank() + d];
      ok = c[d] == t || c[d] == 1;
    }
    if (!ok)
      return fail(
          g, n,
          "C " + c.to_string() + " does not broadcast to the output " + Shape(target).to_string());
  }
  set_out(g, n, Shape{m, nn}, in(g, n, 0).dtype);
  return Status::ok();
}

Status infer_onnx_matmul(const Node& n, Graph& g) {
  OUTPOST_RETURN_IF_ERROR(same_dtype(g, n, 0, 1));
  OUTPOST_ASSIGN_OR_RETURN(Shape s, matmul_shape(g, n, in(g, n, 0).shape, in(g, n, 1).shape));
  set_out(g, n, s, in(g, n, 0).dtype);
  return Status::ok();
}

Status infer_onnx_batch_norm(const Node& n, Graph& g) {
  const Shape& x = in(g, n, 0).shape;
  if (x.rank() < 2) return fail(g, n, "input must be [N, C, ...], is " + x.to_string());
  for (size_t i = 1; i < 5; ++i)
    OUTPOST_RETURN_IF_ERROR(check_vector(g, n, i, x[1], "scale, B, mean and var"));
  for (size_t i = 2; i < 5; ++i) OUTPOST_RETURN_IF_ERROR(same_dtype(g, n, 1, i));
  if (n.attrs.get_int("spatial", 1) == 0)
    return nn_unsupported(g, n, "spatial=0 (per-activation statistics) is not supported");
  const bool training = n.attrs.get_int("training_mode", 0) != 0;
  if (training) {
    if (n.outputs.size() > 3) return fail(g, n, "training mode has at most 3 outputs");
  } else if (n.outputs.size() > 1) {
    return nn_unsupported(g, n, "the training outputs (mean, var, saved_*) are not supported");
  }
  set_out(g, n, x, in(g, n, 0).dtype);
  for (size_t k = 1; k < n.outputs.size(); ++k) set_out(g, n, Shape{x[1]}, in(g, n, 3).dtype, k);
  return Status::ok();
}

Status infer_onnx_instance_norm(const Node& n, Graph& g) {
  const Shape& x = in(g, n, 0).shape;
  if (x.rank() < 3) return fail(g, n, "input must be [N, C, spatial...], is " + x.to_string());
  OUTPOST_RETURN_IF_ERROR(check_vector(g, n, 1, x[1], "scale"));
  OUTPOST_RETURN_IF_ERROR(check_vector(g, n, 2, x[1], "B"));
  OUTPOST_RETURN_IF_ERROR(same_dtype(g, n, 0, 1));
  OUTPOST_RETURN_IF_ERROR(same_dtype(g, n, 0, 2));
  set_out(g, n, x, in(g, n, 0).dtype);
  return Status::ok();
}

Status infer_onnx_layer_norm(const Node& n, Graph& g) {
  const Shape& x = in(g, n, 0).shape;
  const int64_t rank = static_cast<int64_t>(x.rank());
  if (rank == 0) return fail(g, n, "input must have rank >= 1");
  if (n.outputs.size() > 3) return fail(g, n, "at most 3 outputs");
  if (n.attrs.get_int("stash_type", 1) != 1)
    return nn_unsupported(g, n, "stash_type other than 1 (float32) is not supported");
  OUTPOST_ASSIGN_OR_RETURN(int64_t axis, norm_axis(g, n, n.attrs.get_int("axis", -1), rank));
  const std::vector<int64_t> inner(x.dims().begin() + axis, x.dims().end());
  for (size_t i = 1; i < 3; ++i) {
    if (!present(n, i)) continue;
    OUTPOST_RETURN_IF_ERROR(same_dtype(g, n, 0, i));
    const Shape& p = in(g, n, i).shape;
    bool ok = p.rank() <= inner.size();
    for (size_t d = 0; ok && d < p.rank(); ++d) {
      const int64_t t = inner[inner.size() - p.rank() + d];
      ok = p[d] == t || p[d] == 1;
    }
    if (!ok)
      return fail(g, n,
                  (i == 1 ? "Scale " : "B ") + p.to_string() +
                      " does not broadcast to the normalized shape " + Shape(inner).to_string());
  }
  set_out(g, n, x, in(g, n, 0).dtype);
  std::vector<int64_t> stat = x.dims();
  for (int64_t d = axis; d < rank; ++d) stat[static_cast<size_t>(d)] = 1;
  for (size_t k = 1; k < n.outputs.size(); ++k) set_out(g, n, Shape(stat), DType::kFloat32, k);
  return Status::ok();
}

Status infer_onnx_lrn(const Node& n, Graph& g) {
  const Shape& x = in(g, n, 0).shape;
  if (x.rank() < 2) return fail(g, n, "input must be [N, C, ...], is " + x.to_string());
  const int64_t size = n.attrs.get_int("size", 0);
  if (size < 1 || size > (int64_t{1} << 20))
    return fail(g, n, "size must be a positive count, is " + std::to_string(size));
  set_out(g, n, x, in(g, n, 0).dtype);
  return Status::ok();
}

// Resize (ONNX's Upsample and Resize before opset 11 import as it: docs/ops.md). The kernel
// reads scales and roi at run time when they are not constants, so a graph may give them as
// inputs as long as it declares the output shape.
Status infer_onnx_resize(const Node& n, Graph& g) {
  const Shape& x = in(g, n, 0).shape;
  // The scales as an attribute: ONNX's Upsample before opset 9.
  const bool scales_attr = n.attrs.has("scales");
  const std::string mode = n.attrs.get_string("mode", "nearest");
  const std::string coord = n.attrs.get_string("coordinate_transformation_mode", "half_pixel");
  const std::string nearest = n.attrs.get_string("nearest_mode", "round_prefer_floor");
  if (mode != "nearest" && mode != "linear" && mode != "cubic")
    return nn_unsupported(g, n, "mode '" + mode + "' is not supported");
  if (coord != "half_pixel" && coord != "pytorch_half_pixel" && coord != "align_corners" &&
      coord != "asymmetric" && coord != "tf_half_pixel_for_nn" && coord != "tf_crop_and_resize")
    return nn_unsupported(g, n, "coordinate_transformation_mode '" + coord + "' is not supported");
  if (nearest != "round_prefer_floor" && nearest != "round_prefer_ceil" && nearest != "floor" &&
      nearest != "ceil" && nearest != "simple")
    return nn_unsupported(g, n, "nearest_mode '" + nearest + "' is not supported");
  if (n.attrs.has("antialias") || n.attrs.has("axes") || n.attrs.has("keep_aspect_ratio_policy"))
    return nn_unsupported(g, n, "antialias, axes and keep_aspect_ratio_policy are not supported");
  if (x.rank() == 0 || x.rank() > 8) return fail(g, n, "input rank must be 1 to 8");
  // Operands (x, roi, scales, sizes); the importer moves the older forms' scales to 2.
  const size_t scales_i = 2, sizes_i = 3;
  if (scales_attr && (present(n, scales_i) || present(n, sizes_i)))
    return fail(g, n, "has both the scales attribute and a scales or sizes input");
  auto given = [&](size_t i) {
    return present(n, i) && in(g, n, i).shape.num_elements().value_or(0) > 0;
  };
  const bool has_scales = given(scales_i) || scales_attr;
  const bool has_sizes = given(sizes_i);
  if (has_scales == has_sizes) return fail(g, n, "exactly one of scales and sizes must be given");
  if (coord == "tf_crop_and_resize" &&
      !(present(n, 1) && in(g, n, 1).shape.rank() == 1 &&
        in(g, n, 1).shape[0] == 2 * static_cast<int64_t>(x.rank())))
    return fail(g, n, "tf_crop_and_resize needs roi of shape [2 * rank]");
  if (coord == "tf_crop_and_resize" && !has_sizes)
    return nn_unsupported(g, n, "tf_crop_and_resize with scales (not sizes) is not supported");
  if (present(n, 1) && in(g, n, 1).dtype != DType::kFloat32)
    return nn_unsupported(g, n, "roi must be float32");
  const size_t shape_i = has_scales ? scales_i : sizes_i;
  if (!scales_attr) {
    const Shape& s = in(g, n, shape_i).shape;
    if (s.rank() != 1 || s[0] != static_cast<int64_t>(x.rank()))
      return fail(g, n,
                  std::string(has_scales ? "scales" : "sizes") + " must have one entry per " +
                      "input dimension, has shape " + s.to_string());
    if (has_scales && in(g, n, shape_i).dtype != DType::kFloat32)
      return fail(g, n, "scales must be float32");
  }
  std::vector<int64_t> dims(x.rank());
  if (has_scales) {
    std::vector<double> scales;
    if (scales_attr) {
      for (const auto& [name, value] : n.attrs.items())
        if (name == "scales" && std::holds_alternative<std::vector<float>>(value))
          for (float f : std::get<std::vector<float>>(value)) scales.push_back(f);
      if (scales.size() != x.rank())
        return fail(g, n, "the scales attribute must have one float per input dimension");
    } else if (in(g, n, scales_i).is_constant()) {
      OUTPOST_ASSIGN_OR_RETURN(scales, const_floats(g, n, scales_i));
    }
    if (!scales.empty()) {
      for (size_t d = 0; d < x.rank(); ++d) {
        if (!(scales[d] > 0) || scales[d] > 1e6)
          return fail(g, n, "scale " + std::to_string(scales[d]) + " is not a positive number");
        dims[d] = static_cast<int64_t>(std::floor(scales[d] * static_cast<double>(x[d])));
      }
    } else if (use_declared(g, n, scales_i)) {
      dims = out(g, n).shape.dims();
    } else {
      return wait_for_value(g, n, scales_i, "the output shape");
    }
  } else if (in(g, n, sizes_i).is_constant()) {
    OUTPOST_ASSIGN_OR_RETURN(dims, const_ints(g, n, sizes_i));
  } else if (use_declared(g, n, sizes_i)) {
    dims = out(g, n).shape.dims();
  } else {
    return wait_for_value(g, n, sizes_i, "the output shape");
  }
  if (dims.size() != x.rank()) return fail(g, n, "the output rank differs from the input's");
  for (size_t d = 0; d < x.rank(); ++d)
    if (dims[d] < 1 || (x[d] == 0 && dims[d] > 0))
      return fail(g, n, "output shape " + Shape(dims).to_string() + " is empty or not reachable");
  OUTPOST_RETURN_IF_ERROR(check_total(g, n, dims));
  out(g, n).shape = Shape(dims);
  return require_input_dtype(n, g);
}

namespace {

// scale / zero point of the ONNX quantization ops: one element, or (opset >= 13) one per
// entry of x's `axis`. The zero point, when given, has the scale's shape.
Status check_quant_params(const Graph& g, const Node& n, size_t scale_i, size_t zp_i,
                          const Shape& x) {
  const Shape& s = in(g, n, scale_i).shape;
  if (in(g, n, scale_i).dtype != DType::kFloat32)
    return nn_unsupported(g, n, "scale must be float32");
  if (!one_element(s)) {
    if (n.attrs.get_int("per_axis", 1) == 0)
      return fail(g, n, "scale must be a scalar before opset 13");
    OUTPOST_ASSIGN_OR_RETURN(
        int64_t axis, norm_axis(g, n, n.attrs.get_int("axis", 1), static_cast<int64_t>(x.rank())));
    if (s.rank() != 1 || s[0] != x[static_cast<size_t>(axis)])
      return fail(g, n,
                  "scale " + s.to_string() + " is neither one value nor one per entry of axis " +
                      std::to_string(axis) + " of " + x.to_string());
  }
  if (present(n, zp_i) && in(g, n, zp_i).shape.num_elements() != s.num_elements())
    return fail(g, n, "zero point and scale have different shapes");
  return Status::ok();
}

}  // namespace

// TFLite's form (one input: the parameters are on the values) keeps the declared dtypes; the
// operand form decides the output dtype by the zero point's, uint8 without one.
Status infer_quantize(const Node& n, Graph& g) {
  if (!present(n, 1)) return infer_same_as_input(n, g);
  const Value& x = in(g, n, 0);
  if (x.dtype != DType::kFloat32 && x.dtype != DType::kInt32)
    return nn_unsupported(g, n, std::string("input dtype ") + dtype_name(x.dtype));
  OUTPOST_RETURN_IF_ERROR(check_quant_params(g, n, 1, 2, x.shape));
  const DType t = present(n, 2) ? in(g, n, 2).dtype : DType::kUInt8;
  if (!is_q8(t)) return nn_unsupported(g, n, std::string("output dtype ") + dtype_name(t));
  set_out(g, n, x.shape, t);
  return Status::ok();
}

Status infer_dequantize(const Node& n, Graph& g) {
  if (!present(n, 1)) {
    out(g, n).shape = in(g, n, 0).shape;
    return require_output_dtype(n, g, DType::kFloat32);
  }
  const Value& x = in(g, n, 0);
  if (!is_q8(x.dtype) && x.dtype != DType::kInt32)
    return nn_unsupported(g, n, std::string("input dtype ") + dtype_name(x.dtype));
  OUTPOST_RETURN_IF_ERROR(check_quant_params(g, n, 1, 2, x.shape));
  if (present(n, 2)) OUTPOST_RETURN_IF_ERROR(same_dtype(g, n, 0, 2));
  set_out(g, n, x.shape, DType::kFloat32);
  return Status::ok();
}

Status infer_onnx_dynamic_quantize(const Node& n, Graph& g) {
  if (in(g, n, 0).dtype != DType::kFloat32)
    return nn_unsupported(g, n, std::string("input dtype ") + dtype_name(in(g, n, 0).dtype));
  set_out(g, n, in(g, n, 0).shape, DType::kUInt8, 0);
  set_out(g, n, Shape{}, DType::kFloat32, 1);
  set_out(g, n, Shape{}, DType::kUInt8, 2);
  return Status::ok();
}

namespace {

// The scale (float32) and zero point (`q` dtype) operands of the QLinear/Integer ops: one
// element each, or, where `per_channel` > 0, one per output channel.
Status check_q_pair(const Graph& g, const Node& n, int scale_i, size_t zp_i, DType q,
                    int64_t per_channel) {
  auto ok_shape = [&](const Shape& s) {
    return one_element(s) || (per_channel > 0 && s.rank() == 1 && s[0] == per_channel);
  };
  if (scale_i >= 0) {
    const Value& s = in(g, n, static_cast<size_t>(scale_i));
    if (s.dtype != DType::kFloat32) return fail(g, n, "scales must be float32");
    if (!ok_shape(s.shape))
      return nn_unsupported(g, n, "scale of shape " + s.shape.to_string() + " is not supported");
  }
  if (present(n, zp_i)) {
    const Value& z = in(g, n, zp_i);
    if (z.dtype != q) return fail(g, n, "a zero point's dtype differs from its tensor's");
    if (!ok_shape(z.shape))
      return nn_unsupported(g, n,
                            "zero point of shape " + z.shape.to_string() + " is not supported");
  }
  return Status::ok();
}

}  // namespace

Status infer_onnx_qlinear_conv(const Node& n, Graph& g) {
  const DType xt = in(g, n, 0).dtype, wt = in(g, n, 3).dtype, yt = in(g, n, 7).dtype;
  if (!is_q8(xt) || !is_q8(wt) || !is_q8(yt))
    return nn_unsupported(g, n, "x, w and y must be int8 or uint8");
  const Shape& w = in(g, n, 3).shape;
  if (w.rank() < 1) return fail(g, n, "weights must have rank >= 3");
  OUTPOST_RETURN_IF_ERROR(check_q_pair(g, n, 1, 2, xt, 0));
  OUTPOST_RETURN_IF_ERROR(check_q_pair(g, n, 4, 5, wt, w[0]));
  OUTPOST_RETURN_IF_ERROR(check_q_pair(g, n, 6, 7, yt, 0));
  if (present(n, 8) && in(g, n, 8).dtype != DType::kInt32) return fail(g, n, "bias must be int32");
  return infer_conv_like(n, g, in(g, n, 0).shape, in(g, n, 3).shape, 8, yt);
}

Status infer_onnx_conv_integer(const Node& n, Graph& g) {
  const DType xt = in(g, n, 0).dtype, wt = in(g, n, 1).dtype;
  if (!is_q8(xt) || !is_q8(wt)) return nn_unsupported(g, n, "x and w must be int8 or uint8");
  const Shape& w = in(g, n, 1).shape;
  if (w.rank() < 1) return fail(g, n, "weights must have rank >= 3");
  OUTPOST_RETURN_IF_ERROR(check_q_pair(g, n, -1, 2, xt, 0));
  OUTPOST_RETURN_IF_ERROR(check_q_pair(g, n, -1, 3, wt, w[0]));
  return infer_conv_like(n, g, in(g, n, 0).shape, in(g, n, 1).shape, -1, DType::kInt32);
}

Status infer_onnx_qlinear_matmul(const Node& n, Graph& g) {
  const DType at = in(g, n, 0).dtype, bt = in(g, n, 3).dtype, yt = in(g, n, 7).dtype;
  if (!is_q8(at) || !is_q8(bt) || !is_q8(yt))
    return nn_unsupported(g, n, "a, b and y must be int8 or uint8");
  OUTPOST_RETURN_IF_ERROR(check_q_pair(g, n, 1, 2, at, 0));
  OUTPOST_RETURN_IF_ERROR(check_q_pair(g, n, 4, 5, bt, 0));
  OUTPOST_RETURN_IF_ERROR(check_q_pair(g, n, 6, 7, yt, 0));
  OUTPOST_ASSIGN_OR_RETURN(Shape s, matmul_shape(g, n, in(g, n, 0).shape, in(g, n, 3).shape));
  set_out(g, n, s, yt);
  return Status::ok();
}

Status infer_onnx_matmul_integer(const Node& n, Graph& g) {
  const DType at = in(g, n, 0).dtype, bt = in(g, n, 1).dtype;
  if (!is_q8(at) || !is_q8(bt)) return nn_unsupported(g, n, "a and b must be int8 or uint8");
  OUTPOST_RETURN_IF_ERROR(check_q_pair(g, n, -1, 2, at, 0));
  OUTPOST_RETURN_IF_ERROR(check_q_pair(g, n, -1, 3, bt, 0));
  OUTPOST_ASSIGN_OR_RETURN(Shape s, matmul_shape(g, n, in(g, n, 0).shape, in(g, n, 1).shape));
  set_out(g, n, s, DType::kInt32);
  return Status::ok();
}

Status infer_onnx_max_unpool(const Node& n, Graph& g) {
  const Shape& x = in(g, n, 0).shape;
  const Value& indices = in(g, n, 1);
  if (indices.dtype != DType::kInt64) return fail(g, n, "indices must be int64");
  if (indices.shape != x) return fail(g, n, "indices must have the input's shape");
  if (n.attrs.get_string("auto_pad", "NOTSET") != "NOTSET")
    return nn_unsupported(g, n, "auto_pad is not supported");
  OUTPOST_ASSIGN_OR_RETURN(std::vector<int64_t> dims, onnx_unpool_dims(g, n, x));
  if (present(n, 2) && in(g, n, 2).is_constant()) {
    OUTPOST_ASSIGN_OR_RETURN(dims, const_ints(g, n, 2));
  } else if (use_declared(g, n, 2)) {
    dims = out(g, n).shape.dims();
  } else if (present(n, 2)) {
    return wait_for_value(g, n, 2, "the output shape");
  }
  if (dims.size() != x.rank() || dims[0] != x[0] || dims[1] != x[1])
    return fail(g, n, "output shape " + Shape(dims).to_string() + " does not match the input");
  OUTPOST_RETURN_IF_ERROR(check_total(g, n, dims));
  set_out(g, n, Shape(dims), in(g, n, 0).dtype);
  return Status::ok();
}

Status infer_onnx_einsum(const Node& n, Graph& g) {
  for (size_t i = 0; i < n.inputs.size(); ++i) {
    if (!present(n, i)) return fail(g, n, "input " + std::to_string(i) + " is missing");
    if (in(g, n, i).dtype != in(g, n, 0).dtype) return fail(g, n, "inputs have different dtypes");
  }
  OUTPOST_ASSIGN_OR_RETURN(EinsumPlan plan, plan_einsum(g, n));
  set_out(g, n, plan.out_shape, in(g, n, 0).dtype);
  return Status::ok();
}

Status infer_onnx_mvn(const Node& n, Graph& g) {
  const Shape& x = in(g, n, 0).shape;
  std::vector<int64_t> axes =
      n.attrs.has("axes") ? n.attrs.get_ints("axes") : std::vector<int64_t>{0, 2, 3};
  std::vector<bool> seen(x.rank(), false);
  for (int64_t a : axes) {
    OUTPOST_ASSIGN_OR_RETURN(int64_t k,
                             norm_axis(g, n, a, static_cast<int64_t>(x.rank()), "axes entry"));
    if (seen[static_cast<size_t>(k)])
      return fail(g, n, "axis " + std::to_string(k) + " is repeated");
    seen[static_cast<size_t>(k)] = true;
  }
  if (x.rank() > 8) return fail(g, n, "input rank must be at most 8");
  set_out(g, n, x, in(g, n, 0).dtype);
  return Status::ok();
}

Status infer_onnx_grid_sample(const Node& n, Graph& g) {
  const Shape& x = in(g, n, 0).shape;
  const Shape& grid = in(g, n, 1).shape;
  if (x.rank() != 4 || grid.rank() != 4 || grid[0] != x[0] || grid[3] != 2)
    return fail(g, n, "inputs must be x [N, C, H, W] and grid [N, H_out, W_out, 2], are " +
                          x.to_string() + " and " + grid.to_string());
  if (x[2] < 1 || x[3] < 1) return fail(g, n, "x has no pixels to sample: " + x.to_string());
  const std::string mode = n.attrs.get_string("mode", "bilinear");
  const std::string padding = n.attrs.get_string("padding_mode", "zeros");
  if (mode != "bilinear" && mode != "nearest" && mode != "bicubic")
    return nn_unsupported(g, n, "mode '" + mode + "' is not supported");
  if (padding != "zeros" && padding != "border" && padding != "reflection")
    return nn_unsupported(g, n, "padding_mode '" + padding + "' is not supported");
  set_out(g, n, Shape{x[0], x[1], grid[1], grid[2]}, in(g, n, 0).dtype);
  return Status::ok();
}

Status infer_onnx_roi_align(const Node& n, Graph& g) {
  const Shape& x = in(g, n, 0).shape;
  const Shape& rois = in(g, n, 1).shape;
  if (x.rank() != 4 || x[2] < 1 || x[3] < 1)
    return fail(g, n, "x must be [N, C, H, W] with pixels, is " + x.to_string());
  if (rois.rank() != 2 || rois[1] != 4)
    return fail(g, n, "rois must be [num_rois, 4], is " + rois.to_string());
  OUTPOST_RETURN_IF_ERROR(same_dtype(g, n, 0, 1));
  OUTPOST_RETURN_IF_ERROR(check_vector(g, n, 2, rois[0], "batch_indices"));
  const DType bd = in(g, n, 2).dtype;
  if (bd != DType::kInt64 && bd != DType::kInt32) return fail(g, n, "batch_indices must be int64");
  const int64_t h = n.attrs.get_int("output_height", 1), w = n.attrs.get_int("output_width", 1);
  if (h < 1 || w < 1 || h > (int64_t{1} << 20) || w > (int64_t{1} << 20))
    return fail(g, n, "output_height and output_width must be positive counts");
  if (n.attrs.get_int("sampling_ratio", 0) < 0 || n.attrs.get_int("sampling_ratio", 0) > 1024)
    return fail(g, n, "sampling_ratio must be in [0, 1024]");
  const std::string mode = n.attrs.get_string("mode", "avg");
  const std::string coord = n.attrs.get_string("coordinate_transformation_mode", "half_pixel");
  if (mode != "avg" && mode != "max")
    return nn_unsupported(g, n, "mode '" + mode + "' is not supported");
  if (coord != "half_pixel" && coord != "output_half_pixel")
    return nn_unsupported(g, n, "coordinate_transformation_mode '" + coord + "' is not supported");
  set_out(g, n, Shape{rois[0], x[1], h, w}, in(g, n, 0).dtype);
  return Status::ok();
}

}  // namespace outpost
