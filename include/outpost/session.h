// Session: a model loaded, checked, planned and ready to run. The main entry point of
// liboutpost.
//
//   auto session = outpost::Session::open("model.tflite");
//   if (!session.is_ok()) { report(session.status()); }
//   std::memcpy((*session)->input(0).data(), pixels, (*session)->input(0).byte_size());
//   outpost::Status s = (*session)->run();
//   const outpost::Tensor& scores = (*session)->output(0);
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "outpost/composite_value.h"
#include "outpost/shape.h"
#include "outpost/status.h"
#include "outpost/tensor.h"

namespace outpost {

struct SessionOptions {
  // Threads the session computes on, the caller's included: 0 for every core this process may
  // use (its affinity mask, limited by a cgroup CPU quota), 1 for none but the caller's; more
  // than those cores, or a negative count, is kUsage. They go to the first backend (by
  // priority) that runs part of the graph; the others run on the caller's thread. The
  // reference backend always does.
  int threads = 0;
  // auto (every backend built in, each node on the first that takes it: oneDNN's
  // convolutions, XNNPACK's convolutions, fully connected layers, pools and elementwise ops,
  // the reference backend for the rest) | the name of one backend (that one and the reference
  // backend) | ref (the reference backend only: TFLite's built-in arithmetic).
  // `outpost --version` lists the backends built in.
  std::string backend = "auto";
  // Refuse models whose activation arena would exceed this many bytes (0: no limit), with
  // kUnsupported naming the size: a device's memory budget, and a guard against hostile files
  // that describe valid but enormous tensors.
  size_t max_arena_bytes = 0;
  // Shapes of inputs, by name, for the dimensions the model lets vary (ONNX's symbolic
  // dimensions, TFLite's shape_signature -1): bound at load, as resize_input would bind them
  // later. A name the model lacks is kUsage; a shape the model does not allow, kShapeMismatch.
  std::map<std::string, Shape> input_shapes;
  // Lengths of the model's sequence inputs (ONNX's sequence<tensor>), by name, bound at load like
  // a symbolic shape: a sequence NAME of length n is the tensor inputs "NAME[0]" ... "NAME[n-1]"
  // (the element's dtype; its declared shape, which input_shapes binds under those names where
  // it varies). A sequence input left unbound makes run() kShapeMismatch naming it. A name the
  // model lacks, one that is not a sequence input, or a negative length is kUsage.
  std::map<std::string, int> sequence_lengths;
  // The model's optional inputs (ONNX's optional<...>) bound empty at load: the graph sees an
  // empty optional (OptionalHasElement false) and the session has no input for it. An optional
  // input not named here is present: an ordinary tensor input (or a sequence's, as above). A
  // name that is not an optional input of the model is kUsage.
  std::set<std::string> absent_inputs;
  // The model's signature to run, by key (TFLite's SignatureDefs: named entry points such as
  // "serving_default", each on its own subgraph): its inputs and outputs take the names the
  // signature gives them. Empty: the model's first signature, or its main graph when it has
  // none. A key the model lacks is kUsage listing the keys it has.
  std::string signature;
  // Whether an ONNX model may read external data files (next to its path, or its name for
  // open_buffer). False: a model that refers to one is kInvalidModel naming the location; a
  // bundle's model is opened so, since a bundle carries every byte it runs, signed.
  bool external_data_files = true;
};

// A named entry point of a model (a TFLite SignatureDef): its key and the names it gives its
// inputs and outputs.
struct ModelSignature {
  std::string key;
  std::vector<std::string> inputs, outputs;
};

// Facts about a loaded model, for `outpost inspect` and reports.
struct ModelStats {
  std::string format;                    // "tflite"
  std::map<std::string, int> op_counts;  // IR op name -> nodes, as imported
  int64_t parameters = 0;                // elements of all constant tensors, as imported
  int64_t macs = 0;                      // multiply-accumulates of one inference
  size_t arena_bytes = 0;                // the planned activation arena
  size_t folded_constant_bytes = 0;      // constants made at load (dequantized, densified)
  // Constants let go after creation: weights that only kernels with a packed copy of their own
  // read (the packed copies are the backends' memory, not counted here).
  size_t released_constant_bytes = 0;
  int nodes_executed = 0;                // nodes left after constant folding, planned
  // Nodes after the first whose output shape depends on the input data (NonZero, NMS, a shape
  // computed from the input): inferred and run on the reference backend in every run.
  int nodes_evaluated_per_run = 0;
  std::map<std::string, int> nodes_on_backend;  // of those, how many each backend runs ("ref": 3)
  int channels_last_nodes = 0;           // nodes the layout pass runs NHWC (ONNX on fast backends)
  int layout_transposes = 0;             // Transpose nodes it added where layouts meet
  int threads = 1;                       // threads the fast backends run on (1 for ref alone)
  std::vector<ModelSignature> signatures;  // every signature of the model, in the file's order
  std::string signature;                   // the key of the one this session runs ("": none)
  // The graph inputs and outputs of sequence or optional type (ONNX), as bound or resolved at
  // load: a sequence output of length n is the outputs "NAME[0]" ... "NAME[n-1]" (its length
  // is known at load, or the model is refused), a present optional output its element under
  // its name, and an empty one no output at all, listed here with `absent` set.
  std::vector<CompositeValue> composite_inputs, composite_outputs;
};

// Where one inference's time goes, per op kind and backend (`outpost bench --profile`).
struct OpProfile {
  std::string op;       // IR op name, e.g. "Conv2D"
  std::string backend;  // the backend's name: "onednn", "xnnpack", "ref"
  int nodes = 0;
  double ms = 0;        // per inference, the median run's share
};

// One node's execution in one run (`outpost bench --trace`, `--profile`).
struct NodeTiming {
  std::string node;     // the node's name in the model ("node 12 (Conv2D)" when it has none)
  std::string op;       // IR op name
  std::string backend;  // "onednn", "xnnpack" or "ref"
  int run = 0;          // 0-based
  double start_ms = 0;  // from the start of the first run
  double ms = 0;
};

class Session {
 public:
  static Result<std::unique_ptr<Session>> open(const std::string& path, const SessionOptions& options = {});
  // Loads a model held in memory (e.g. decrypted from a bundle); `keep_alive` owns `data`.
  static Result<std::unique_ptr<Session>> open_buffer(const uint8_t* data, size_t size, std::shared_ptr<const void> keep_alive,
                                                      const std::string& name, const SessionOptions& options = {});
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  size_t num_inputs() const;
  size_t num_outputs() const;
  // Input tensors view the session's arena: write the input data there before run(). After a
  // resize, until the next run() plans the session for the new shapes, input(i) is a buffer of
  // the new shape whose data run() moves into place; an input whose shape is still unknown
  // (a dimension -1) has no data yet.
  Tensor& input(size_t i);
  // Valid after a run() (or, for a model whose input shapes are all known, from open on). For a
  // model whose data decides its output sizes (ModelStats::nodes_evaluated_per_run > 0: NonZero,
  // NonMaxSuppression, ...), each run() may give an output another shape and other storage:
  // read it after every run, and its data stays valid until the next run().
  const Tensor& output(size_t i) const;
  // A model that keeps state across runs (TFLite's variable tensors: a stateful LSTM's; its
  // resource variables) starts from zeros, or from the values its CALL_ONCE assigns, and each
  // run() starts from where the one before left it, as TFLite's invoke() does; this sets it back
  // to that start (TFLite's ResetVariableTensors). A shape change that plans the model again
  // starts it from there too.
  void reset_state();
  // Copies `tensor` into input i after checking its dtype (kShapeMismatch if it differs). A
  // tensor of another shape resizes the input first (resize_input), where the model allows it.
  Status set_input(size_t i, const Tensor& tensor);
  // The shape input i is declared with: -1 where a dimension may vary.
  const Shape& input_signature(size_t i) const;
  // Gives input i another shape where the model lets its dimensions vary, as TFLite's
  // ResizeInputTensor: the next run() imports and plans the model for the new shapes (shape
  // inference, kernels, the arena), and only when a shape changed. kShapeMismatch when the
  // model fixes a dimension that differs, or the rank differs.
  Status resize_input(size_t i, const Shape& shape);
  // Index of the input called `name`, or -1.
  int input_index(const std::string& name) const;
  // Index of the output called `name`, or -1.
  int output_index(const std::string& name) const;
  // How many outputs "NAME[k]" the sequence graph output `name` is (0 for an empty sequence),
  // or -1 when `name` is not a sequence output (ModelStats::composite_outputs has the rest).
  int sequence_output_length(const std::string& name) const;

  Status run();
  // Runs `runs` times timing every node; returns the median time per inference of each
  // (op, backend) group, slowest first.
  Result<std::vector<OpProfile>> profile(int runs);
  // Runs `runs` times timing every node; returns one timing per node per run, in execution
  // order.
  Result<std::vector<NodeTiming>> trace(int runs);
  const ModelStats& stats() const;

  struct Impl;

 private:
  explicit Session(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace outpost
