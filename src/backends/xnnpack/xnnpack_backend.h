// The XNNPACK backend: convolutions and fully connected layers (float32, uint8, int8 per-tensor
// and per-channel) run on XNNPACK's operator API, with their weights packed once when the
// session is created; every other node, and any node XNNPACK refuses, runs on the reference
// backend. docs/design/backends.md records the choices and the measurements behind them.
#pragma once

#include <cstdint>
#include <memory>

#include "backends/backend.h"

struct pthreadpool;

namespace outpost {

class XnnpackBackend final : public Backend {
 public:
  // threads: 0 for all cores, 1 to run on the calling thread only (no pool, no worker threads),
  // N for a pool of exactly N threads (the caller's included).
  static Result<std::unique_ptr<XnnpackBackend>> create(int threads);
  ~XnnpackBackend();
  XnnpackBackend(const XnnpackBackend&) = delete;
  XnnpackBackend& operator=(const XnnpackBackend&) = delete;

  const char* name() const override { return "xnnpack"; }
  Result<std::unique_ptr<Kernel>> make(const Node& node, const Graph& graph) const override;
  bool takes(const Node& node, const Graph& graph) const override;
  bool takes_channels_last(const Node& node, const Graph& graph) const override;
  int threads() const override;

 private:
  explicit XnnpackBackend(pthreadpool* pool) : pool_(pool) {}
  pthreadpool* pool_ = nullptr;  // nullptr: single-threaded
};

// Heap blocks XNNPACK has asked for through Outpost's allocator since the process started:
// the no-allocation test reads it around run().
uint64_t xnnpack_allocations();

BackendEntry xnnpack_backend_entry();

}  // namespace outpost
