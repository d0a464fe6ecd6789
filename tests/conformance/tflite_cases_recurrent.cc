// Conformance cases of TFLite's recurrent builtins beyond UNIDIRECTIONAL_SEQUENCE_LSTM
// (tflite_cases.cc): RNN, UNIDIRECTIONAL_SEQUENCE_RNN and BIDIRECTIONAL_SEQUENCE_RNN
// (src/formats/tflite/tflite_rnn_builtins.cc), the LSTMs and SVDF (tflite_svdf_builtin.cc),
// float32. Their hidden states are variable tensors: the
// cases invoked more than once compare what the last invocation gives, having started from the
// state the ones before left.
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "conformance/tflite_case_model.h"

namespace outpost::testing::conformance {
namespace {

// TFLite's fused activation codes.
enum Activation : int { kNone = 0, kRelu = 1, kReluN1To1 = 2, kRelu6 = 3, kTanh = 4 };

const char* activation_label(int a) {
  switch (a) {
    case kNone: return "none";
    case kRelu: return "relu";
    case kReluN1To1: return "relu_n1_to_1";
    case kRelu6: return "relu6";
    default: return "tanh";
  }
}

// Constants in (-0.6, 0.6), different for every tensor a generator makes.
class Values {
 public:
  std::vector<float> operator()(int32_t count) {
    std::vector<float> v;
    for (int32_t k = 0; k < count; ++k)
      v.push_back(0.6f * std::sin(1.3f * static_cast<float>(++seed_)));
    return v;
  }

