#include "ir/unsupported_nodes.h"

namespace outpost {

void UnsupportedNodes::add(const std::string& op, const Status& why) {
  Entry& e = by_op_[op];
  if (e.count++ == 0) e.first = why;
}

Status UnsupportedNodes::report(const std::string& source) const {
  if (by_op_.size() == 1 && by_op_.begin()->second.count == 1) return by_op_.begin()->second.first;
  int nodes = 0;
  for (const auto& [op, e] : by_op_) nodes += e.count;
  std::string text = source + ": " + std::to_string(nodes) + " nodes of " + std::to_string(by_op_.size()) +
                     " kinds cannot run (op x nodes: the first one's reason):";
  for (const auto& [op, e] : by_op_) text += "\n  " + op + " x" + std::to_string(e.count) + ": " + e.first.message();
  return unsupported(text);
}

}  // namespace outpost
