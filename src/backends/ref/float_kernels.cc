// Registration of the reference backend's float kernels (one file per op beside this one).
#include "backends/ref/registry.h"

namespace outpost {

void register_float_kernels(KernelRegistry& registry) { (void)registry; }

}  // namespace outpost
