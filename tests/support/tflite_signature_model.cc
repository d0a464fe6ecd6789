#include "support/tflite_signature_model.h"

namespace outpost::testing {

TfModelSpec two_signature_spec(bool double_first) {
  TfModelSpec spec = add_model_spec();
  spec.tensors[0].name = "serving_add_lhs:0";
  spec.tensors[1].name = "serving_add_rhs:0";
  spec.tensors[2].name = "PartitionedCall:0";
  TfSubgraphSpec doubled;
  doubled.tensors = {{{1, 4}, 0, 0, "serving_double_x:0"}, {{1, 4}, 0, 0, "PartitionedCall_1:0"}};
  TfOperatorSpec add = spec.operators[0];
  add.inputs = {0, 0};
  add.outputs = {1};
  doubled.operators = {add};
  doubled.inputs = {0};
  doubled.outputs = {1};
  spec.more_subgraphs = {doubled};
  const TfSignatureSpec add_signature{"add", 0, {{"lhs", 0}, {"rhs", 1}}, {{"total", 2}}};
  const TfSignatureSpec double_signature{"double", 1, {{"x", 0}}, {{"twice", 1}}};
  spec.signatures = double_first ? std::vector<TfSignatureSpec>{double_signature, add_signature}
                                 : std::vector<TfSignatureSpec>{add_signature, double_signature};
  return spec;
}

}  // namespace outpost::testing
