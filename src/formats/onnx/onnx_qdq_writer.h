// ONNX models rewritten into int8 QDQ form, the writer side of `outpost optimize --quantize int8`
// (docs/optimize.md). The form is the one ONNX Runtime's quantizer writes and the ONNX importer
// lowers onto quantized convolutions (onnx_quantized_lowering.h):
// - each quantized activation t gets QuantizeLinear -> DequantizeLinear right after its producer
//   (per tensor, int8, asymmetric), and every reader of t reads the DequantizeLinear's output;
// - the weights of Conv, Gemm and MatMul become int8 constants (symmetric, per output channel
//   from opset 13, per tensor before) read through a DequantizeLinear;
// - their bias becomes int32 at input scale x weight scale, read through a DequantizeLinear;
// - a Relu, or a Clip whose lower bound is at most 0, that alone reads a quantized node's output
//   is absorbed: the node writes the activation's output, whose calibrated range (never below 0
//   for a Relu) makes the QuantizeLinear clamp as the activation did.
// Everything else stays as it was: ops the quantizer does not know run in float between a
// DequantizeLinear and a QuantizeLinear.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "outpost/quant_params.h"
#include "outpost/status.h"

namespace onnx {
class ModelProto;
}

namespace outpost {

// A node whose weights become int8.
struct OnnxQdqNode {
  std::string node;      // "Conv 'conv1'" for reports (op and name, or op and index)
  std::string name;      // the node's name in the model ("" where it has none)
  std::string op;        // Conv | Gemm | MatMul
  size_t index = 0;      // in the graph's node list
  std::string input;     // the activation it reads (a tensor name)
  std::string weight;    // the constant it multiplies by
  std::string bias;      // "" where none
  std::string output;    // what it writes, after an absorbed activation
  std::string own_output;  // its own output 0 (before an activation is absorbed)
  int weight_axis = -1;  // the weights' output-channel axis, -1: per tensor only
  std::string absorbed;  // "Relu 'relu1'" when an activation was absorbed, else ""
};

// A node left in float, and why ("--keep-float", "the weights are not a constant").
struct OnnxQdqSkip {
  std::string node;
  std::string reason;
};

struct OnnxQdqAnalysis {
  std::vector<OnnxQdqNode> nodes;
  std::vector<OnnxQdqSkip> kept_float;
  // Every activation the nodes read or write, in the graph's order, each once: what calibration
  // measures and the rewrite quantizes.
  std::vector<std::string> activations;
  std::set<std::string> graph_inputs;  // which of them are graph inputs (not produced by a node)
  int64_t opset = 0;                   // of the default domain
};

// Finds what can be quantized in `model`. `keep_float` names nodes (by name, or op type such as
// "Gemm") to leave in float; a name that matches nothing is kUsage (a typo would otherwise pass
// silently). kInvalidModel for a model already quantized (it holds QuantizeLinear,
// DequantizeLinear or QLinear nodes) and kUnsupported for opsets before 10 (QuantizeLinear's).
// `source` names the model in messages.
Result<OnnxQdqAnalysis> analyse_onnx_for_qdq(const onnx::ModelProto& model,
                                             const std::set<std::string>& keep_float,
                                             const std::string& source);

// The analysis with no activation to quantize: weights alone become int8 (per channel), biases,
// activations and their absorbers stay float. `outpost optimize --quantize dynamic`: a quarter of
// the weights' size without calibration, computed in float.
OnnxQdqAnalysis weights_only(OnnxQdqAnalysis analysis);

// `model` serialized with `names` added to its graph outputs (as float tensors of any shape),
// those already outputs or graph inputs left out: the model calibration runs.
Result<std::string> onnx_with_extra_outputs(const onnx::ModelProto& model,
                                            const std::vector<std::string>& names);

struct OnnxQdqOptions {
  bool per_channel = true;  // weights per output channel where the opset allows (13+)
};

// What the rewrite did, for the report.
struct OnnxQdqWriteSummary {
  int quantized_nodes = 0;
  int absorbed_activations = 0;
  int quantize_nodes = 0;    // QuantizeLinear added
  int dequantize_nodes = 0;  // DequantizeLinear added
  bool weights_per_channel = false;
};

// The serialized QDQ model. `activation_params` holds one per-tensor int8 parameter pair for each
// name in analysis.activations (kInternal naming one missing). Nodes of the analysis are located
// by index, so it must be the analysis of this `model`.
Result<std::string> write_onnx_qdq(const onnx::ModelProto& model, const OnnxQdqAnalysis& analysis,
                                   const std::map<std::string, QuantParams>& activation_params,
                                   const OnnxQdqOptions& options, OnnxQdqWriteSummary* summary = nullptr);

// Parses a serialized ModelProto (kInvalidModel naming `source` when it is not one).
Status parse_onnx_model(const std::string& bytes, const std::string& source, onnx::ModelProto& model);

}  // namespace outpost
