// libFuzzer target: the TFLite reader and everything a loaded model reaches (importer, shape
// inference, constant folding, memory planner, kernel preparation), then one run of the model
// when it is cheap enough. No input may crash, read out of bounds or hit undefined behaviour.
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "outpost/session.h"

namespace {

// Hostile files can describe huge but valid models; running them would only make each input
// slow, not find more bugs, so the run is skipped above this many multiply-accumulates.
constexpr int64_t kMaxMacsToRun = 50'000'000;

// Deterministic, finite input values: float inputs in [-1, 1], integer inputs cycling bytes.
void fill_input(outpost::Tensor& t) {
  if (t.dtype() == outpost::DType::kFloat32) {
    float* p = t.data_as<float>();
    for (int64_t i = 0; i < t.num_elements(); ++i) p[i] = static_cast<float>(i % 17 - 8) / 8.0f;
    return;
  }
  auto* p = static_cast<uint8_t*>(t.data());
  for (size_t i = 0; i < t.byte_size(); ++i) p[i] = static_cast<uint8_t>(i * 37 % 101);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  outpost::SessionOptions options;
  options.threads = 1;
  // The bytes outlive the session (destroyed before returning), so nothing needs keeping alive.
  auto session = outpost::Session::open_buffer(data, size, nullptr, "fuzz.tflite", options);
  if (!session.is_ok()) return 0;
  if ((*session)->stats().macs > kMaxMacsToRun) return 0;
  for (size_t i = 0; i < (*session)->num_inputs(); ++i) fill_input((*session)->input(i));
  (void)(*session)->run();
  return 0;
}
