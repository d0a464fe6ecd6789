// Registration of the reference kernels of the ONNX nn ops (src/ir/op_list_onnx_nn.inc).
#include "backends/ref/registry.h"

namespace outpost {

void register_onnx_nn_kernels(KernelRegistry& registry) { (void)registry; }

}  // namespace outpost