 private:
  int seed_ = 0;
};

// One direction's weights [units, input], recurrent weights, bias and state, appended to `in`.
void rnn_cell(CaseModel& m, Values& values, std::vector<int32_t>& in, int32_t input,
              int32_t units, int32_t batch) {
  in.push_back(m.floats({units, input}, values(units * input)));
  in.push_back(m.floats({units, units}, values(units * units)));
  in.push_back(m.floats({units}, values(units)));
  in.push_back(m.variable({batch, units}, kF32));
}

// RNN: one step over x [batch 3, input 4], 5 units.
void rnn_cases(Cases& out) {
  Values values;
  struct Rnn {
    int activation, invocations;
  };
  for (const Rnn& c : {Rnn{kTanh, 1}, Rnn{kRelu, 1}, Rnn{kNone, 1}, Rnn{kRelu6, 1},
                       Rnn{kReluN1To1, 1}, Rnn{kTanh, 3}, Rnn{kRelu6, 2}}) {
    CaseModel m;
    std::vector<int32_t> in = {m.input({3, 4}, kF32)};
    rnn_cell(m, values, in, 4, 5, 3);
    m.op(RNN, in, {m.output({3, 5}, kF32)}, kRnnOptions, {{0, 1, c.activation}});
    std::string label = activation_label(c.activation);
    if (c.invocations > 1) label += "_state_over_" + std::to_string(c.invocations) + "_invocations";
    out.push_back(m.done("RNN", label, kF32));
    out.back().invocations = c.invocations;
  }
}

// UNIDIRECTIONAL_SEQUENCE_RNN over x [batch, steps, input] (or time-major).
void sequence_rnn_cases(Cases& out) {
  Values values;
  struct Sequence {
    const char* label;
    bool time_major;
    int32_t batch, steps, input, units;
    int activation, invocations;
  };
  for (const Sequence& c :
       {Sequence{"batch_major", false, 2, 4, 3, 5, kTanh, 1},
        Sequence{"time_major", true, 2, 4, 3, 5, kTanh, 1},
        Sequence{"relu", false, 3, 5, 2, 4, kRelu, 1},
        Sequence{"none", true, 1, 6, 3, 2, kNone, 1},
        Sequence{"relu6", false, 2, 3, 4, 6, kRelu6, 1},
        Sequence{"relu_n1_to_1", true, 3, 2, 3, 3, kReluN1To1, 1},
        Sequence{"state_over_3_invocations", false, 2, 4, 3, 5, kTanh, 3},
        Sequence{"time_major_state_over_2_invocations", true, 2, 3, 3, 4, kRelu, 2}}) {
    CaseModel m;
    const std::vector<int32_t> seq = c.time_major ? std::vector<int32_t>{c.steps, c.batch, c.input}
                                                  : std::vector<int32_t>{c.batch, c.steps, c.input};
    std::vector<int32_t> in = {m.input(seq, kF32)};
    rnn_cell(m, values, in, c.input, c.units, c.batch);
    std::vector<int32_t> y = seq;
    y[2] = c.units;
    m.op(UNIDIRECTIONAL_SEQUENCE_RNN, in, {m.output(y, kF32)}, kSequenceRnnOptions,
         {{0, 1, c.time_major ? 1 : 0}, {1, 1, c.activation}});
    out.push_back(m.done("UNIDIRECTIONAL_SEQUENCE_RNN", c.label, kF32));
    out.back().invocations = c.invocations;
  }
}

// BIDIRECTIONAL_SEQUENCE_RNN: forward and backward cells of their own sizes, outputs merged
// or separate, and TFLite's two uses of the aux input.
void bidirectional_rnn_cases(Cases& out) {
  Values values;
  // An aux input without aux weights, the backward direction's input by TFLite's definition,
  // is ignored by its kernel, and time-major it reads an aux input narrower or wider than x at
  // x's width: Outpost refuses both (tests/formats/tflite/rnn_import_test.cc).
  enum Aux { kNoAux, kAuxWeights };
  struct Bidirectional {
    const char* label;
    bool time_major, merge;
    int32_t batch, steps, input, fw_units, bw_units;
    Aux aux;
    int32_t aux_input;  // the aux input's width
    int activation, invocations;
  };
  for (const Bidirectional& c : {
           Bidirectional{"merged", false, true, 2, 4, 3, 5, 5, kNoAux, 0, kTanh, 1},
           Bidirectional{"merged_time_major", true, true, 2, 4, 3, 4, 3, kNoAux, 0, kTanh, 1},
           Bidirectional{"separate", false, false, 3, 3, 2, 3, 4, kNoAux, 0, kRelu, 1},
           Bidirectional{"separate_time_major", true, false, 2, 5, 3, 4, 3, kNoAux, 0, kTanh, 1},
           Bidirectional{"relu6_merged", false, true, 2, 3, 3, 3, 2, kNoAux, 0, kRelu6, 1},
           Bidirectional{"aux_weights", false, true, 2, 4, 3, 4, 3, kAuxWeights, 2, kTanh, 1},
           Bidirectional{"aux_weights_time_major", true, true, 2, 3, 3, 4, 4, kAuxWeights, 3,
                         kNone, 1},
           Bidirectional{"state_over_2_invocations", false, true, 2, 4, 3, 5, 4, kNoAux, 0, kTanh,
                         2},
           Bidirectional{"time_major_state_over_3_invocations", true, true, 2, 3, 2, 3, 3, kNoAux,
                         0, kRelu, 3}}) {
    CaseModel m;
    auto seq = [&](int32_t width) {
      return c.time_major ? std::vector<int32_t>{c.steps, c.batch, width}
                          : std::vector<int32_t>{c.batch, c.steps, width};
    };
    std::vector<int32_t> in = {m.input(seq(c.input), kF32)};
    rnn_cell(m, values, in, c.input, c.fw_units, c.batch);
    rnn_cell(m, values, in, c.input, c.bw_units, c.batch);
    in.push_back(c.aux == kNoAux ? -1 : m.input(seq(c.aux_input), kF32));
    for (int32_t units : {c.fw_units, c.bw_units}) {
      const int32_t count = units * c.aux_input;
      in.push_back(c.aux == kAuxWeights ? m.floats({units, c.aux_input}, values(count)) : -1);
    }
    std::vector<int32_t> outputs;
    if (c.merge)
      outputs = {m.output(seq(c.fw_units + c.bw_units), kF32)};
    else
      outputs = {m.output(seq(c.fw_units), kF32), m.output(seq(c.bw_units), kF32)};
    m.op(BIDIRECTIONAL_SEQUENCE_RNN, in, outputs, kBidirectionalSequenceRnnOptions,
         {{0, 1, c.time_major ? 1 : 0}, {1, 1, c.activation}, {2, 1, c.merge ? 1 : 0}});
    out.push_back(m.done("BIDIRECTIONAL_SEQUENCE_RNN", c.label, kF32));
    out.back().invocations = c.invocations;
  }
}

// One LSTM direction's tensors into `in`, from its input-to-input weights at `first`: input
// weights i, f, c, o, recurrent weights, peepholes i, f, o (when asked), biases; CIFG (the
// input gate coupled to the forget gate, i = 1 - f) has none of the input gate's.
void lstm_cell(CaseModel& m, Values& values, std::vector<int32_t>& in, size_t first,
               int32_t input, int32_t cells, bool peepholes, bool cifg = false) {
  for (size_t g = cifg ? 1 : 0; g < 4; ++g) {
    in[first + g] = m.floats({cells, input}, values(cells * input));
    in[first + 4 + g] = m.floats({cells, cells}, values(cells * cells));
    in[first + 11 + g] = m.floats({cells}, values(cells));
  }
  if (peepholes)
    for (size_t k = cifg ? 9 : 8; k < 11; ++k) in[first + k] = m.floats({cells}, values(cells));
}

// LSTM (the full kernel): one step over x [batch, input 3], 4 cells.
void lstm_cases(Cases& out) {
  Values values;
  struct Lstm {
    const char* label;
    int32_t batch;
    bool peepholes;
    float cell_clip;
    int activation, invocations;
    bool cifg = false;
  };
  for (const Lstm& c : {Lstm{"tanh", 2, false, 0, kTanh, 1}, Lstm{"relu", 3, false, 0, kRelu, 1},
                        Lstm{"peepholes_cell_clip", 2, true, 0.3f, kTanh, 1},
                        Lstm{"state_over_3_invocations", 2, false, 0, kTanh, 3},
                        Lstm{"peepholes_state_over_2_invocations", 1, true, 0.5f, kTanh, 2},
                        Lstm{"cifg", 2, false, 0, kTanh, 1, true},
                        Lstm{"cifg_peepholes_state_over_2_invocations", 2, true, 0.4f, kTanh, 2,
                             true}}) {
    const int32_t input = 3, cells = 4;
    CaseModel m;
    std::vector<int32_t> in(20, -1);
    in[0] = m.input({c.batch, input}, kF32);
    lstm_cell(m, values, in, 1, input, cells, c.peepholes, c.cifg);
    in[18] = m.variable({c.batch, cells}, kF32);
    in[19] = m.variable({c.batch, cells}, kF32);
    m.op(LSTM, in, {m.output({c.batch, cells}, kF32)}, kLstmOptions,
         {{0, 1, c.activation}, {1, 4, float_bits(c.cell_clip)}, {3, 1, 0}});
    out.push_back(m.done("LSTM", c.label, kF32));
    out.back().invocations = c.invocations;
  }
}

// BIDIRECTIONAL_SEQUENCE_LSTM: forward and backward cells of one size (TFLite checks both
// against the same sizes), outputs merged or separate, an aux input with its weights or as the
// backward direction's input. Merged batch-major outputs of a batch > 1, where TFLite's kernel
// misplaces rows, are refused (tests/formats/tflite/rnn_import_test.cc).
void bidirectional_lstm_cases(Cases& out) {
  Values values;
  struct Bidirectional {
    const char* label;
    bool time_major, merge;
    int32_t batch, steps, input, cells;
    bool peepholes;
    float cell_clip;
    // The aux input's width, with aux weights; 0: none; -1: x's shape, without aux weights
    // (the backward direction's input).
    int32_t aux_input;
    int activation, invocations;
    bool cifg = false, time_major_by_default = false;
  };
  for (const Bidirectional& c : {
           Bidirectional{"merged_time_major", true, true, 2, 4, 3, 5, false, 0, 0, kTanh, 1},
           Bidirectional{"time_major_by_default", true, false, 3, 2, 3, 4, false, 0, 0, kTanh, 1,
                         false, true},
           Bidirectional{"cifg_peepholes", true, false, 2, 3, 3, 4, true, 0, 0, kTanh, 1, true},
           Bidirectional{"batch_major_cifg_state_over_2_invocations", false, false, 2, 3, 2, 3,
                         false, 0.5f, 0, kTanh, 2, true},
           Bidirectional{"separate_time_major", true, false, 2, 3, 3, 4, false, 0, 0, kTanh, 1},
           Bidirectional{"separate", false, false, 2, 4, 3, 4, false, 0, 0, kTanh, 1},
           Bidirectional{"merged_batch_1", false, true, 1, 4, 3, 4, false, 0, 0, kTanh, 1},
           Bidirectional{"aux_as_backward_input", true, false, 2, 4, 3, 4, false, 0, -1, kTanh,
                         1},
           Bidirectional{"batch_major_aux_as_backward_input", false, false, 2, 3, 2, 3, true,
                         0.5f, -1, kTanh, 2},
           Bidirectional{"relu_merged", true, true, 3, 3, 2, 3, false, 0, 0, kRelu, 1},
           Bidirectional{"peepholes_cell_clip", true, false, 2, 4, 3, 4, true, 0.4f, 0, kTanh, 1},
           Bidirectional{"aux_weights", true, true, 2, 3, 3, 4, false, 0, 2, kTanh, 1},
           Bidirectional{"batch_major_aux_weights", false, false, 2, 3, 3, 4, false, 0, 4, kTanh,
                         1},
           Bidirectional{"state_over_2_invocations", true, true, 2, 3, 3, 4, true, 0.4f, 0, kTanh,
                         2},
           Bidirectional{"batch_major_state_over_3_invocations", false, false, 2, 3, 2, 3, false,
                         0, 0, kTanh, 3}}) {
    CaseModel m;
    auto seq = [&](int32_t width) {
      return c.time_major ? std::vector<int32_t>{c.steps, c.batch, width}
                          : std::vector<int32_t>{c.batch, c.steps, width};
    };
    std::vector<int32_t> in(48, -1);
    in[0] = m.input(seq(c.input), kF32);
    lstm_cell(m, values, in, 1, c.input, c.cells, c.peepholes, c.cifg);
    lstm_cell(m, values, in, 18, c.input, c.cells, c.peepholes, c.cifg);
    for (size_t k = 35; k < 39; ++k) in[k] = m.variable({c.batch, c.cells}, kF32);
    if (c.aux_input < 0) in[39] = m.input(seq(c.input), kF32);
    if (c.aux_input > 0) {
      in[39] = m.input(seq(c.aux_input), kF32);
      for (size_t k = 40; k < 48; ++k)
        in[k] = m.floats({c.cells, c.aux_input}, values(c.cells * c.aux_input));
    }
    std::vector<int32_t> outputs;
    if (c.merge)
      outputs = {m.output(seq(2 * c.cells), kF32)};
    else
      outputs = {m.output(seq(c.cells), kF32), m.output(seq(c.cells), kF32)};
    std::vector<TfOptionField> options = {
        {0, 1, c.activation}, {1, 4, float_bits(c.cell_clip)}, {3, 1, c.merge ? 1 : 0}};
    // time_major is true where the options leave it out ("time_major_by_default").
    if (!c.time_major_by_default) options.push_back({4, 1, c.time_major ? 1 : 0});
    m.op(BIDIRECTIONAL_SEQUENCE_LSTM, in, outputs, kBidirectionalSequenceLstmOptions, options);
    out.push_back(m.done("BIDIRECTIONAL_SEQUENCE_LSTM", c.label, kF32));
    out.back().invocations = c.invocations;
  }
}

// UNIDIRECTIONAL_SEQUENCE_LSTM with CIFG (its other forms: tflite_cases.cc).
void sequence_lstm_cifg_cases(Cases& out) {
  Values values;
  for (bool time_major : {false, true}) {
    const int32_t batch = 2, steps = 4, input = 3, cells = 4;
    CaseModel m;
    const std::vector<int32_t> seq = time_major ? std::vector<int32_t>{steps, batch, input}
                                                : std::vector<int32_t>{batch, steps, input};
    std::vector<int32_t> in(20, -1);
    in[0] = m.input(seq, kF32);
    lstm_cell(m, values, in, 1, input, cells, time_major, true);
    in[18] = m.variable({batch, cells}, kF32);
    in[19] = m.variable({batch, cells}, kF32);
    std::vector<int32_t> y = seq;
    y[2] = cells;
    m.op(UNIDIRECTIONAL_SEQUENCE_LSTM, in, {m.output(y, kF32)}, kUnidirectionalSequenceLstmOptions,
         {{0, 1, kTanh}, {1, 4, float_bits(0)}, {3, 1, time_major ? 1 : 0}});
    out.push_back(m.done("UNIDIRECTIONAL_SEQUENCE_LSTM",
                         time_major ? "cifg_peepholes_time_major_state_over_2_invocations"
                                    : "cifg_state_over_2_invocations",
                         kF32));
    out.back().invocations = 2;
  }
}

}  // namespace

// SVDF over x [batch, input]: feature weights [filters, input], time weights [filters, memory],
// [bias [filters / rank]], state [batch, filters * memory]. The cases invoked more than once
// fill and shift the state's memory.
void svdf_cases(Cases& out) {
  Values values;
  struct Svdf {
    const char* label;
    int32_t batch, input, filters, memory, rank;
    bool bias;
    int activation, invocations;
  };
  for (const Svdf& c : {Svdf{"rank1", 2, 3, 4, 5, 1, true, kNone, 1},
                        Svdf{"rank2", 2, 3, 4, 5, 2, true, kRelu, 1},
                        Svdf{"rank2_state_over_4_invocations", 2, 3, 4, 3, 2, true, kNone, 4},
                        Svdf{"rank1_no_bias_state_over_3_invocations", 1, 4, 3, 4, 1, false, kTanh, 3},
                        Svdf{"memory1_state_over_2_invocations", 3, 2, 6, 1, 3, true, kRelu6, 2},
                        Svdf{"relu_n1_to_1_state_over_7_invocations", 2, 5, 8, 4, 4, true, kReluN1To1, 7}}) {
    CaseModel m;
    std::vector<int32_t> in = {m.input({c.batch, c.input}, kF32),
                               m.floats({c.filters, c.input}, values(c.filters * c.input)),
                               m.floats({c.filters, c.memory}, values(c.filters * c.memory))};
    const int32_t units = c.filters / c.rank;
    in.push_back(c.bias ? m.floats({units}, values(units)) : -1);
    in.push_back(m.variable({c.batch, c.filters * c.memory}, kF32));
    m.op(SVDF, in, {m.output({c.batch, units}, kF32)}, kSvdfOptions,
         {{0, 4, c.rank}, {1, 1, c.activation}});
    out.push_back(m.done("SVDF", std::string(c.label) + "_" + activation_label(c.activation), kF32));
    out.back().invocations = c.invocations;
  }
}

void recurrent_cases(Cases& out) {
  rnn_cases(out);
  sequence_rnn_cases(out);
  bidirectional_rnn_cases(out);
  lstm_cases(out);
  bidirectional_lstm_cases(out);
  sequence_lstm_cifg_cases(out);
  svdf_cases(out);
}

}  // namespace outpost::testing::conformance
