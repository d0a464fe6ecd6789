// Writes small valid TFLite models, one per supported op family (float, float16, uint8 and
// int8 quantized), and every single-operator model of the TFLite conformance suite
// (tests/conformance/tflite_cases.h), into a directory: seeds that reach every importer path and
// kernel quickly, next to the real MediaPipe and Coral models that fuzz/make-corpus adds.
//   fuzz_make_tflite_seeds OUT_DIR
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "conformance/tflite_cases.h"
#include "support/tflite_builder.h"

namespace {

using outpost::testing::bytes_of;
using outpost::testing::TfModelSpec;
using outpost::testing::TfOperatorSpec;
using outpost::testing::TfOptionField;
using outpost::testing::TfTensorSpec;

enum TfType : int8_t { kF32 = 0, kF16 = 1, kI32 = 2, kU8 = 3, kI8 = 9 };

struct Quant {
  std::vector<float> scale;
  std::vector<int64_t> zero_point;
  int32_t dim = 0;
};

class ModelMaker {
 public:
  // A tensor; `data` non-empty makes it a constant.
  int tensor(std::vector<int32_t> shape, int8_t type, std::vector<uint8_t> data = {},
             Quant q = {}) {
    TfTensorSpec t;
    t.shape = std::move(shape);
    t.type = type;
    t.name = "t" + std::to_string(spec_.tensors.size());
    t.scale = q.scale;
    t.zero_point = q.zero_point;
    t.quantized_dimension = q.dim;
    if (!data.empty()) {
      spec_.buffers.push_back(std::move(data));
      t.buffer = static_cast<uint32_t>(spec_.buffers.size());  // buffer 0 is the empty one
    }
    spec_.tensors.push_back(t);
    return static_cast<int>(spec_.tensors.size()) - 1;
  }
  void op(int32_t code, std::vector<int32_t> inputs, std::vector<int32_t> outputs,
          uint8_t options_type = 0, std::vector<TfOptionField> options = {},
          std::string custom = {}, std::vector<uint8_t> custom_options = {}) {
    TfOperatorSpec o;
    o.builtin_code = code;
    o.inputs = std::move(inputs);
    o.outputs = std::move(outputs);
    o.options_type = options_type;
    o.options = std::move(options);
    o.custom_code = std::move(custom);
    o.custom_options = std::move(custom_options);
    spec_.operators.push_back(o);
  }
  std::vector<uint8_t> finish(std::vector<int32_t> inputs, std::vector<int32_t> outputs) {
    spec_.inputs = std::move(inputs);
    spec_.outputs = std::move(outputs);
    return outpost::testing::build_tflite(spec_);
  }

