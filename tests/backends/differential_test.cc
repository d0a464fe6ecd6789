// Every (op, dtype) a fast backend (XNNPACK, oneDNN) claims, run against the reference backend on
// random shapes with no model file, as ggml's test-backend-ops does: channel counts at, below,
// above and not divisible by the kernels' tiles (1, 3, 4, 7, 8, 9, 16, 17, 31, 33), 1x1 and odd
// spatial sizes, strides, dilations, explicit, SAME and VALID padding, fused activations,
// broadcasting, quantized values with random scales and zero points, and in place where the
// memory planner allows it (float32 elementwise ops). Tolerances are DESIGN.md's: float32 within
// 1e-4 x the largest magnitude of the reference output, 8-bit quantized within one step.
//
// The coverage test below asks each fast backend about a canonical node of every OpKind and
// dtype, and fails when one takes a node whose (op, dtype, backend) has no group here: a newly
// claimed op needs its differential cases.
#include "support/differential.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "ir/op_schema.h"
#include "support/backends.h"
#include "support/conv_attrs.h"
#include "support/differential_cases.h"

namespace outpost {
namespace {

using testing::Kind;
using testing::kind_name;
using testing::OpCase;
using testing::OpInput;
using testing::OpOutput;
using testing::Rng;
using testing::Variant;

// ---- The table: every (backend, op, dtype) a fast backend claims ----

struct Group {
  const char* backend;
  OpKind op;
  Kind kind;
  testing::Generator make;
  const char* cpu_feature = nullptr;  // the backend takes these nodes only on a CPU with it
};

// Whether this CPU has `feature` ("vnni": AVX-512 VNNI or AVX-VNNI).
bool cpu_has(const char* feature) {
#if defined(__x86_64__)
  if (std::string(feature) == "vnni")
    return __builtin_cpu_supports("avx512vnni") || __builtin_cpu_supports("avxvnni");
#endif
  return false;
}

const Group kGroups[] = {
    {"xnnpack", OpKind::kConv, Kind::kFloat32, testing::xnnpack_conv_cases},
    {"xnnpack", OpKind::kConv, Kind::kUInt8, testing::xnnpack_conv_cases},
    {"xnnpack", OpKind::kConv, Kind::kInt8, testing::xnnpack_conv_cases},
    {"xnnpack", OpKind::kConv, Kind::kInt8PerChannel, testing::xnnpack_conv_cases},
    // No per-channel fully connected operator in this XNNPACK.
    {"xnnpack", OpKind::kGemm, Kind::kFloat32, testing::gemm_cases},
    {"xnnpack", OpKind::kGemm, Kind::kUInt8, testing::gemm_cases},
    {"xnnpack", OpKind::kGemm, Kind::kInt8, testing::gemm_cases},
    {"xnnpack", OpKind::kMaxPool, Kind::kFloat32, testing::max_pool_cases},
    {"xnnpack", OpKind::kMaxPool, Kind::kUInt8, testing::max_pool_cases},
    {"xnnpack", OpKind::kMaxPool, Kind::kInt8, testing::max_pool_cases},
    {"xnnpack", OpKind::kAveragePool, Kind::kFloat32, testing::average_pool_cases},
    {"xnnpack", OpKind::kResize, Kind::kFloat32, testing::bilinear_resize_cases},
    {"xnnpack", OpKind::kConvTranspose, Kind::kFloat32, testing::transpose_conv_cases},
    {"xnnpack", OpKind::kGlobalAveragePool, Kind::kFloat32, testing::global_average_pool_cases},
    {"xnnpack", OpKind::kLogistic, Kind::kFloat32, testing::unary_cases},
    {"xnnpack", OpKind::kRelu, Kind::kFloat32, testing::unary_cases},
    {"xnnpack", OpKind::kHardSwish, Kind::kFloat32, testing::unary_cases},
    {"xnnpack", OpKind::kClip, Kind::kFloat32, testing::unary_cases},
    {"xnnpack", OpKind::kQuantize, Kind::kFloat32, testing::convert_cases},
    {"xnnpack", OpKind::kDequantize, Kind::kUInt8, testing::convert_cases},
    {"xnnpack", OpKind::kDequantize, Kind::kInt8, testing::convert_cases},
    {"xnnpack", OpKind::kAdd, Kind::kFloat32, testing::binary_cases},
    {"xnnpack", OpKind::kSub, Kind::kFloat32, testing::binary_cases},
    {"xnnpack", OpKind::kMul, Kind::kFloat32, testing::binary_cases},
    {"xnnpack", OpKind::kAdd, Kind::kUInt8, testing::binary_cases},
    {"xnnpack", OpKind::kAdd, Kind::kInt8, testing::binary_cases},
    {"xnnpack", OpKind::kMul, Kind::kUInt8, testing::binary_cases},
    {"xnnpack", OpKind::kMul, Kind::kInt8, testing::binary_cases},
    {"onednn", OpKind::kConv, Kind::kFloat32, testing::onednn_onnx_conv_cases},
    {"onednn", OpKind::kConv, Kind::kInt8, testing::onednn_int8_conv_cases, "vnni"},
    {"onednn", OpKind::kConv, Kind::kInt8PerChannel, testing::onednn_int8_conv_cases, "vnni"},
};

// Mismatches found and not fixed here: (backend, op, dtype, case label prefix) and why. A case
// listed here still runs; its mismatch is reported, not failed, and a listed case that matches
// fails so that the entry is removed.
struct KnownFailure {
  const char* backend;
  OpKind op;
  Kind kind;
  const char* label;
  const char* why;
};
const std::vector<KnownFailure> kKnownFailures = {};

const KnownFailure* known_failure(const Group& g, const std::string& label) {
  for (const KnownFailure& k : kKnownFailures)
    if (g.backend == std::string(k.backend) && g.op == k.op && g.kind == k.kind &&
        label.rfind(k.label, 0) == 0)
      return &k;
  return nullptr;
}

std::string group_name(const Group& g) {
  return std::string(g.backend) + "_" + op_name(g.op) + "_" + kind_name(g.kind);
}

void PrintTo(const Group& g, std::ostream* os) { *os << group_name(g); }

uint32_t seed_of(const std::string& name) {  // FNV-1a: the same cases on every run and machine
  uint32_t h = 2166136261u;
  for (char c : name) h = (h ^ static_cast<uint8_t>(c)) * 16777619u;
  return h;
}

class DifferentialBackend : public ::testing::TestWithParam<Group> {};

TEST_P(DifferentialBackend, MatchesReference) {
  const Group& group = GetParam();
  OUTPOST_SKIP_UNLESS_BACKEND(group.backend);
  if (group.cpu_feature != nullptr && !cpu_has(group.cpu_feature))
    GTEST_SKIP() << group.backend << " takes these nodes only on a CPU with " << group.cpu_feature;
  Rng rng(seed_of(group_name(group)));
  const auto start = std::chrono::steady_clock::now();
  const std::vector<Variant> variants = group.make(group.op, group.kind, rng);
  ASSERT_FALSE(variants.empty());
  double worst = 0;  // relative (float) or steps (quantized)
  std::string worst_label;
  for (const Variant& v : variants) {
    SCOPED_TRACE(group_name(group) + " " + v.label);
    ASSERT_EQ(kind_name(testing::kind_of(v.ref)), std::string(kind_name(group.kind)))
        << "a case of another dtype";
    auto want = testing::run_on("ref", v.ref.graph, v.ref.inputs);
    ASSERT_TRUE(want.is_ok()) << "reference: " << want.status().message();
    const OpCase fast_case = v.channels_last ? testing::to_channels_last(v.ref) : v.ref;
    auto got = testing::run_on(group.backend, fast_case.graph, fast_case.inputs, v.in_place);
    if (!got.is_ok()) {
      ADD_FAILURE() << group.backend << " does not run this case: " << got.status().message();
      continue;
    }
    ASSERT_EQ(got->size(), want->size());
    for (size_t k = 0; k < want->size(); ++k) {
      const Tensor out = v.channels_last ? testing::nhwc_to_nchw((*got)[k]) : (*got)[k];
      const testing::Difference d = testing::compare_outputs(out, (*want)[k]);
      const double measure = group.kind == Kind::kFloat32 ? d.relative() : d.max_abs;
      if (measure > worst || worst_label.empty()) {
        worst = measure;
        worst_label = v.label;
      }
      const KnownFailure* known = known_failure(group, v.label);
      if (known != nullptr) {
        EXPECT_FALSE(d.mismatch.empty()) << "listed as a known failure (" << known->why
                                         << ") but matches: remove it from kKnownFailures";
        if (!d.mismatch.empty())
          std::printf("known failure (%s): %s\n", known->why, d.mismatch.c_str());
      } else {
        EXPECT_TRUE(d.mismatch.empty()) << "output " << k << ": " << d.mismatch;
      }
    }
  }
  const double ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  // One line per group for the log: how close the fast kernel came, and where.
  std::printf("%-40s %3zu cases, max difference %s%.3g (%s), %.0f ms\n", group_name(group).c_str(),
              variants.size(), group.kind == Kind::kFloat32 ? "x max|ref| " : "steps ", worst,
              worst_label.c_str(), ms);
}

INSTANTIATE_TEST_SUITE_P(Groups, DifferentialBackend, ::testing::ValuesIn(kGroups),
                         [](const ::testing::TestParamInfo<Group>& info) {
                           return group_name(info.param);
                         });

// ---- Coverage: what the fast backends take of a canonical node of every op ----

TEST(DifferentialBackendCoverage, EveryOpAFastBackendTakesHasCases) {
  std::set<std::tuple<std::string, OpKind, Kind>> covered, claimed;
  for (const Group& g : kGroups) covered.insert({g.backend, g.op, g.kind});
  Rng rng(1);
  int valid_nodes = 0;
  for (size_t i = 0; i < kOpKindCount; ++i) {
    const OpKind op = static_cast<OpKind>(i);
    const OpSchema& schema = op_schema(op);
    for (Kind k : testing::kKinds) {
      const OpOutput output = testing::canonical_output(k, rng);
      for (const std::vector<OpInput>& inputs : testing::canonical_inputs(k, rng)) {
        const int count = static_cast<int>(inputs.size());
        if (count < schema.min_inputs || count > schema.max_inputs) continue;
        for (const Attributes& attrs : testing::canonical_attributes()) {
          const int outputs = schema.num_outputs > 0 ? schema.num_outputs : 1;
          auto c = testing::make_case(op, attrs, inputs,
                                      std::vector<OpOutput>(static_cast<size_t>(outputs), output));
          if (!c.is_ok()) continue;
          ++valid_nodes;
          std::vector<OpCase> forms{*c};
          if (c->graph.value(c->graph.nodes[0].inputs[0]).shape.rank() == 4)
            forms.push_back(testing::to_channels_last(*c));
          for (const std::string& backend : testing::fast_backends())
            for (const OpCase& form : forms)
              if (testing::backend_takes(backend, form.graph).is_ok())
                claimed.insert({backend, op, testing::kind_of(*c)});
        }
      }
    }
  }
  std::printf(
      "coverage: %d canonical nodes over %zu ops; the fast backends take %zu (op, dtype) pairs\n",
      valid_nodes, kOpKindCount, claimed.size());
  // Groups no canonical node reaches (their own cases show the backend takes them): a note, so
  // that a probe set grown too weak to see an op shows in the log.
  for (const auto& [backend, op, k] : covered)
    if (!claimed.count({backend, op, k}))
      std::printf("coverage: no canonical node reaches %s %s %s\n", backend.c_str(), op_name(op),
                  kind_name(k));
  for (const auto& [backend, op, k] : claimed)
    EXPECT_TRUE(covered.count({backend, op, k}))
        << backend << " takes " << op_name(op) << " on " << kind_name(k)
        << " but kGroups in tests/backends/differential_test.cc has no cases for it: add a group";
}

}  // namespace
}  // namespace outpost

