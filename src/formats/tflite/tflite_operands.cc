#include "formats/tflite/tflite_operands.h"

#include <vector>

#include "formats/tflite/tflite_builtin_rule.h"
#include "ir/int64_constant.h"

namespace outpost::tflite {
namespace {

// PAD's paddings hold (begin, end) per dimension; Pad's pads hold every begin, then every end.
// PADV2 adds the constant value (a scalar of x's dtype, stored as x is) as the third input;
// MIRROR_PAD has no value.
Status settle_pad(Graph& g, Node& n, const std::string& where) {
  if (!has_inputs(n, 2) && !has_inputs(n, 3))
    return invalid_model(where + ": a pad takes the tensor, its paddings and, in PADV2, the value");
  if (n.inputs.size() == 3 && g.value(n.inputs[2]).shape.num_elements() != 1)
    return invalid_model(where + ": the constant value must hold one element, has shape " +
                         g.value(n.inputs[2]).shape.to_string());
  OUTPOST_ASSIGN_OR_RETURN(std::vector<int64_t> paddings,
                           constant_operand(g, n, 1, "paddings", where));
  const Value& p = g.value(n.inputs[1]);
  const auto rank = static_cast<int64_t>(g.value(n.inputs[0]).shape.rank());
  if (p.shape != Shape{rank, 2} || paddings.size() != static_cast<size_t>(2 * rank))
    return invalid_model(where + ": paddings have shape " + p.shape.to_string() + ", expected [" +
                         std::to_string(rank) + ", 2]");
  const std::string name = p.name + "/pads";  // before add_value moves the values
  std::vector<int64_t> pads(paddings.size());
  for (size_t k = 0; k < static_cast<size_t>(rank); ++k) {
    if (paddings[2 * k] < 0 || paddings[2 * k + 1] < 0)
      return invalid_model(where + ": paddings must not be negative (TFLite's pads only add)");
    pads[k] = paddings[2 * k];
    pads[static_cast<size_t>(rank) + k] = paddings[2 * k + 1];
  }
  n.inputs[1] = add_int64_constant(g, name, pads);
  return Status::ok();
}

// The axes tensor of MEAN, SUM, REDUCE_MAX, REDUCE_MIN and REDUCE_PROD -> the reduction's
// attribute `axes`. TFLite ignores a repeated axis; the IR op does not allow one, so only its
// first mention is kept. Shape inference judges the range.
Status settle_reduce(Graph& g, Node& n, const std::string& where) {
  if (!has_inputs(n, 2))
    return invalid_model(where + ": a reduction takes two inputs, the tensor and the axes");
  OUTPOST_ASSIGN_OR_RETURN(std::vector<int64_t> listed, constant_operand(g, n, 1, "axes", where));
  const auto rank = static_cast<int64_t>(g.value(n.inputs[0]).shape.rank());
  std::vector<int64_t> axes;
  std::vector<bool> seen(static_cast<size_t>(rank), false);
  for (int64_t a : listed) {
    const int64_t k = a < 0 ? a + rank : a;
    if (k >= 0 && k < rank) {
      if (seen[static_cast<size_t>(k)]) continue;
      seen[static_cast<size_t>(k)] = true;
    }
    axes.push_back(a);
  }
  n.attrs.set("axes", axes);
  n.inputs.resize(1);
  return Status::ok();
}

// The size [new_height, new_width] of RESIZE_BILINEAR and RESIZE_NEAREST_NEIGHBOR ->
// Resize's (x, roi, scales, sizes) with sizes [N, new_height, new_width, C] of the NHWC input.
Status settle_resize(Graph& g, Node& n, const std::string& where) {
  if (!has_inputs(n, 2))
    return invalid_model(where + ": a resize takes two inputs, the tensor and its size");
  OUTPOST_ASSIGN_OR_RETURN(std::vector<int64_t> size, constant_operand(g, n, 1, "size", where));
  const Shape& x = g.value(n.inputs[0]).shape;
  if (x.rank() != 4)
    return invalid_model(where + ": a resize takes an NHWC tensor, has shape " +
                         x.to_string());
  if (size.size() != 2 || size[0] <= 0 || size[1] <= 0 || size[0] > (int64_t{1} << 24) ||
      size[1] > (int64_t{1} << 24))
    return invalid_model(where + ": size must hold two positive values (height, width)");
  const std::string name = g.value(n.inputs[1]).name + "/sizes";
  const int sizes = add_int64_constant(g, name, {x[0], size[0], size[1], x[3]});
  n.inputs = {n.inputs[0], kNoValue, kNoValue, sizes};
  return Status::ok();
}

// CONV_2D and DEPTHWISE_CONV_2D as Conv: `group` from the channels (1, or C for the depthwise
// one). TFLite's grouped CONV_2D (input channels a multiple of the weights') is not run here.
Status settle_conv(Graph& g, Node& n, const std::string& where) {
  if (n.inputs.size() < 2 || n.inputs.size() > 3 || n.inputs[0] == kNoValue ||
      n.inputs[1] == kNoValue)
    return invalid_model(where + ": a convolution takes an input, weights and an optional bias");
  const Shape& x = g.value(n.inputs[0]).shape;
  const Shape& w = g.value(n.inputs[1]).shape;
  if (x.rank() != 4 || w.rank() != 4)
    return invalid_model(where + ": a convolution takes NHWC input and 4-D weights, has " +
                         x.to_string() + " and " + w.to_string());
  if (n.attrs.get_string("weights_layout", "") == "1HWO") {
    n.attrs.set("group", x[3]);
    return Status::ok();
  }
  if (x[3] != w[3])
    return unsupported(where + ": grouped CONV_2D (input channels " + std::to_string(x[3]) +
                       ", weights " + w.to_string() + ") is not supported");
  n.attrs.set("group", int64_t{1});
  return Status::ok();
}

}  // namespace

Status settle_operands(Graph& graph, Node& node, const std::string& where) {
  switch (node.op) {
    case OpKind::kPad:
      return settle_pad(graph, node, where);
    case OpKind::kReduceMean:
    case OpKind::kReduceSum:
    case OpKind::kReduceMax:
    case OpKind::kReduceMin:
    case OpKind::kReduceProd:
      return settle_reduce(graph, node, where);
    case OpKind::kResize:
      return settle_resize(graph, node, where);
    case OpKind::kConv:
      return settle_conv(graph, node, where);
    default:
      return Status::ok();
  }
}

}  // namespace outpost::tflite
