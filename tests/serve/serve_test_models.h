// Small TFLite models for the server's tests, written into a directory: add (a + b) and mul
// (a * b), both float32 with inputs "a", "b" and output "sum" of shape [1, 2, 2, 1], so one can
// replace the other under the same name and each answer shows which one gave it.
#pragma once

#include <fstream>
#include <string>

#include "support/tflite_builder.h"

namespace outpost::testing {

inline std::string write_model(const std::string& dir, const std::string& file, bool multiply) {
  TfModelSpec spec = add_model_spec();
  if (multiply) {
    spec.operators[0].builtin_code = 18;  // MUL
    spec.operators[0].options_type = 21;  // MulOptions
  }
  const std::vector<uint8_t> bytes = build_tflite(spec);
  const std::string path = dir + "/" + file;
  std::ofstream(path, std::ios::binary)
      .write(reinterpret_cast<const char*>(bytes.data()), static_cast<long>(bytes.size()));
  return path;
}

}  // namespace outpost::testing
