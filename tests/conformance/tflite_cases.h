// The cases of the TFLite conformance suite: single-operator models, each an op x parameter
// set x dtype, built field by field (support/tflite_builder.h) so that every form TFLite's
// schema allows can be tried, edge cases included. Their references come from TFLite itself
// (tflite_reference.py); tflite_conformance.cc writes and checks them.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace outpost::testing {

// The values a generated input takes: uniform in [lo, hi] (integers: whole numbers), or for
// bool, true and false alike.
struct InputRange {
  double lo = -3, hi = 3;
};

// A graph input of a case: its shape, TFLite TensorType (0 float32, 2 int32, 3 uint8, 4 int64,
// 6 bool, 7 int16, 9 int8, 10 float64, 15 uint32, 16 uint16) and the range of its generated values.
struct CaseInput {
  std::vector<int64_t> shape;
  int8_t type = 0;
  InputRange range;
};

struct TfliteCase {
  std::string name;  // "TRANSPOSE/perm_0213/int8": op, parameter set, dtype
  std::string op;    // the builtin's name, the row of the per-op table
  std::vector<uint8_t> model;
  std::vector<CaseInput> inputs;  // one per graph input, in order
  // Runs of the same interpreter (session) on the same inputs before the outputs are compared:
  // more than one for a model that keeps state across invocations (an LSTM's variables).
  int invocations = 1;
};

std::vector<TfliteCase> tflite_conformance_cases();

}  // namespace outpost::testing