 private:
  TfModelSpec spec_;
};

std::vector<float> ramp(size_t n, float scale = 0.1f) {
  std::vector<float> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = scale * static_cast<float>(static_cast<int>(i % 7) - 3);
  return v;
}
std::vector<uint8_t> bytes_ramp(size_t n) {
  std::vector<uint8_t> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = static_cast<uint8_t>(100 + i * 13 % 57);
  return v;
}

// Builtin codes and options union types of the TFLite schema.
constexpr int kAdd = 0, kAvgPool = 1, kConcat = 2, kConv = 3, kDwConv = 4, kDepthToSpace = 5,
              kDequantize = 6, kFc = 9, kLogistic = 14, kMaxPool = 17, kMul = 18, kRelu = 19,
              kRelu6 = 21, kReshape = 22, kResize = 23, kSoftmax = 25, kTanh = 28, kCustom = 32,
              kPad = 34, kMean = 40, kSub = 41, kDiv = 42, kQuantize = 114, kHardSwish = 117;
constexpr uint8_t kConvOpts = 1, kDwOpts = 2, kConcatOpts = 10, kAddOpts = 11, kPoolOpts = 5,
                  kFcOpts = 8, kSoftmaxOpts = 9, kMulOpts = 21, kReshapeOpts = 17, kResizeOpts = 15,
                  kSubOpts = 28, kDivOpts = 29, kDepthToSpaceOpts = 94, kReducerOpts = 27;

std::vector<std::pair<std::string, std::vector<uint8_t>>> all_models() {
  std::vector<std::pair<std::string, std::vector<uint8_t>>> out;
  const std::vector<int32_t> img = {1, 4, 4, 2};
  {  // conv2d float, SAME, stride 1, relu6, then max pool and softmax over a reshape
    ModelMaker m;
    int in = m.tensor(img, kF32);
    int w = m.tensor({3, 3, 3, 2}, kF32, bytes_of(ramp(54)));
    int b = m.tensor({3}, kF32, bytes_of(ramp(3)));
    int c = m.tensor({1, 4, 4, 3}, kF32);
    m.op(kConv, {in, w, b}, {c}, kConvOpts, {{0, 1, 0}, {1, 4, 1}, {2, 4, 1}, {3, 1, 3}});
    int p = m.tensor({1, 2, 2, 3}, kF32);
    m.op(kMaxPool, {c}, {p}, kPoolOpts, {{0, 1, 1}, {1, 4, 2}, {2, 4, 2}, {3, 4, 2}, {4, 4, 2}});
    int shape = m.tensor({2}, kI32, bytes_of(std::vector<int32_t>{1, 12}));
    int r = m.tensor({1, 12}, kF32);
    m.op(kReshape, {p, shape}, {r}, kReshapeOpts, {});
    int s = m.tensor({1, 12}, kF32);
    m.op(kSoftmax, {r}, {s}, kSoftmaxOpts, {});
    out.emplace_back("conv_pool_softmax_f32", m.finish({in}, {s}));
  }
  {  // depthwise conv float, VALID, stride 2, then average pool, relu, fully connected
    ModelMaker m;
    int in = m.tensor({1, 5, 5, 2}, kF32);
    int w = m.tensor({1, 3, 3, 4}, kF32, bytes_of(ramp(36)));
    int b = m.tensor({4}, kF32, bytes_of(ramp(4)));
    int d = m.tensor({1, 2, 2, 4}, kF32);
    m.op(kDwConv, {in, w, b}, {d}, kDwOpts,
         {{0, 1, 1}, {1, 4, 2}, {2, 4, 2}, {3, 4, 2}, {4, 1, 0}});
    int a = m.tensor({1, 1, 1, 4}, kF32);
    m.op(kAvgPool, {d}, {a}, kPoolOpts, {{0, 1, 1}, {1, 4, 2}, {2, 4, 2}, {3, 4, 2}, {4, 4, 2}});
    int r = m.tensor({1, 1, 1, 4}, kF32);
    m.op(kRelu, {a}, {r});
    int fw = m.tensor({3, 4}, kF32, bytes_of(ramp(12)));
    int fb = m.tensor({3}, kF32, bytes_of(ramp(3)));
    int f = m.tensor({1, 3}, kF32);
    m.op(kFc, {r, fw, fb}, {f}, kFcOpts, {});
    out.emplace_back("dwconv_pool_fc_f32", m.finish({in}, {f}));
  }
  {  // elementwise: add, sub, mul, div with broadcasting; logistic, tanh, relu6, hard swish
    ModelMaker m;
    int x = m.tensor(img, kF32);
    int y = m.tensor({1, 1, 1, 2}, kF32, bytes_of(std::vector<float>{0.5f, 2.0f}));
    int a = m.tensor(img, kF32), s = m.tensor(img, kF32), mu = m.tensor(img, kF32),
        dv = m.tensor(img, kF32);
    m.op(kAdd, {x, y}, {a}, kAddOpts, {{0, 1, 1}});
    m.op(kSub, {a, y}, {s}, kSubOpts, {});
    m.op(kMul, {s, x}, {mu}, kMulOpts, {});
    m.op(kDiv, {mu, y}, {dv}, kDivOpts, {});
    int l = m.tensor(img, kF32), t = m.tensor(img, kF32), r6 = m.tensor(img, kF32),
        hs = m.tensor(img, kF32);
    m.op(kLogistic, {dv}, {l});
    m.op(kTanh, {l}, {t});
    m.op(kRelu6, {t}, {r6});
    m.op(kHardSwish, {r6}, {hs});
    out.emplace_back("elementwise_f32", m.finish({x}, {hs}));
  }
  {  // pad, concat, mean, resize bilinear, depth to space
    ModelMaker m;
    int x = m.tensor(img, kF32);
    int pads = m.tensor({4, 2}, kI32, bytes_of(std::vector<int32_t>{0, 0, 1, 1, 1, 1, 0, 0}));
    int p = m.tensor({1, 6, 6, 2}, kF32);
    m.op(kPad, {x, pads}, {p});
    int size = m.tensor({2}, kI32, bytes_of(std::vector<int32_t>{6, 6}));
    int rz = m.tensor({1, 6, 6, 2}, kF32);
    m.op(kResize, {x, size}, {rz}, kResizeOpts, {{3, 1, 1}});
    int c = m.tensor({1, 6, 6, 4}, kF32);
    m.op(kConcat, {p, rz}, {c}, kConcatOpts, {{0, 4, 3}});
    int d2s = m.tensor({1, 12, 12, 1}, kF32);
    m.op(kDepthToSpace, {c}, {d2s}, kDepthToSpaceOpts, {{0, 4, 2}});
    int axes = m.tensor({2}, kI32, bytes_of(std::vector<int32_t>{1, 2}));
    int mean = m.tensor({1, 1, 1, 1}, kF32);
    m.op(kMean, {d2s, axes}, {mean}, kReducerOpts, {{0, 1, 1}});
    out.emplace_back("pad_resize_concat_mean_f32", m.finish({x}, {mean}));
  }
  {  // float16 weights dequantized at load, and MediaPipe's transposed convolution
    ModelMaker m;
    int x = m.tensor(img, kF32);
    std::vector<uint16_t> half(2 * 3 * 3 * 2, 0x3800);  // 0.5
    int w16 = m.tensor({2, 3, 3, 2}, kF16, bytes_of(half));
    int w = m.tensor({2, 3, 3, 2}, kF32);
    m.op(kDequantize, {w16}, {w});
    int b = m.tensor({2}, kF32, bytes_of(ramp(2)));
    int y = m.tensor({1, 8, 8, 2}, kF32);
    m.op(kCustom, {x, w, b}, {y}, 0, {}, "Convolution2DTransposeBias",
         bytes_of(std::vector<int32_t>{1, 2, 2}));
    out.emplace_back("fp16_transpose_conv", m.finish({x}, {y}));
  }
  {  // uint8 asymmetric: conv, depthwise, add, avg pool, reshape, softmax, then dequantize
    ModelMaker m;
    Quant qa{{0.05f}, {128}}, qw{{0.02f}, {120}}, qb{{0.001f}, {0}};
    int x = m.tensor(img, kU8, {}, qa);
    int w = m.tensor({2, 3, 3, 2}, kU8, bytes_ramp(36), qw);
    int b = m.tensor({2}, kI32, bytes_of(std::vector<int32_t>{10, -20}), qb);
    int c = m.tensor(img, kU8, {}, qa);
    m.op(kConv, {x, w, b}, {c}, kConvOpts, {{0, 1, 0}, {1, 4, 1}, {2, 4, 1}, {3, 1, 1}});
    int dw = m.tensor({1, 3, 3, 2}, kU8, bytes_ramp(18), qw);
    int d = m.tensor(img, kU8, {}, qa);
    m.op(kDwConv, {c, dw, b}, {d}, kDwOpts,
         {{0, 1, 0}, {1, 4, 1}, {2, 4, 1}, {3, 4, 1}, {4, 1, 3}});
    int s = m.tensor(img, kU8, {}, qa);
    m.op(kAdd, {c, d}, {s}, kAddOpts, {});
    int p = m.tensor({1, 2, 2, 2}, kU8, {}, qa);
    m.op(kAvgPool, {s}, {p}, kPoolOpts, {{0, 1, 1}, {1, 4, 2}, {2, 4, 2}, {3, 4, 2}, {4, 4, 2}});
    int shape = m.tensor({2}, kI32, bytes_of(std::vector<int32_t>{1, 8}));
    int f = m.tensor({1, 8}, kU8, {}, qa);
    m.op(kReshape, {p, shape}, {f}, kReshapeOpts, {});
    int sm = m.tensor({1, 8}, kU8, {}, {{1.0f / 256}, {0}});
    m.op(kSoftmax, {f}, {sm}, kSoftmaxOpts, {});
    int o = m.tensor({1, 8}, kF32);
    m.op(kDequantize, {sm}, {o});
    out.emplace_back("quant_u8", m.finish({x}, {o}));
  }
  {  // int8 per-channel: quantize the float input, conv, depthwise, max pool, mean
    ModelMaker m;
    Quant qa{{0.04f}, {-3}}, qw{{0.01f, 0.02f}, {0, 0}, 0}, qdw{{0.01f, 0.03f}, {0, 0}, 3},
        qb{{0.0004f, 0.0008f}, {0, 0}};
    int x = m.tensor(img, kF32);
    int xq = m.tensor(img, kI8, {}, qa);
    m.op(kQuantize, {x}, {xq});
    int w = m.tensor({2, 3, 3, 2}, kI8, bytes_ramp(36), qw);
    int b = m.tensor({2}, kI32, bytes_of(std::vector<int32_t>{5, -5}), qb);
    int c = m.tensor(img, kI8, {}, qa);
    m.op(kConv, {xq, w, b}, {c}, kConvOpts, {{0, 1, 0}, {1, 4, 1}, {2, 4, 1}, {3, 1, 1}});
    int dw = m.tensor({1, 3, 3, 2}, kI8, bytes_ramp(18), qdw);
    int d = m.tensor(img, kI8, {}, qa);
    m.op(kDwConv, {c, dw, b}, {d}, kDwOpts, {{0, 1, 0}, {1, 4, 1}, {2, 4, 1}, {3, 4, 1}});
    int p = m.tensor({1, 2, 2, 2}, kI8, {}, qa);
    m.op(kMaxPool, {d}, {p}, kPoolOpts, {{0, 1, 1}, {1, 4, 2}, {2, 4, 2}, {3, 4, 2}, {4, 4, 2}});
    int axes = m.tensor({2}, kI32, bytes_of(std::vector<int32_t>{1, 2}));
    int mean = m.tensor({1, 2}, kI8, {}, qa);
    m.op(kMean, {p, axes}, {mean}, kReducerOpts, {});
    out.emplace_back("quant_i8_per_channel", m.finish({x}, {mean}));
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s OUT_DIR\n", argv[0]);
    return 2;
  }
  auto models = all_models();
  for (const auto& c : outpost::testing::tflite_conformance_cases()) {
    std::string name = "conformance_" + c.name;
    for (char& ch : name)
      if (ch == '/') ch = '_';
    models.emplace_back(name, c.model);
  }
  for (const auto& [name, bytes] : models) {
    const std::string path = std::string(argv[1]) + "/built_" + name + ".tflite";
    std::ofstream f(path, std::ios::binary);
    f.write(reinterpret_cast<const char*>(bytes.data()),
            static_cast<std::streamsize>(bytes.size()));
    if (!f) {
      std::fprintf(stderr, "cannot write %s\n", path.c_str());
      return 1;
    }
  }
  return 0;
}
