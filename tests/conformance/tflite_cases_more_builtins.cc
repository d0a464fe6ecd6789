// Conformance cases of the builtins of tflite_more_builtins.cc (and MIRROR_PAD's SYMMETRIC
// mode): RANK, REDUCE_ANY, REDUCE_ALL, ATAN2, BITWISE_XOR, RIGHT_SHIFT, BROADCAST_ARGS,
// REVERSE_SEQUENCE, SCATTER_ND, and the ops whose output size the data decides, WHERE, UNIQUE
// and NON_MAX_SUPPRESSION_V4/V5, in every dtype TFLite has a kernel for.
#include <cstdint>
#include <string>
#include <vector>

#include "conformance/tflite_case_model.h"

namespace outpost::testing::conformance {
namespace {

enum : int32_t {
  REDUCE_ANY = 91, UNIQUE = 103, WHERE = 109, RANK = 110, REVERSE_SEQUENCE = 112,
  NON_MAX_SUPPRESSION_V4 = 120, NON_MAX_SUPPRESSION_V5 = 121, SCATTER_ND = 122,
  REDUCE_ALL = 140, BROADCAST_ARGS = 145, ATAN2 = 156, BITWISE_XOR = 160, RIGHT_SHIFT = 161,
};
enum : uint8_t { kUniqueOptions = 80, kReverseSequenceOptions = 87 };

const std::vector<int8_t> kIntegers = {kI8, kI16, kI32, kU8, kU16, kU32};

bool is_signed(int8_t t) { return t == kI8 || t == kI16 || t == kI32 || t == kI64; }

void rank_cases(Cases& out) {
  for (int8_t t : {kF32, kI32, kI64, kU8, kI8, kBool})
    for (const std::vector<int32_t>& shape :
         {std::vector<int32_t>{2, 3, 4}, std::vector<int32_t>{5}}) {
      CaseModel m;
      const int x = m.input(shape, t);
      m.op(RANK, {x}, {m.output({}, kI32)});
      out.push_back(m.done("RANK", "rank_" + std::to_string(shape.size()), t));
    }
}

void bool_reduction_cases(Cases& out) {
  struct Reduction {
    const char* label;
    std::vector<int32_t> axes;
    bool keep_dims;
    std::vector<int32_t> y;
  };
  for (int32_t code : {REDUCE_ANY, REDUCE_ALL})
    for (const Reduction& r : {Reduction{"axis_1", {1}, false, {2, 4}},
                               Reduction{"axes_0_2_keep_dims", {0, 2}, true, {1, 3, 1}},
                               Reduction{"axis_minus_1", {-1}, false, {2, 3}},
                               Reduction{"all_axes", {0, 1, 2}, false, {}}}) {
      CaseModel m;
      const int x = m.input({2, 3, 4}, kBool);
      const int axes = m.ints({static_cast<int32_t>(r.axes.size())}, r.axes);
      m.op(code, {x, axes}, {m.output(r.y, kBool)}, kReducerOptions, {{0, 1, r.keep_dims ? 1 : 0}});
      out.push_back(m.done(code == REDUCE_ANY ? "REDUCE_ANY" : "REDUCE_ALL", r.label, kBool));
    }
  // Mostly true or mostly false inputs, where ANY and ALL differ from chance.
  for (int32_t code : {REDUCE_ANY, REDUCE_ALL}) {
    CaseModel m;
    const int x = m.input({4, 2}, kBool);
    const int axes = m.ints({1}, {0});
    m.op(code, {x, axes}, {m.output({2}, kBool)}, kReducerOptions, {{0, 1, 0}});
    out.push_back(m.done(code == REDUCE_ANY ? "REDUCE_ANY" : "REDUCE_ALL", "rows_of_4", kBool));
  }
}

void binary_function_cases(Cases& out) {
  // TFLite's ATAN2 does not broadcast (it reads past the smaller operand), so neither case does;
  // the second divides by zero and negative zero's neighbours.
  for (int8_t t : {kF32, kF64}) {
    {
      CaseModel m;
      const int y = m.input({2, 3, 4}, t);
      const int x = m.input({2, 3, 4}, t);
      m.op(ATAN2, {y, x}, {m.output({2, 3, 4}, t)});
      out.push_back(m.done("ATAN2", "2x3x4", t));
    }
    {
      CaseModel m;
      const int y = m.input({6}, t);
      const std::vector<double> at = {0, 0, -1, 1, 0.5, -2};
      const int x = t == kF32 ? m.floats({6}, std::vector<float>(at.begin(), at.end()))
                              : m.raw({6}, kF64, {}, bytes_of(at));
      m.op(ATAN2, {y, x}, {m.output({6}, t)});
      out.push_back(m.done("ATAN2", "x_zero_and_negative", t));
    }
  }
  for (int8_t t : kIntegers)
    for (bool broadcast : {false, true}) {
      const InputRange range = is_signed(t) ? InputRange{-100, 100} : InputRange{0, 250};
      CaseModel m;
      const int a = m.input({2, 3, 4}, t, {}, range);
      const int b = m.input(broadcast ? std::vector<int32_t>{4} : std::vector<int32_t>{2, 3, 4}, t,
                            {}, range);
      m.op(BITWISE_XOR, {a, b}, {m.output({2, 3, 4}, t)});
      out.push_back(m.done("BITWISE_XOR", broadcast ? "broadcast" : "same", t));
    }
  // Shifts by negative amounts and by the width or more: TFLite clamps them.
  for (int8_t t : kIntegers)
    for (bool broadcast : {false, true}) {
      CaseModel m;
      const InputRange values = is_signed(t) ? InputRange{-120, 120} : InputRange{0, 250};
      const int x = m.input({2, 3, 4}, t, {}, values);
      const int y = m.input(broadcast ? std::vector<int32_t>{4} : std::vector<int32_t>{2, 3, 4}, t,
                            {}, is_signed(t) ? InputRange{-3, 40} : InputRange{0, 40});
      m.op(RIGHT_SHIFT, {x, y}, {m.output({2, 3, 4}, t)});
      out.push_back(m.done("RIGHT_SHIFT", broadcast ? "broadcast" : "same", t));
    }
}

void broadcast_args_cases(Cases& out) {
  for (int8_t t : {kI32, kI64}) {
    auto shape = [&](CaseModel& m, std::vector<int32_t> v) {
      if (t == kI32) return m.ints({static_cast<int32_t>(v.size())}, v);
      return m.raw({static_cast<int32_t>(v.size())}, kI64, {},
                   bytes_of(std::vector<int64_t>(v.begin(), v.end())));
    };
    {
      // [2, 1] against a run-time [k]: [2, k].
      CaseModel m;
      const int s0 = shape(m, {2, 1});
      const int s1 = m.input({1}, t, {}, {1, 7});
      m.op(BROADCAST_ARGS, {s0, s1}, {m.output({2}, t)});
      out.push_back(m.done("BROADCAST_ARGS", "constant_and_input", t));
    }
    {
      // A run-time [a, b] of ones against [4, 1, 5]: [4, 1, 5] padded in front.
      CaseModel m;
      const int s0 = m.input({2}, t, {}, {1, 1});
      const int s1 = shape(m, {4, 1, 5});
      m.op(BROADCAST_ARGS, {s0, s1}, {m.output({3}, t)});
      out.push_back(m.done("BROADCAST_ARGS", "input_shorter", t));
    }
  }
}

void reverse_sequence_cases(Cases& out) {
  struct Reverse {
    const char* label;
    int32_t seq_dim, batch_dim;
    std::vector<int32_t> shape, lengths;
  };
  for (int8_t t : {kF32, kI16, kI32, kI64, kU8})
    for (const Reverse& r : {Reverse{"seq_1_batch_0", 1, 0, {3, 5, 2}, {5, 0, 3}},
                             Reverse{"seq_0_batch_1", 0, 1, {4, 3}, {2, 4, 1}},
                             Reverse{"seq_2_batch_0", 2, 0, {2, 3, 4}, {3, 4}},
                             Reverse{"seq_1_batch_2", 1, 2, {2, 4, 3}, {1, 4, 2}}}) {
      for (int8_t length_type : {kI32, kI64}) {
        CaseModel m;
        const int x = m.input(r.shape, t);
        const int lengths =
            length_type == kI32
                ? m.ints({static_cast<int32_t>(r.lengths.size())}, r.lengths)
                : m.raw({static_cast<int32_t>(r.lengths.size())}, kI64, {},
                        bytes_of(std::vector<int64_t>(r.lengths.begin(), r.lengths.end())));
        m.op(REVERSE_SEQUENCE, {x, lengths}, {m.output(r.shape, t)}, kReverseSequenceOptions,
             {{0, 4, r.seq_dim}, {1, 4, r.batch_dim}});
        out.push_back(m.done("REVERSE_SEQUENCE",
                             std::string(r.label) + "_lengths_" + type_name(length_type), t));
      }
    }
  {
    // Quantized uint8: values move, their scale and zero point stay.
    CaseModel m;
    const Quant q = quant_of(kU8);
    const int x = m.input({3, 5, 2}, kU8, q);
    const int lengths = m.ints({3}, {5, 0, 3});
    m.op(REVERSE_SEQUENCE, {x, lengths}, {m.output({3, 5, 2}, kU8, q)}, kReverseSequenceOptions,
         {{0, 4, 1}, {1, 4, 0}});
    out.push_back(m.done("REVERSE_SEQUENCE", "quantized", kU8));
  }
}

void scatter_nd_cases(Cases& out) {
  for (int8_t t : {kF32, kI8, kU8, kI32, kI64, kBool}) {
    {
      // Rows into a [5, 3] tensor, row 1 twice: TFLite sums them (bool: ors them).
      CaseModel m;
      const int indices = m.ints({4, 1}, {1, 3, 1, 0});
      const int updates = m.input({4, 3}, t);
      const int shape = m.ints({2}, {5, 3});
      m.op(SCATTER_ND, {indices, updates, shape}, {m.output({5, 3}, t)});
      out.push_back(m.done("SCATTER_ND", "rows_repeated", t));
    }
    {
      // Elements into a [3, 4] tensor from run-time indices.
      CaseModel m;
      const int indices = m.input({5, 2}, kI32, {}, {0, 2});
      const int updates = m.input({5}, t);
      const int shape = m.ints({2}, {3, 3});
      m.op(SCATTER_ND, {indices, updates, shape}, {m.output({3, 3}, t)});
      out.push_back(m.done("SCATTER_ND", "elements", t));
    }
  }
}

void mirror_pad_symmetric_cases(Cases& out) {
  for (int8_t t : {kF32, kI32, kI64, kU8, kI8}) {
    const Quant q = quant_of(t);
    CaseModel m;
    const int x = m.input({1, 3, 4, 1}, t, q);
    const int pads = m.ints({4, 2}, {0, 0, 2, 1, 1, 4, 0, 0});
    m.op(MIRROR_PAD, {x, pads}, {m.output({1, 6, 9, 1}, t, q)}, kMirrorPadOptions, {{0, 1, 1}});
    out.push_back(m.done("MIRROR_PAD", "symmetric", t));
  }
}

// ---- outputs whose size the data decides

void where_cases(Cases& out) {
  for (int8_t t : {kBool, kF32, kI32, kI64, kI8, kU8, kU32}) {
    CaseModel m;
    const int x = m.input({3, 4}, t, {}, t == kBool ? InputRange{NAN, NAN} : InputRange{-1, 1});
    m.op(WHERE, {x}, {m.output({1, 2}, kI64)});
    out.push_back(m.done("WHERE", "3x4", t));
  }
  {
    CaseModel m;
    const int x = m.input({2, 2, 3}, kBool);
    m.op(WHERE, {x}, {m.output({1, 3}, kI64)});
    out.push_back(m.done("WHERE", "2x2x3", kBool));
  }
}

void unique_cases(Cases& out) {
  for (int8_t t : {kF32, kI8, kI16, kI32, kI64, kU8})
    for (int8_t index : {kI32, kI64}) {
      CaseModel m;
      int x;
      if (t == kF32) {
        x = m.floats({8}, {2.5f, -1.0f, 2.5f, 0.0f, 7.0f, -1.0f, 2.5f, 3.0f});
      } else {
        x = m.input({12}, t, {}, {0, 5});
      }
      const int y = m.output({1}, t);
      const int idx = m.output({t == kF32 ? 8 : 12}, index);
      m.op(UNIQUE, {x}, {y, idx}, kUniqueOptions, {{0, 1, index}});
      out.push_back(m.done("UNIQUE", std::string("index_") + type_name(index), t));
    }
}

void non_max_suppression_cases(Cases& out) {
  struct Nms {
    const char* label;
    int32_t boxes, max_output;
    float iou, score;
  };
  for (int32_t code : {NON_MAX_SUPPRESSION_V4, NON_MAX_SUPPRESSION_V5})
    for (const Nms& c : {Nms{"iou_0.5", 10, 6, 0.5f, 0.0f},
                         Nms{"iou_0.2_score_0.3", 12, 8, 0.2f, 0.3f},
                         Nms{"max_2", 8, 2, 0.6f, 0.1f}, Nms{"iou_0", 8, 5, 0.0f, 0.0f}}) {
      CaseModel m;
      const int boxes = m.input({c.boxes, 4}, kF32, {}, {0, 1});
      const int scores = m.input({c.boxes}, kF32, {}, {0, 1});
      const int max_output = m.ints({}, {c.max_output});
      const int iou = m.floats({}, {c.iou});
      const int score = m.floats({}, {c.score});
      std::vector<int32_t> inputs = {boxes, scores, max_output, iou, score};
      std::vector<int32_t> outputs = {m.output({c.max_output}, kI32)};
      if (code == NON_MAX_SUPPRESSION_V5) {
        inputs.push_back(m.floats({}, {0.0f}));
        outputs.push_back(m.output({c.max_output}, kF32));
      }
      outputs.push_back(m.output({}, kI32));
      m.op(code, inputs, outputs);
      out.push_back(m.done(code == NON_MAX_SUPPRESSION_V4 ? "NON_MAX_SUPPRESSION_V4"
                                                          : "NON_MAX_SUPPRESSION_V5",
                           c.label, kF32));
    }
}

}  // namespace

void more_builtin_cases(Cases& out) {
  rank_cases(out);
  bool_reduction_cases(out);
  binary_function_cases(out);
  broadcast_args_cases(out);
  reverse_sequence_cases(out);
  scatter_nd_cases(out);
  mirror_pad_symmetric_cases(out);
  where_cases(out);
  unique_cases(out);
  non_max_suppression_cases(out);
}

}  // namespace outpost::testing::conformance
