// Conformance cases of the TFLite builtins that reduce by segment, build matrices from their
// diagonals, scatter into a filled tensor, pool by L2 norm, fake-quantize and convolve in 3-D
// (src/formats/tflite/tflite_segment_builtins.cc), in every dtype TFLite has a kernel for.
#include <cstdint>
#include <vector>

#include "conformance/tflite_case_model.h"

namespace outpost::testing::conformance {
namespace {

// Builtin codes and BuiltinOptions union types of TFLite's schema for these builtins.
enum SegmentCode : int32_t {
  L2_POOL_2D = 12,
  EMBEDDING_LOOKUP_SPARSE = 33,
  SPARSE_TO_DENSE = 68,
  FAKE_QUANT = 80,
  MATRIX_DIAG = 113,
  MATRIX_SET_DIAG = 115,
  SEGMENT_SUM = 125,
  CONV_3D = 132,
  CONV_3D_TRANSPOSE = 141,
  BUCKETIZE = 147,
  DYNAMIC_UPDATE_SLICE = 151,
  UNSORTED_SEGMENT_PROD = 153,
  UNSORTED_SEGMENT_MAX = 154,
  UNSORTED_SEGMENT_SUM = 155,
  UNSORTED_SEGMENT_MIN = 157,
  BITCAST = 159,
  DILATE = 203,
};
enum SegmentOptions : uint8_t {
  kEmbeddingLookupSparseOptions = 20,
  kSparseToDenseOptions = 50,
  kFakeQuantOptions = 58,
  kConv3DOptions = 106,
  kBucketizeOptions = 115,
};

std::vector<uint8_t> int64_bytes(const std::vector<int64_t>& v) { return bytes_of(v); }

// Deterministic float weights in [-0.5, 0.5].
std::vector<float> weights(size_t n) {
  std::vector<float> w(n);
  for (size_t i = 0; i < n; ++i) w[i] = static_cast<float>((i * 7) % 13) / 12.0f - 0.5f;
  return w;
}

void segment_cases(Cases& out) {
  for (int8_t t : {kF32, kI32}) {
    {  // sorted ids, a constant (TFLite refuses ids that skip a segment)
      CaseModel m;
      const int x = m.input({6, 3}, t);
      const int ids = m.ints({6}, {0, 0, 1, 1, 1, 2});
      m.op(SEGMENT_SUM, {x, ids}, {m.output({3, 3}, t)});
      out.push_back(m.done("SEGMENT_SUM", "6x3_into_3", t));
    }
    struct Unsorted {
      int32_t code;
      const char* name;
    };
    for (const Unsorted& u : {Unsorted{UNSORTED_SEGMENT_SUM, "UNSORTED_SEGMENT_SUM"},
                              Unsorted{UNSORTED_SEGMENT_PROD, "UNSORTED_SEGMENT_PROD"},
                              Unsorted{UNSORTED_SEGMENT_MAX, "UNSORTED_SEGMENT_MAX"},
                              Unsorted{UNSORTED_SEGMENT_MIN, "UNSORTED_SEGMENT_MIN"}}) {
      {  // constant ids, one segment empty
        CaseModel m;
        const int x = m.input({5, 2}, t, {}, t == kI32 ? InputRange{-4, 4} : InputRange{-2, 2});
        const int ids = m.ints({5}, {2, 0, 2, 3, 0});
        const int count = m.ints({}, {5});
        m.op(u.code, {x, ids, count}, {m.output({5, 2}, t)});
        out.push_back(m.done(u.name, "constant_ids", t));
      }
      {  // ids given at run time, 2-D over a 3-D tensor
        CaseModel m;
        const int x = m.input({2, 3, 2}, t, {}, t == kI32 ? InputRange{-4, 4} : InputRange{-2, 2});
        const int ids = m.input({2, 3}, kI32, {}, {0, 3});
        const int count = m.ints({}, {4});
        m.op(u.code, {x, ids, count}, {m.output({4, 2}, t)});
        out.push_back(m.done(u.name, "runtime_ids_2d", t));
      }
      {  // negative ids drop their rows
        CaseModel m;
        const int x = m.input({6, 2}, t, {}, t == kI32 ? InputRange{-4, 4} : InputRange{-2, 2});
        const int ids = m.ints({6}, {1, -1, 0, 1, -3, 1});
        const int count = m.ints({}, {3});
        m.op(u.code, {x, ids, count}, {m.output({3, 2}, t)});
        out.push_back(m.done(u.name, "negative_ids", t));
      }
    }
  }
}

// No bool: TFLite's MATRIX_DIAG and MATRIX_SET_DIAG give bool tensors with the input's bytes
// where the diagonal's off-diagonal zeros should be (ai-edge-litert 1.x), so no reference exists.
void diagonal_cases(Cases& out) {
  for (int8_t t : {kF32, kI32, kI64, kU8, kI8}) {
    const Quant q = quant_of(t);
    {
      CaseModel m;
      const int x = m.input({2, 3}, t, q);
      m.op(MATRIX_DIAG, {x}, {m.output({2, 3, 3}, t, q)});
      out.push_back(m.done("MATRIX_DIAG", "2x3", t));
    }
    struct Set {
      const char* label;
      int32_t rows, cols;
    };
    for (const Set& s : {Set{"3x3", 3, 3}, Set{"4x2", 4, 2}, Set{"2x4", 2, 4}}) {
      CaseModel m;
      const int x = m.input({2, s.rows, s.cols}, t, q);
      const int d = m.input({2, std::min(s.rows, s.cols)}, t, q);
      m.op(MATRIX_SET_DIAG, {x, d}, {m.output({2, s.rows, s.cols}, t, q)});
      out.push_back(m.done("MATRIX_SET_DIAG", s.label, t));
    }
  }
}

void bucketize_cases(Cases& out) {
  const std::vector<float> bounds{-2.0f, -0.5f, 0.0f, 1.0f, 3.0f};
  std::vector<int32_t> bits;
  for (float b : bounds) bits.push_back(float_bits(b));
  for (int8_t t : {kF32, kI32, kI64}) {
    CaseModel m;
    const int x = m.input({3, 5}, t, {}, {-4, 4});
    m.op(BUCKETIZE, {x}, {m.output({3, 5}, kI32)}, kBucketizeOptions, {}, {{0, bits}});
    out.push_back(m.done("BUCKETIZE", "5_boundaries", t));
  }
  {  // values on the boundaries go to the bucket above
    CaseModel m;
    const int x = m.floats({6}, {-2.0f, -0.5f, 0.0f, 1.0f, 3.0f, 5.0f});
    m.op(BUCKETIZE, {x}, {m.output({6}, kI32)}, kBucketizeOptions, {}, {{0, bits}});
    out.push_back(m.done("BUCKETIZE", "on_boundaries", kF32));
  }
}

// A constant of `t` holding `values` (quantized types hold them as stored integers).
int typed_constant(CaseModel& m, std::vector<int32_t> shape, int8_t t, Quant q,
                   const std::vector<int32_t>& values) {
  switch (t) {
    case kF32:
      return m.floats(shape, std::vector<float>(values.begin(), values.end()));
    case kI64:
      return m.raw(shape, kI64, q, int64_bytes({values.begin(), values.end()}));
    case kU8:
    case kI8: {
      std::vector<uint8_t> b;
      for (int32_t v : values) b.push_back(static_cast<uint8_t>(v));
      return m.raw(shape, t, q, b);
    }
    default:
      return m.ints(shape, values);
  }
}

void sparse_to_dense_cases(Cases& out) {
  for (int8_t t : {kF32, kI32, kI64, kU8, kI8}) {
    const Quant q = quant_of(t);
    {  // 2-D indices, one value each, given at run time
      CaseModel m;
      const int idx = m.ints({3, 2}, {0, 1, 2, 3, 1, 0});
      const int shape = m.ints({2}, {3, 4});
      const int values = m.input({3}, t, q);
      const int fill = typed_constant(m, {}, t, q, {7});
      m.op(SPARSE_TO_DENSE, {idx, shape, values, fill}, {m.output({3, 4}, t, q)},
           kSparseToDenseOptions, {{0, 1, 0}});
      out.push_back(m.done("SPARSE_TO_DENSE", "2d_indices", t));
    }
    {  // 1-D indices as int64, a scalar value
      CaseModel m;
      const int idx = m.raw({3}, kI64, {}, int64_bytes({4, 0, 2}));
      const int shape = m.raw({1}, kI64, {}, int64_bytes({6}));
      const int value = typed_constant(m, {}, t, q, {5});
      const int fill = m.input({}, t, q);
      m.op(SPARSE_TO_DENSE, {idx, shape, value, fill}, {m.output({6}, t, q)}, kSparseToDenseOptions,
           {{0, 1, 0}});
      out.push_back(m.done("SPARSE_TO_DENSE", "1d_indices_scalar_value", t));
    }
  }
}

void update_slice_cases(Cases& out) {
  for (int8_t t : {kF32, kI32, kI64, kI8, kBool}) {
    const Quant q = t == kI8 ? quant_of(t) : Quant{};
    {  // a constant start, the last one clamped back into the tensor
      CaseModel m;
      const int x = m.input({4, 5}, t, q);
      const int u = m.input({2, 3}, t, q);
      const int start = m.ints({2}, {1, 4});
      m.op(DYNAMIC_UPDATE_SLICE, {x, u, start}, {m.output({4, 5}, t, q)});
      out.push_back(m.done("DYNAMIC_UPDATE_SLICE", "constant_start_clamped", t));
    }
    {  // the start given at run time, negative ones clamped to 0
      CaseModel m;
      const int x = m.input({3, 4, 2}, t, q);
      const int u = m.input({2, 2, 1}, t, q);
      const int start = m.input({3}, kI32, {}, {-2, 4});
      m.op(DYNAMIC_UPDATE_SLICE, {x, u, start}, {m.output({3, 4, 2}, t, q)});
      out.push_back(m.done("DYNAMIC_UPDATE_SLICE", "runtime_start", t));
    }
  }
  {  // int64 start
    CaseModel m;
    const int x = m.input({6}, kF32);
    const int u = m.input({2}, kF32);
    const int start = m.raw({1}, kI64, {}, int64_bytes({3}));
    m.op(DYNAMIC_UPDATE_SLICE, {x, u, start}, {m.output({6}, kF32)});
    out.push_back(m.done("DYNAMIC_UPDATE_SLICE", "int64_start", kF32));
  }
}

void dilate_cases(Cases& out) {
  for (int8_t t : {kF32, kI32, kI64, kU8, kI8}) {
    const Quant q = quant_of(t);
    CaseModel m;
    const int x = m.input({2, 3, 2}, t, q);
    const int dilations = m.ints({3}, {2, 1, 3});
    const int fill = typed_constant(m, {}, t, q, {3});
    m.op(DILATE, {x, dilations, fill}, {m.output({3, 3, 4}, t, q)});
    out.push_back(m.done("DILATE", "2_1_3", t));
  }
}

void l2_pool_cases(Cases& out) {
  struct Pool {
    const char* label;
    int same, stride, filter, activation;
  };
  for (const Pool& p :
       {Pool{"valid_2x2_s2", 0, 2, 2, 0}, Pool{"same_3x3_s1", 1, 1, 3, 0},
        Pool{"same_3x3_s2_relu6", 1, 2, 3, 3}, Pool{"valid_3x3_s1_n1_to_1", 0, 1, 3, 2}}) {
    CaseModel m;
    const int in = 7;
    const int o = p.same ? (in + p.stride - 1) / p.stride : (in - p.filter) / p.stride + 1;
    const int x = m.input({1, in, in, 3}, kF32);
    m.op(L2_POOL_2D, {x}, {m.output({1, o, o, 3}, kF32)}, 5,
         {{0, 1, p.same ? 0 : 1},
          {1, 4, p.stride},
          {2, 4, p.stride},
          {3, 4, p.filter},
          {4, 4, p.filter},
          {5, 1, p.activation}});
    out.push_back(m.done("L2_POOL_2D", p.label, kF32));
  }
}

void fake_quant_cases(Cases& out) {
  struct Range {
    const char* label;
    float lo, hi;
    int bits, narrow;
  };
  for (const Range& r :
       {Range{"8bit_-1_to_2", -1.0f, 2.0f, 8, 0}, Range{"4bit_-0.3_to_1.7", -0.3f, 1.7f, 4, 0},
        Range{"8bit_-2.5_to_0", -2.5f, 0.0f, 8, 0}, Range{"2bit_0_to_1", 0.0f, 1.0f, 2, 0}}) {
    CaseModel m;
    const int x = m.input({3, 8}, kF32);
    m.op(FAKE_QUANT, {x}, {m.output({3, 8}, kF32)}, kFakeQuantOptions,
         {{0, 4, float_bits(r.lo)}, {1, 4, float_bits(r.hi)}, {2, 4, r.bits}, {3, 1, r.narrow}});
    out.push_back(m.done("FAKE_QUANT", r.label, kF32));
  }
}

// 3-D convolutions, NDHWC: a 5x6x5 volume of 2 channels into 3.
void conv3d_cases(Cases& out) {
  struct Conv {
    const char* label;
    int same, stride, dilation, activation;
  };
  const int d = 5, h = 6, w = 5, ic = 2, oc = 3, k = 3;
  for (const Conv& c : {Conv{"same_s1", 1, 1, 1, 0}, Conv{"valid_s2_relu", 0, 2, 1, 1},
                        Conv{"same_s2_relu6", 1, 2, 1, 3}, Conv{"valid_dilation_2", 0, 1, 2, 0}}) {
    const int reach = (k - 1) * c.dilation + 1;
    auto size = [&](int in) {
      return c.same ? (in + c.stride - 1) / c.stride : (in - reach) / c.stride + 1;
    };
    const std::vector<TfOptionField> options{
        {0, 1, c.same ? 0 : 1}, {1, 4, c.stride},   {2, 4, c.stride},   {3, 4, c.stride},
        {4, 1, c.activation},   {5, 4, c.dilation}, {6, 4, c.dilation}, {7, 4, c.dilation}};
    {
      CaseModel m;
      const int x = m.input({1, d, h, w, ic}, kF32);
      const int filter =
          m.floats({k, k, k, ic, oc}, weights(static_cast<size_t>(k * k * k * ic * oc)));
      const int bias = m.floats({oc}, {0.1f, -0.2f, 0.3f});
      m.op(CONV_3D, {x, filter, bias}, {m.output({1, size(d), size(h), size(w), oc}, kF32)},
           kConv3DOptions, options);
      out.push_back(m.done("CONV_3D", c.label, kF32));
    }
    if (c.dilation == 1) {  // the transpose: back from the forward convolution's output
      CaseModel m;
      const int x = m.input({1, size(d), size(h), size(w), oc}, kF32);
      const int shape = m.ints({5}, {1, d, h, w, ic});
      const int filter =
          m.floats({k, k, k, ic, oc}, weights(static_cast<size_t>(k * k * k * ic * oc)));
      const int bias = m.floats({ic}, {0.25f, -0.5f});
      m.op(CONV_3D_TRANSPOSE, {shape, filter, x, bias}, {m.output({1, d, h, w, ic}, kF32)},
           kConv3DOptions, options);
      out.push_back(m.done("CONV_3D_TRANSPOSE", c.label, kF32));
    }
  }
  {  // without bias, with two batches
    CaseModel m;
    const int x = m.input({2, 4, 4, 4, ic}, kF32);
    const int filter =
        m.floats({2, 3, 1, ic, oc}, weights(static_cast<size_t>(2 * 3 * 1 * ic * oc)));
    m.op(CONV_3D, {x, filter}, {m.output({2, 3, 2, 4, oc}, kF32)}, kConv3DOptions,
         {{0, 1, 1}, {1, 4, 1}, {2, 4, 1}, {3, 4, 1}});
    out.push_back(m.done("CONV_3D", "valid_2x3x1_no_bias_batch_2", kF32));
  }
}

void embedding_lookup_sparse_cases(Cases& out) {
  const char* const combiners[] = {"sum", "mean", "sqrtn"};
  for (int combiner : {0, 1, 2}) {
    {  // 2-D slots [2, 3], slot (1, 0) reached by none
      CaseModel m;
      const int ids = m.input({5}, kI32, {}, {0, 3});
      const int indices = m.ints({5, 3}, {0, 0, 0, 0, 0, 1, 0, 2, 0, 1, 1, 0, 1, 2, 0});
      const int shape = m.ints({3}, {2, 3, 4});
      const int w = m.input({5}, kF32, {}, {0.5, 2});
      const int table = m.input({4, 2, 3}, kF32);
      m.op(EMBEDDING_LOOKUP_SPARSE, {ids, indices, shape, w, table}, {m.output({2, 3, 2, 3}, kF32)},
           kEmbeddingLookupSparseOptions, {{0, 1, combiner}});
      out.push_back(m.done("EMBEDDING_LOOKUP_SPARSE",
                           std::string("3d_indices_") + combiners[combiner], kF32));
    }
    {  // a batch of 3 bags, the second empty
      CaseModel m;
      const int ids = m.input({4}, kI32, {}, {0, 5});
      const int indices = m.ints({4, 2}, {0, 0, 0, 1, 2, 0, 2, 3});
      const int shape = m.ints({2}, {3, 4});
      const int w = m.input({4}, kF32, {}, {0.5, 2});
      const int table = m.floats({6, 4}, weights(24));
      m.op(EMBEDDING_LOOKUP_SPARSE, {ids, indices, shape, w, table}, {m.output({3, 4}, kF32)},
           kEmbeddingLookupSparseOptions, {{0, 1, combiner}});
      out.push_back(
          m.done("EMBEDDING_LOOKUP_SPARSE", std::string("bags_") + combiners[combiner], kF32));
    }
  }
}

// Reinterpretations whose every bit pattern is a value of the target (no float from random
// bytes: a NaN has many patterns).
void bitcast_cases(Cases& out) {
  struct Cast {
    const char* label;
    int8_t from;
    std::vector<int32_t> in_shape;
    int8_t to;
    std::vector<int32_t> out_shape;
  };
  const Cast casts[] = {
      {"float32_to_int32", kF32, {2, 3}, kI32, {2, 3}},
      {"int32_to_uint8", kI32, {2, 3}, kU8, {2, 3, 4}},
      {"int8_to_int32", kI8, {3, 4}, kI32, {3}},
      {"int64_to_int32", kI64, {2}, kI32, {2, 2}},
      {"uint8_to_int8", kU8, {5}, kI8, {5}},
  };
  for (const Cast& c : casts) {
    CaseModel m;
    const int x = m.input(c.in_shape, c.from);
    m.op(BITCAST, {x}, {m.output(c.out_shape, c.to)});
    out.push_back(m.done("BITCAST", c.label, c.from));
  }
}

}  // namespace

void segment_builtin_cases(Cases& out) {
  segment_cases(out);
  diagonal_cases(out);
  bucketize_cases(out);
  sparse_to_dense_cases(out);
  update_slice_cases(out);
  dilate_cases(out);
  l2_pool_cases(out);
  fake_quant_cases(out);
  conv3d_cases(out);
  embedding_lookup_sparse_cases(out);
  bitcast_cases(out);
}

}  // namespace outpost::testing::conformance
