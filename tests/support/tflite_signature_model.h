// A TFLite model with two SignatureDefs, for the signature tests of the C++ API and of the
// Python module (tests/bindings/python/write_signature_model.cc writes it to a file).
#pragma once

#include "support/tflite_builder.h"

namespace outpost::testing {

// Subgraph 0: total = lhs + rhs ([1, 2, 2, 1]), signature "add"; subgraph 1: twice = x + x
// ([1, 4]), signature "double" (first in the file when `double_first`). The tensors carry the
// converter's kind of names, the signatures the SavedModel's.
TfModelSpec two_signature_spec(bool double_first);

}  // namespace outpost::testing
