// Summaries and deterministic fills of tensors, for `outpost run`.
#pragma once

#include <string>

#include "outpost/tensor.h"

namespace outpost::cli {

struct TensorSummary {
  double min = 0, max = 0, mean = 0;
  int64_t argmax = 0;
};

TensorSummary summarize(const Tensor& t);
// Fills `t` with a fixed pattern (the same on every machine) in the dtype's usual range.
void fill_deterministic(Tensor& t);
// Output file stem: characters outside [A-Za-z0-9._-] replaced by '_'.
std::string sanitize_file_name(const std::string& name);

}  // namespace outpost::cli
