// A graph input or output of ONNX's sequence or optional type, as a session maps it onto
// tensors (SessionOptions::sequence_lengths, ::absent_inputs). Outpost's values are tensors:
// a sequence of length n is the tensors "NAME[0]" ... "NAME[n-1]", a present optional is its
// element under its own name, and an empty optional is no tensor at all.
#pragma once

#include <string>

#include "outpost/dtype.h"
#include "outpost/shape.h"

namespace outpost {

struct CompositeValue {
  std::string name;
  bool optional = false;  // optional<...>
  bool sequence = false;  // sequence<tensor> (or optional<sequence<tensor>>)
  DType element_dtype = DType::kFloat32;
  // The declared element shape, -1 where a dimension may vary; rank unknown when the model
  // declares none (`element_rank_known` false).
  Shape element_shape;
  bool element_rank_known = true;
  // Sequences: how many tensors NAME[k] it is (inputs: as bound; outputs: as resolved at load);
  // -1 for an input whose length is not bound yet.
  int length = -1;
  bool absent = false;  // an optional input bound empty, or an output resolved empty
};

// "sequence<float32[?, 5]>", "optional<int64[]>", "optional<sequence<float32[any shape]>>".
std::string composite_type_text(const CompositeValue& v);

}  // namespace outpost
