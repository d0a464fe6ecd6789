#include "ir/onnx_window.h"

#include <string>

#include "ir/shape_inference_onnx_util.h"

namespace outpost {
namespace {

using onnx_infer::fail;

// Attribute values beyond this are refused, which keeps every product of a position, a stride
// and a dilation far inside int64.
constexpr int64_t kMaxAttr = int64_t{1} << 20;

Result<std::vector<int64_t>> per_dim(const Graph& g, const Node& n, const char* name, size_t count,
                                     int64_t fallback, int64_t min) {
  if (!n.attrs.has(name)) return std::vector<int64_t>(count, fallback);
  std::vector<int64_t> v = n.attrs.get_ints(name);
  if (v.size() != count)
    return fail(g, n,
                std::string(name) + " has " + std::to_string(v.size()) + " entries, expected " +
                    std::to_string(count));
  for (int64_t e : v)
    if (e < min || e > kMaxAttr)
      return fail(g, n,
                  std::string(name) + " entry " + std::to_string(e) + " is outside [" +
                      std::to_string(min) + ", " + std::to_string(kMaxAttr) + "]");
  return v;
}

// Spatial rank, strides, dilations and the kernel (from the weights or kernel_shape).
Status common(const Graph& g, const Node& n, const Shape& x, const Shape* w_shape,
              OnnxWindow& win) {
  if (x.rank() < 3 || x.rank() > 2 + kMaxWindowDims)
    return fail(
        g, n,
        "input must be [N, C, spatial...] with 1 to 3 spatial dimensions, is " + x.to_string());
  const size_t r = x.rank() - 2;
  win.dims = r;
  win.in.assign(x.dims().begin() + 2, x.dims().end());
  if (w_shape) {
    if (w_shape->rank() != x.rank())
      return fail(g, n,
                  "weights " + w_shape->to_string() + " do not have the input's rank " +
                      std::to_string(x.rank()));
    win.kernel.assign(w_shape->dims().begin() + 2, w_shape->dims().end());
    for (int64_t k : win.kernel)
      if (k < 1 || k > kMaxAttr) return fail(g, n, "weights have an empty or huge kernel");
    if (n.attrs.has("kernel_shape") && n.attrs.get_ints("kernel_shape") != win.kernel)
      return fail(g, n, "kernel_shape does not match the weights " + w_shape->to_string());
  } else {
    if (!n.attrs.has("kernel_shape")) return fail(g, n, "kernel_shape is required");
    OUTPOST_ASSIGN_OR_RETURN(win.kernel, per_dim(g, n, "kernel_shape", r, 1, 1));
  }
  OUTPOST_ASSIGN_OR_RETURN(win.strides, per_dim(g, n, "strides", r, 1, 1));
  OUTPOST_ASSIGN_OR_RETURN(win.dilations, per_dim(g, n, "dilations", r, 1, 1));
  return Status::ok();
}

Result<std::string> auto_pad_of(const Graph& g, const Node& n) {
  std::string a = n.attrs.get_string("auto_pad", "NOTSET");
  if (a.empty()) a = "NOTSET";
  if (a != "NOTSET" && a != "VALID" && a != "SAME_UPPER" && a != "SAME_LOWER")
    return fail(g, n, "auto_pad '" + a + "' is not one of NOTSET, VALID, SAME_UPPER, SAME_LOWER");
  return a;
}

Status explicit_pads(const Graph& g, const Node& n, OnnxWindow& win) {
  OUTPOST_ASSIGN_OR_RETURN(std::vector<int64_t> pads, per_dim(g, n, "pads", 2 * win.dims, 0, 0));
  win.pad_begin.assign(pads.begin(), pads.begin() + static_cast<int64_t>(win.dims));
  win.pad_end.assign(pads.begin() + static_cast<int64_t>(win.dims), pads.end());
  return Status::ok();
}

}  // namespace

Result<OnnxWindow> onnx_window(const Graph& g, const Node& n, const Shape& x,
                               const Shape* w_shape) {
  OnnxWindow win;
  OUTPOST_RETURN_IF_ERROR(common(g, n, x, w_shape, win));
  OUTPOST_ASSIGN_OR_RETURN(std::string auto_pad, auto_pad_of(g, n));
  const bool pool = w_shape == nullptr;
  const bool ceil_mode = pool && n.attrs.get_int("ceil_mode", 0) != 0;
  const size_t r = win.dims;
  win.out.assign(r, 0);
  if (auto_pad == "NOTSET") {
    OUTPOST_RETURN_IF_ERROR(explicit_pads(g, n, win));
  } else {
    win.pad_begin.assign(r, 0);
    win.pad_end.assign(r, 0);
  }
  for (size_t d = 0; d < r; ++d) {
    const int64_t in = win.in[d], s = win.strides[d], dk = win.dilated(d);
    if (auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER") {
      win.out[d] = ceil_div(in, s);
      const int64_t total = std::max<int64_t>(0, (win.out[d] - 1) * s + dk - in);
      win.pad_begin[d] = auto_pad == "SAME_UPPER" ? total / 2 : total - total / 2;
      win.pad_end[d] = total - win.pad_begin[d];
      continue;
    }
    const int64_t span = in + win.pad_begin[d] + win.pad_end[d] - dk;
    if (span < 0)
      return fail(g, n,
                  "the kernel (" + std::to_string(dk) + " with dilation) is larger than the " +
                      "padded input (" + std::to_string(in + win.pad_begin[d] + win.pad_end[d]) +
                      ") in spatial dimension " + std::to_string(d));
    win.out[d] = (ceil_mode ? ceil_div(span, s) : span / s) + 1;
    // As ONNX Runtime and PyTorch: a last window that would start in the end padding is dropped.
    if (ceil_mode && (win.out[d] - 1) * s >= in + win.pad_begin[d]) --win.out[d];
  }
  if (pool) {
    // Every window must hold an input element (a max over nothing has no value). Only the
    // windows starting in the begin padding, and the last one, can miss the input.
    for (size_t d = 0; d < r; ++d) {
      const int64_t s = win.strides[d], pb = win.pad_begin[d];
      for (int64_t o = 0; o < win.out[d]; ++o) {
        const int64_t start = o * s - pb;
        const IndexRange j = valid_range(win.in[d], win.kernel[d], win.dilations[d], start);
        if (j.lo == j.hi)
          return fail(g, n,
                      "pooling window " + std::to_string(o) + " of spatial dimension " +
                          std::to_string(d) + " lies entirely in the padding");
        if (start >= 0) o = std::max(o, win.out[d] - 2);  // only the last one is left to check
      }
    }
  }
  return win;
}

Result<OnnxWindow> onnx_transpose_window(const Graph& g, const Node& n, const Shape& x,
                                         const Shape& w_shape) {
  OnnxWindow win;
  OUTPOST_RETURN_IF_ERROR(common(g, n, x, &w_shape, win));
  OUTPOST_ASSIGN_OR_RETURN(std::string auto_pad, auto_pad_of(g, n));
  const size_t r = win.dims;
  OUTPOST_ASSIGN_OR_RETURN(std::vector<int64_t> adj, per_dim(g, n, "output_padding", r, 0, 0));
  std::vector<int64_t> shape;
  if (n.attrs.has("output_shape")) {
    shape = n.attrs.get_ints("output_shape");
    if (shape.size() == r + 2) shape.erase(shape.begin(), shape.begin() + 2);
    if (shape.size() != r)
      return fail(g, n, "output_shape must have one entry per spatial dimension");
    for (int64_t e : shape)
      if (e < 1 || e > (int64_t{1} << 32))
        return fail(g, n, "output_shape entry " + std::to_string(e) + " is out of range");
  }
  win.out.assign(r, 0);
  if (auto_pad == "NOTSET" && shape.empty()) {
    OUTPOST_RETURN_IF_ERROR(explicit_pads(g, n, win));
  } else {
    win.pad_begin.assign(r, 0);
    win.pad_end.assign(r, 0);
  }
  for (size_t d = 0; d < r; ++d) {
    const int64_t natural = win.strides[d] * (win.in[d] - 1) + adj[d] + win.dilated(d);
    if (!shape.empty() || auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER") {
      win.out[d] = shape.empty() ? win.in[d] * win.strides[d] : shape[d];
      const int64_t total = std::max<int64_t>(0, natural - win.out[d]);
      // As the ONNX spec (and its reference): SAME_UPPER puts the odd pad at the end,
      // anything else at the beginning.
      win.pad_begin[d] = auto_pad == "SAME_UPPER" ? total / 2 : total - total / 2;
      win.pad_end[d] = total - win.pad_begin[d];
      continue;
    }
    win.out[d] = natural - win.pad_begin[d] - win.pad_end[d];
    if (win.out[d] < 1)
      return fail(g, n, "the pads leave no output in spatial dimension " + std::to_string(d));
  }
  return win;
}

Result<std::vector<int64_t>> onnx_unpool_dims(const Graph& g, const Node& n, const Shape& x) {
  OnnxWindow win;
  OUTPOST_RETURN_IF_ERROR(common(g, n, x, nullptr, win));
  OUTPOST_RETURN_IF_ERROR(explicit_pads(g, n, win));
  std::vector<int64_t> dims = {x[0], x[1]};
  for (size_t d = 0; d < win.dims; ++d) {
    const int64_t e =
        (win.in[d] - 1) * win.strides[d] + win.kernel[d] - win.pad_begin[d] - win.pad_end[d];
    if (e < 1)
      return fail(g, n, "the pads leave no output in spatial dimension " + std::to_string(d));
    dims.push_back(e);
  }
  return dims;
}

}  // namespace outpost
