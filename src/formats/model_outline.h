// What a model file declares, read without importing it: its inputs and outputs with every
// dimension as written (symbolic ones by name), and its ops in the format's own names, each
// marked with whether Outpost translates it. `outpost inspect` shows this for a model that
// cannot run, so the user sees the whole model and exactly what is missing instead of one
// error line.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "outpost/status.h"

namespace outpost {

struct OutlineTensor {
  std::string name;
  std::string dtype;              // numpy spelling ("float32"), or the format's own for others
  std::vector<std::string> dims;  // "224", a symbolic name ("batch"), or "?" when unknown
  bool symbolic() const;          // some dimension is not a number
};

struct OutlineOp {
  std::string op;    // "CONV_2D", "custom 'MyOp'", "Conv", "com.microsoft.FusedConv"
  int count = 0;
  int first_node = 0;  // index of its first node in the model's own order
  bool translated = false;
};

struct ModelOutline {
  std::string format;   // "tflite" or "onnx"
  std::string version;  // "schema 3, 2 subgraphs", "opset 13 (ir_version 8)"
  std::vector<OutlineTensor> inputs, outputs;
  std::vector<OutlineOp> ops;  // in order of first appearance
  int nodes = 0;
};

// kInvalidModel when the file is not a model at all (corrupt, truncated, another format).
Result<ModelOutline> outline_model(const uint8_t* data, size_t size, const std::string& name);

// "[batch, 3, 224, 224]".
std::string dims_text(const std::vector<std::string>& dims);

// One entry per op name, counted in order of first appearance.
void count_op(std::vector<OutlineOp>& ops, const std::string& op, int node, bool translated);

Result<ModelOutline> outline_tflite(const uint8_t* data, size_t size, const std::string& name);
Result<ModelOutline> outline_onnx(const uint8_t* data, size_t size, const std::string& name);

}  // namespace outpost
