// A real model with a state, run across calls in one Session: Silero's voice activity detectors
// (from the silero-vad wheel that scripts/setup-venv unpacks into .cache/pypi) take an LSTM's
// state as an input and give the next one as an output. tests/e2e/onnx_real_models.py holds
// three chained calls, each in its own `outpost run`, to ONNX Runtime; here the same chain runs
// in one session, as an application runs it (the arena reused, the state output of one run
// copied into the state input of the next), and must give bit for bit what a fresh session gives
// each call. The state must matter too: the third call from a zero state answers otherwise.
#include <gtest/gtest.h>

#include <cctype>
#include <cmath>
#include <cstring>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "outpost/session.h"
#include "support/test_paths.h"

namespace outpost {
namespace {

const char* const kSileroDir = "pypi/silero-vad@6.2.3/silero_vad/data/";
constexpr int kCalls = 3;

using Tensors = std::map<std::string, Tensor>;

Tensor copy_of(const Tensor& t) {
  Tensor copy = Tensor::allocate(t.dtype(), t.shape()).value();
  std::memcpy(copy.data(), t.data(), t.byte_size());
  return copy;
}

// Chunk `call` of a tone with noise-like wobble, `rows` x 576 (64 samples of the chunk before,
// then 512 new ones), as Silero's wrapper feeds it.
Tensor audio(int64_t rows, int call) {
  Tensor t = Tensor::allocate(DType::kFloat32, Shape{rows, 576}).value();
  float* x = t.data_as<float>();
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t i = 0; i < 576; ++i) {
      const double n = static_cast<double>((call * rows + r) * 512 + i) / 16000.0;
      x[r * 576 + i] = static_cast<float>(0.5 * std::sin(2 * M_PI * 220 * n) *
                                          (0.6 + 0.4 * std::sin(2 * M_PI * 3 * n)) +
                                          0.05 * std::sin(2 * M_PI * 3137 * n * n));
    }
  return t;
}

// One call: `input` and the states given, every output copied out by name.
Tensors call(Session& session, const Tensor& input, const Tensors& states) {
  EXPECT_TRUE(session.set_input(static_cast<size_t>(session.input_index("input")), input).is_ok());
  for (const auto& [name, state] : states) {
    const int i = session.input_index(name);
    EXPECT_GE(i, 0) << name;
    const Status s = session.set_input(static_cast<size_t>(i), state);
    EXPECT_TRUE(s.is_ok()) << s.message();
  }
  const Status s = session.run();
  EXPECT_TRUE(s.is_ok()) << s.message();
  Tensors out;
  for (size_t i = 0; i < session.num_outputs(); ++i)
    out.emplace(session.output(i).name, copy_of(session.output(i)));
  return out;
}

bool same_bits(const Tensor& a, const Tensor& b) {
  return a.dtype() == b.dtype() && a.shape() == b.shape() &&
         std::memcmp(a.data(), b.data(), a.byte_size()) == 0;
}

// {state input: state output} of Silero's two exports without If: state -> stateN, h -> hn and
// c -> cn, each starting from zeros of its declared shape.
struct Model {
  std::string file;
  int64_t rows;  // chunks per call
  std::map<std::string, std::string> states;
};

class StatefulModel : public ::testing::TestWithParam<std::tuple<Model, std::string>> {};

TEST_P(StatefulModel, RunsAcrossCallsInOneSessionAsFreshSessionsDo) {
  const auto& [model, backend] = GetParam();
  const std::string path = testing::cache_path(kSileroDir + model.file);
  OUTPOST_SKIP_UNLESS_EXISTS(path);  // scripts/setup-venv fetches it
  SessionOptions options;
  options.backend = backend;
  options.threads = 1;
  auto kept = Session::open(path, options);
  ASSERT_TRUE(kept.is_ok()) << kept.status().message();

  Tensors kept_state, fresh_state, zero_state;
  for (const auto& [in, out] : model.states) {
    Shape shape = (*kept)->input_signature(static_cast<size_t>((*kept)->input_index(in)));
    ASSERT_TRUE(shape.is_static()) << in;
    kept_state.emplace(in, Tensor::allocate(DType::kFloat32, shape).value());
    fresh_state.emplace(in, Tensor::allocate(DType::kFloat32, shape).value());
    zero_state.emplace(in, Tensor::allocate(DType::kFloat32, shape).value());
  }
  Tensors last;
  for (int k = 0; k < kCalls; ++k) {
    const Tensor input = audio(model.rows, k);
    Tensors got = call(**kept, input, kept_state);
    auto fresh = Session::open(path, options);
    ASSERT_TRUE(fresh.is_ok()) << fresh.status().message();
    const Tensors want = call(**fresh, input, fresh_state);
    ASSERT_EQ(got.size(), want.size());
    for (const auto& [name, t] : want) {
      ASSERT_TRUE(got.count(name)) << name;
      EXPECT_TRUE(same_bits(got.at(name), t)) << "call " << k << ", output " << name;
    }
    for (const auto& [in, out] : model.states) {
      EXPECT_FALSE(same_bits(got.at(out), kept_state.at(in))) << "call " << k << ": " << out
                                                              << " is the state it was given";
      kept_state.at(in) = copy_of(got.at(out));
      fresh_state.at(in) = copy_of(want.at(out));
    }
    last = std::move(got);
  }
  // The last call from a zero state: the model's answer depends on the state it was handed.
  const Tensors cold = call(**kept, audio(model.rows, kCalls - 1), zero_state);
  const std::string probability = model.states.count("state") ? "output" : "speech_probs";
  EXPECT_FALSE(same_bits(cold.at(probability), last.at(probability)));
}

INSTANTIATE_TEST_SUITE_P(
    Silero, StatefulModel,
    ::testing::Combine(
        ::testing::Values(Model{"silero_vad_openvino_16k.onnx", 1, {{"state", "stateN"}}},
                          Model{"silero_vad_16k_sequence.onnx", 2, {{"h", "hn"}, {"c", "cn"}}}),
        ::testing::Values("ref", "auto")),
    [](const auto& info) {
      const Model& m = std::get<0>(info.param);
      std::string name = m.file.substr(0, m.file.find('.')) + "_" + std::get<1>(info.param);
      for (char& c : name)
        if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
      return name;
    });

}  // namespace
}  // namespace outpost
