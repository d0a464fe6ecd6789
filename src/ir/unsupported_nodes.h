// The nodes of a model that cannot run, collected so that a user learns the whole list at once
// (each op, how many nodes, the first one's reason) instead of one failure per attempt. The
// importers collect the ops they cannot translate; the folding pass the nodes no kernel takes.
#pragma once

#include <map>
#include <string>

#include "outpost/status.h"

namespace outpost {

class UnsupportedNodes {
 public:
  // `op` as the user knows it: the IR op, the TFLite builtin, the ONNX op type.
  void add(const std::string& op, const Status& why);
  bool empty() const { return by_op_.empty(); }
  // kUnsupported: the one node's own status when there is one, else the list.
  Status report(const std::string& source) const;

 private:
  struct Entry {
    int count = 0;
    Status first;
  };
  std::map<std::string, Entry> by_op_;
};

}  // namespace outpost
