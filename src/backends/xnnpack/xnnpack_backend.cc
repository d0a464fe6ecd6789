#include "backends/xnnpack/xnnpack_backend.h"

#include <pthreadpool.h>
#include <xnnpack.h>

#include <atomic>
#include <cstdlib>
#include <mutex>

#include "backends/float_onnx_conv.h"
#include "backends/xnnpack/xnnpack_factories.h"
#include "backends/xnnpack/xnnpack_operator.h"
#include "core/cpu_count.h"
#include "ir/channels_last.h"

namespace outpost {
namespace {

// XNNPACK allocates through this allocator (plain malloc and aligned_alloc underneath), which
// counts blocks so that a test can show run() makes none.
std::atomic<uint64_t> g_allocations{0};

void* counted_allocate(void*, size_t size) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  return std::malloc(size);
}
void* counted_reallocate(void*, void* pointer, size_t size) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  return std::realloc(pointer, size);
}
void release(void*, void* pointer) { std::free(pointer); }
void* counted_aligned_allocate(void*, size_t alignment, size_t size) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  void* p = nullptr;
  return posix_memalign(&p, alignment < sizeof(void*) ? sizeof(void*) : alignment, size) == 0
             ? p
             : nullptr;
}

const xnn_allocator kCountingAllocator = {nullptr, counted_allocate,         counted_reallocate,
                                          release, counted_aligned_allocate, release};

// XNNPACK is initialized once per process (it probes the CPU and picks its micro-kernels) and
// never deinitialized: sessions come and go, the tables stay.
Status initialize_once() {
  static std::once_flag once;
  static xnn_status status = xnn_status_uninitialized;
  std::call_once(once, [] { status = xnn_initialize(&kCountingAllocator); });
  if (status != xnn_status_success)
    return unsupported("XNNPACK cannot run on this CPU (" + xnn::status_name(status) +
                       "); use --backend ref");
  return Status::ok();
}

}  // namespace

uint64_t xnnpack_allocations() { return g_allocations.load(std::memory_order_relaxed); }

Result<std::unique_ptr<XnnpackBackend>> XnnpackBackend::create(int threads) {
  if (threads < 0) return usage_error("threads must be 0 (all cores) or positive");
  OUTPOST_RETURN_IF_ERROR(initialize_once());
  // One thread needs no pool: XNNPACK then runs on the caller's thread and starts none.
  pthreadpool_t pool = nullptr;
  if (threads != 1) {
    // pthreadpool_create does not check that its workers started; it waits for them forever.
    if (threads == 0) threads = available_cores();
    OUTPOST_RETURN_IF_ERROR(check_threads_can_start(threads));
    pool = pthreadpool_create(static_cast<size_t>(threads));
    if (pool == nullptr)
      return internal_error("cannot start a pool of " + std::to_string(threads) + " threads");
  }
  return std::unique_ptr<XnnpackBackend>(new XnnpackBackend(pool));
}

XnnpackBackend::~XnnpackBackend() {
  if (pool_ != nullptr) pthreadpool_destroy(pool_);
}

int XnnpackBackend::threads() const {
  return pool_ == nullptr ? 1 : static_cast<int>(pthreadpool_get_threads_count(pool_));
}

Result<std::unique_ptr<Kernel>> XnnpackBackend::make(const Node& node, const Graph& graph) const {
  switch (node.op) {
    case OpKind::kConv:
      return xnn::make_conv(node, graph, pool_);
    case OpKind::kLogistic:
    case OpKind::kRelu:
    case OpKind::kHardSwish:
    case OpKind::kClip:
      return xnn::make_unary(node, graph, pool_);
    case OpKind::kAdd:
    case OpKind::kSub:
    case OpKind::kMul:
      return xnn::make_binary(node, graph, pool_);
    case OpKind::kGemm:
      return xnn::make_gemm(node, graph, pool_);
    case OpKind::kQuantize:
    case OpKind::kDequantize:
      return xnn::make_convert(node, graph, pool_);
    case OpKind::kGlobalAveragePool:
      return xnn::make_global_average_pool(node, graph, pool_);
    case OpKind::kMaxPool:
      return xnn::make_onnx_max_pool(node, graph, pool_);
    case OpKind::kAveragePool:
      return xnn::make_average_pool(node, graph, pool_);
    case OpKind::kResize:
      return xnn::make_bilinear_resize(node, graph, pool_);
    case OpKind::kConvTranspose:
      return xnn::make_transpose_conv(node, graph, pool_);
    default:
      return not_handled(graph, node, "XNNPACK backend does not take this op");
  }
}

bool XnnpackBackend::takes(const Node& node, const Graph& graph) const {
  switch (node.op) {
    case OpKind::kConv:  // imported channels-last (TFLite's), or one the layout pass may convert
      return is_channels_last(node) || takes_channels_last(node, graph);
    case OpKind::kMaxPool:
    case OpKind::kAveragePool:
    case OpKind::kGlobalAveragePool:
      return takes_channels_last(node, graph);
    case OpKind::kResize:  // dimensions 1 and 2 of a 4-D tensor: NHWC as TFLite imports it
      return xnn::takes_bilinear_resize(node, graph);
    case OpKind::kConvTranspose:  // TFLite's, as imported (channels-last)
      return xnn::takes_transpose_conv(node, graph);
    case OpKind::kGemm:
    case OpKind::kQuantize:
    case OpKind::kDequantize:
    case OpKind::kLogistic:
    case OpKind::kRelu:
    case OpKind::kHardSwish:
    case OpKind::kClip:
    case OpKind::kAdd:
    case OpKind::kSub:
    case OpKind::kMul:
      return true;  // make() judges the dtypes and attributes
    default:
      return false;
  }
}

bool XnnpackBackend::takes_channels_last(const Node& node, const Graph& graph) const {
  switch (node.op) {
    case OpKind::kConv:
      return float_onnx_conv2d(graph, node).is_ok() || xnn::takes_quantized_onnx_conv(node, graph);
    case OpKind::kMaxPool:
      return xnn::takes_onnx_max_pool(node, graph);
    case OpKind::kAveragePool:
      return xnn::takes_average_pool(node, graph);
    case OpKind::kGlobalAveragePool: {
      const Value& x = input_of(graph, node, 0);
      return x.dtype == DType::kFloat32 && x.shape.rank() == 4 && x.shape.num_elements().value_or(0) > 0;
    }
    default:
      return false;
  }
}

BackendEntry xnnpack_backend_entry() {
  // Below oneDNN (which measured faster on x86 convolutions it takes), above the reference.
  return {"xnnpack", 20, [](int threads) -> Result<std::unique_ptr<Backend>> {
            OUTPOST_ASSIGN_OR_RETURN(auto backend, XnnpackBackend::create(threads));
            return std::unique_ptr<Backend>(std::move(backend));
          }};
}

}  // namespace outpost