namespace outpost {
namespace {

// fuzz_tflite crash 72bf8c62: a uint8 CONV_2D whose requantization scale (input x weight /
// output) is below 2^-32 made Debian's XNNPACK abort on an assertion. XNNPACK now declines it
// and the reference backend computes it.
TEST(DifferentialBackendRobust, ARequantizationScaleXnnpackCannotTakeFallsBackToTheReference) {
  OUTPOST_SKIP_UNLESS_BACKEND("xnnpack");
  std::vector<testing::OpInput> inputs(3);
  inputs[0].tensor = testing::make_typed<uint8_t>(Shape{1, 2, 2, 1}, {1, 2, 3, 4}, testing::per_tensor(1e-6f, 0));
  inputs[1].tensor = testing::make_typed<uint8_t>(Shape{1, 1, 1, 1}, {200}, testing::per_tensor(1e-6f, 0));
  inputs[1].constant = true;
  inputs[2] = testing::absent_input();
  const Attributes attrs = testing::nhwc_conv_attrs(1, 1, "valid");
  auto c = testing::make_case(OpKind::kConv, attrs, inputs,
                              {testing::OpOutput{DType::kUInt8, testing::per_tensor(1.0f, 0)}});
  ASSERT_TRUE(c.is_ok()) << c.status().message();
  const Status taken = testing::backend_takes("xnnpack", c->graph);
  EXPECT_EQ(taken.code(), StatusCode::kUnsupported) << taken.message();
  EXPECT_NE(taken.message().find("requantization scale"), std::string::npos) << taken.message();
  EXPECT_TRUE(testing::backend_takes("ref", c->graph).is_ok());
}

}  // namespace
}  // namespace outpost
