// Shapes given for a model's inputs, at load (SessionOptions::input_shapes, the CLI's
// --input-shape) or later (Session::resize_input, an input tensor of another shape), checked
// against what the model declares: the rank, and every dimension it fixes. The importers bind
// them to the graph's inputs, so that everything computed at import sees the real sizes.
#pragma once

#include <string>
#include <vector>

#include "ir/graph.h"

namespace outpost {

// The signature of an input whose model declares no shape at all (ONNX sequences often declare
// none for their elements): a shape of any rank fits, and one must be given before a run.
Shape any_rank_signature();
bool is_any_rank(const Shape& signature);

// kShapeMismatch naming the input and the declared shape, with the names of the dimensions
// that may vary, when `given` has another rank, a negative dimension, or differs from a fixed
// one.
Status check_input_shape(const std::string& source, const std::string& input,
                         const Shape& signature, const std::vector<std::string>& dim_names,
                         const Shape& given);

// "[batch, 3, height, width]": the declared shape with the names of its varying dimensions
// ("?" where the model gives none).
std::string signature_text(const Shape& signature, const std::vector<std::string>& dim_names);

// The first dimension of input `i` that is still unknown (-1) in `shape`, or -1.
int unknown_dimension(const Shape& shape);

}  // namespace outpost
