// Shape (and dtype) inference of the ONNX signal-processing ops of op_list_tensor.inc: the window
// functions, MelWeightMatrix, DFT and STFT. Their size operands (a window's size, the mel
// matrix's bins, a DFT's length, an STFT's frame step and length) decide the output shape: a
// constant one gives it here; one computed at run time leaves it to the shape the model declares
// (use_declared), and the kernel checks the value against that shape when it runs.
#include <optional>

#include "ir/shape_inference_onnx_util.h"

namespace outpost {

using namespace onnx_infer;  // NOLINT: this family's helpers

namespace {

bool is_int_scalar(const Value& v) {
  return (v.dtype == DType::kInt32 || v.dtype == DType::kInt64) && v.shape.rank() <= 1 &&
         v.shape.num_elements().value_or(0) == 1;
}

bool is_float_scalar(const Value& v) {
  return (v.dtype == DType::kFloat32 || v.dtype == DType::kFloat64) && v.shape.rank() <= 1 &&
         v.shape.num_elements().value_or(0) == 1;
}

// The value of integer scalar operand i, or nullopt when it comes at run time.
Result<std::optional<int64_t>> scalar_operand(Graph& g, const Node& n, size_t i,
                                              const std::string& what) {
  if (!is_int_scalar(in(g, n, i))) return fail(g, n, what + " must be an int32/int64 scalar");
  if (!in(g, n, i).is_constant()) return std::optional<int64_t>{};
  OUTPOST_ASSIGN_OR_RETURN(std::vector<int64_t> v, const_ints(g, n, i));
  return std::optional<int64_t>{v[0]};
}

// The dtype the window functions and MelWeightMatrix create (`to_dtype`, which the importer sets
// from output_datatype; float32 by default).
Result<DType> created_dtype(const Graph& g, const Node& n) {
  const int64_t d = n.attrs.get_int("to_dtype", static_cast<int64_t>(DType::kFloat32));
  if (d < 0 || d > static_cast<int64_t>(DType::kUInt64)) return fail(g, n, "bad output dtype");
  return static_cast<DType>(d);
}

// The declared output, when it stands in for run-time operand i, must have rank `rank`; without
// one, inference waits for the operand's value.
Status check_declared_rank(Graph& g, const Node& n, size_t i, size_t rank,
                           const std::string& what) {
  if (!use_declared(g, n, i)) return wait_for_value(g, n, i, what);
  if (out(g, n).shape.rank() != rank)
    return fail(g, n, "the declared output must have rank " + std::to_string(rank) + ", is " +
                          out(g, n).shape.to_string());
  return Status::ok();
}

}  // namespace

Status infer_onnx_window_function(const Node& n, Graph& g) {
  OUTPOST_ASSIGN_OR_RETURN(std::optional<int64_t> size, scalar_operand(g, n, 0, "size"));
  OUTPOST_ASSIGN_OR_RETURN(DType dtype, created_dtype(g, n));
  if (!size) {
    OUTPOST_RETURN_IF_ERROR(check_declared_rank(g, n, 0, 1, "a size"));
    out(g, n).dtype = dtype;
    return Status::ok();
  }
  OUTPOST_RETURN_IF_ERROR(check_total(g, n, {*size}));
  set_out(g, n, Shape{*size}, dtype);
  return Status::ok();
}

Status infer_onnx_mel_weight_matrix(const Node& n, Graph& g) {
  OUTPOST_ASSIGN_OR_RETURN(std::optional<int64_t> bins, scalar_operand(g, n, 0, "num_mel_bins"));
  OUTPOST_ASSIGN_OR_RETURN(std::optional<int64_t> dft, scalar_operand(g, n, 1, "dft_length"));
  OUTPOST_RETURN_IF_ERROR(scalar_operand(g, n, 2, "sample_rate").status());
  if (!is_float_scalar(in(g, n, 3)) || !is_float_scalar(in(g, n, 4)))
    return fail(g, n, "lower_edge_hertz and upper_edge_hertz must be float scalars");
  OUTPOST_ASSIGN_OR_RETURN(DType dtype, created_dtype(g, n));
  if ((bins && *bins < 1) || (dft && *dft < 1))
    return fail(g, n, "num_mel_bins and dft_length must be positive");
  if (!bins || !dft) {
    OUTPOST_RETURN_IF_ERROR(
        check_declared_rank(g, n, bins ? 1 : 0, 2, "num_mel_bins or dft_length"));
    const Shape& o = out(g, n).shape;
    if ((bins && o[1] != *bins) || (dft && o[0] != *dft / 2 + 1))
      return fail(g, n, "the declared output shape " + o.to_string() +
                            " is not [dft_length / 2 + 1, num_mel_bins]");
    out(g, n).dtype = dtype;
    return Status::ok();
  }
  const std::vector<int64_t> dims = {*dft / 2 + 1, *bins};
  OUTPOST_RETURN_IF_ERROR(check_total(g, n, dims));
  set_out(g, n, Shape(dims), dtype);
  return Status::ok();
}

Status infer_onnx_dft(const Node& n, Graph& g) {
  const Shape& x = in(g, n, 0).shape;
  const int64_t r = static_cast<int64_t>(x.rank());
  if (r < 3 || (x[x.rank() - 1] != 1 && x[x.rank() - 1] != 2))
    return fail(g, n, "input must be [batch, signal dims..., 1 or 2] (real or complex), is " +
                          x.to_string());
  int64_t axis = n.attrs.get_int("axis", 1);
  if (axis < 0) axis += r;
  if (axis < 0 || axis > r - 2)
    return fail(g, n, "axis " + std::to_string(n.attrs.get_int("axis", 1)) +
                          " is not a signal axis of " + x.to_string());
  const bool onesided = n.attrs.get_int("onesided", 0) != 0;
  if (onesided && x[x.rank() - 1] == 2)
    return fail(g, n, "onesided needs a real input (a complex one's spectrum has no symmetry)");
  std::vector<int64_t> dims = x.dims();
  dims.back() = 2;
  int64_t length = x[static_cast<size_t>(axis)];
  if (present(n, 1)) {
    OUTPOST_ASSIGN_OR_RETURN(std::optional<int64_t> given, scalar_operand(g, n, 1, "dft_length"));
    if (!given) {
      OUTPOST_RETURN_IF_ERROR(check_declared_rank(g, n, 1, x.rank(), "a dft_length"));
      const Shape& o = out(g, n).shape;
      for (size_t k = 0; k < x.rank(); ++k)
        if (static_cast<int64_t>(k) != axis && o[k] != dims[k])
          return fail(g, n, "the declared output shape " + o.to_string() +
                                " is not the input's along every axis but the transformed one");
      out(g, n).dtype = in(g, n, 0).dtype;
      return Status::ok();
    }
    if (*given < 1) return fail(g, n, "dft_length must be positive");
    length = *given;
  }
  dims[static_cast<size_t>(axis)] = onesided ? length / 2 + 1 : length;
  OUTPOST_RETURN_IF_ERROR(check_total(g, n, dims));
  set_out(g, n, Shape(dims), in(g, n, 0).dtype);
  return Status::ok();
}

Status infer_onnx_stft(const Node& n, Graph& g) {
  const Shape& s = in(g, n, 0).shape;
  if (s.rank() != 3 || (s[2] != 1 && s[2] != 2))
    return fail(g, n, "signal must be [batch, length, 1 or 2] (real or complex), is " +
                          s.to_string());
  const bool onesided = n.attrs.get_int("onesided", 1) != 0;
  if (onesided && s[2] == 2)
    return fail(g, n, "onesided needs a real signal (a complex one's spectrum has no symmetry)");
  OUTPOST_ASSIGN_OR_RETURN(std::optional<int64_t> step, scalar_operand(g, n, 1, "frame_step"));
  std::optional<int64_t> length;
  if (present(n, 2)) {
    const Value& w = in(g, n, 2);
    if (w.shape.rank() != 1 || w.dtype != in(g, n, 0).dtype)
      return fail(g, n, "window must be 1-D, of the signal's dtype");
    length = w.shape[0];
  }
  if (present(n, 3)) {
    OUTPOST_ASSIGN_OR_RETURN(std::optional<int64_t> given, scalar_operand(g, n, 3, "frame_length"));
    if (given && length && *given != *length)
      return fail(g, n, "frame_length " + std::to_string(*given) + " differs from the window's " +
                            std::to_string(*length));
    if (given) length = given;
  } else if (!length) {
    return fail(g, n, "needs a window or a frame_length");
  }
  if ((step && *step < 1) || (length && (*length < 1 || *length > s[1])))
    return fail(g, n, "frame_step must be positive and frame_length in [1, signal length]");
  const auto bins = [&](int64_t l) { return onesided ? l / 2 + 1 : l; };
  if (!step || !length) {
    OUTPOST_RETURN_IF_ERROR(
        check_declared_rank(g, n, step ? 3 : 1, 4, "a frame_step or frame_length"));
    const Shape& o = out(g, n).shape;
    if (o[0] != s[0] || o[3] != 2 || (length && o[2] != bins(*length)))
      return fail(g, n, "the declared output shape " + o.to_string() +
                            " is not [batch, frames, bins, 2] of the signal");
    out(g, n).dtype = in(g, n, 0).dtype;
    return Status::ok();
  }
  const std::vector<int64_t> dims = {s[0], (s[1] - *length) / *step + 1, bins(*length), 2};
  OUTPOST_RETURN_IF_ERROR(check_total(g, n, dims));
  set_out(g, n, Shape(dims), in(g, n, 0).dtype);
  return Status::ok();
}

}  // namespace outpost
