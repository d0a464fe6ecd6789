// The XNNPACK backend: convolutions and fully connected layers (float32, uint8, int8 per-tensor
// and per-channel) run on XNNPACK's operator API, with their weights packed once when the
// session is created; every other node, and any node XNNPACK refuses, runs on the reference
// backend. docs/design/backends.md records the choices and the measurements behind them.
#pragma once

#include <cstdint>
#include <memory>

#include "backends/ref/kernel.h"

struct pthreadpool;

namespace outpost {

class XnnpackBackend {
 public:
  // threads: 0 for all cores, 1 to run on the calling thread only (no pool, no worker threads),
  // N for a pool of exactly N threads (the caller's included).
  static Result<std::unique_ptr<XnnpackBackend>> create(int threads);
  ~XnnpackBackend();
  XnnpackBackend(const XnnpackBackend&) = delete;
  XnnpackBackend& operator=(const XnnpackBackend&) = delete;

  // A kernel running `node` on XNNPACK, or kUnsupported when this backend does not take the
  // node (then the reference backend runs it). Any other error is the model's fault.
  Result<std::unique_ptr<Kernel>> make(const Node& node, const Graph& graph) const;

  // Whether make() takes this node, as imported (NCHW), once the layout pass has made it
  // channels-last (runtime/channels_last.h).
  bool takes_channels_last(const Node& node, const Graph& graph) const;

  // The threads XNNPACK's operators run on (the caller's included).
  int threads() const;

 private:
  explicit XnnpackBackend(pthreadpool* pool) : pool_(pool) {}
  pthreadpool* pool_ = nullptr;  // nullptr: single-threaded
};

// Heap blocks XNNPACK has asked for through Outpost's allocator since the process started:
// the no-allocation test reads it around run().
uint64_t xnnpack_allocations();

}  // namespace outpost
