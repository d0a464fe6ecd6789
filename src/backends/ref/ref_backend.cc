#include "backends/ref/ref_backend.h"

#include "backends/ref/registry.h"

namespace outpost {
namespace {

class RefBackend final : public Backend {
 public:
  const char* name() const override { return "ref"; }
  Result<std::unique_ptr<Kernel>> make(const Node& node, const Graph& graph) const override {
    return reference_kernels().make(node, graph);
  }
  bool takes(const Node& node, const Graph&) const override { return reference_kernels().has(node.op); }
};

}  // namespace

BackendEntry ref_backend_entry() {
  return {"ref", 0, [](int) -> Result<std::unique_ptr<Backend>> {
            return std::unique_ptr<Backend>(std::make_unique<RefBackend>());
          }};
}

}  // namespace outpost
