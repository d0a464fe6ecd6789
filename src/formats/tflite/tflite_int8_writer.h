// TFLite models rewritten to int8, the writer side of `outpost optimize --quantize int8` for
// .tflite files (docs/optimize.md), in the form TensorFlow's converter gives a float model with a
// representative dataset and float input and output:
// - every float activation becomes int8 per tensor (asymmetric); the graph's inputs stay float
//   and a QUANTIZE op at the start makes their int8 copy, its outputs stay float and a DEQUANTIZE
//   at the end makes them from their int8 copy;
// - CONV_2D and DEPTHWISE_CONV_2D weights become int8 per output channel (symmetric; axis 0 and
//   3), their biases int32 at input scale x weight scale; a DEQUANTIZE of float16 weights (how
//   MediaPipe ships them) is folded into them;
// - where TFLite's int8 kernels need one scale and zero point on both sides (MAX_POOL_2D,
//   AVERAGE_POOL_2D, RESHAPE, PAD, CONCATENATION's inputs and output, RESIZE_BILINEAR), the
//   tensors share one: `tied` groups them, and the caller gives each group one pair covering all
//   its ranges; a LOGISTIC's output gets the fixed pair TFLite's kernel requires (`fixed`).
// Models with other operators, several subgraphs, or float constants read by other operators
// than a convolution's weights are refused by name.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "formats/tflite/tflite_model_data.h"
#include "outpost/quant_params.h"

namespace outpost::tflite {

struct Int8Analysis {
  // The float activations (tensor indices of subgraph 0) calibration measures, each in one group
  // of tensors that must share their parameters.
  std::vector<std::vector<int32_t>> tied;
  // Per group: the parameters TFLite's int8 kernel requires of it, where it does (a LOGISTIC's
  // output: scale 1/256, zero point -128, i.e. [0, 1)), which the caller uses instead of the
  // calibrated ones.
  std::vector<std::optional<QuantParams>> fixed;
  std::vector<std::string> quantized_ops;  // "CONV_2D (operator 3)" for the report
  int convolutions = 0;
};

// Fuses each RELU or RELU6 that alone reads the output of an ADD, CONV_2D or DEPTHWISE_CONV_2D
// without a fused activation into that operator (its fused_activation_function), as TensorFlow's
// converter does: an int8 kernel then clamps as it requantizes, where a separate int8 RELU would
// cost a pass of its own. The model computes the same. Returns how many were fused.
int fuse_activations(ModelData& model);

Result<Int8Analysis> analyse_tflite_for_int8(const ModelData& model, const std::string& source);

// The model with the activations made outputs of subgraph 0 under the names "activation:<index>"
// (signatures dropped, so that a session runs the main graph): what calibration runs.
Result<std::string> tflite_with_activation_outputs(ModelData model, const Int8Analysis& analysis);

// The name the calibration model gives activation `tensor`.
std::string activation_output_name(int32_t tensor);

struct Int8WriteSummary {
  int quantized_operators = 0;
  int folded_dequantize = 0;  // DEQUANTIZE ops of float16 weights folded into int8 weights
};

// `group_params` holds one per-tensor int8 pair for each group of analysis.tied, in order.
Result<std::string> write_tflite_int8(ModelData model, const Int8Analysis& analysis,
                                      const std::vector<QuantParams>& group_params, Int8WriteSummary* summary = nullptr);

}  // namespace outpost::tflite
