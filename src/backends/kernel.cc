#include "backends/kernel.h"

namespace outpost {

Status not_handled(const Graph& g, const Node& n, const std::string& why) {
  return unsupported(g.source + ": " + n.describe() + ": " + why);
}

}  // namespace outpost
