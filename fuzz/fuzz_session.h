// The body shared by the model-reader targets (fuzz_tflite, fuzz_onnx): open the bytes as a
// session (its inputs' varying dimensions bound to 1), and when the model loads and is cheap,
// fill its inputs and run it once; when it does not load, read its outline as `inspect` would.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "formats/model_outline.h"
#include "outpost/session.h"

namespace outpost::fuzz {

// Hostile files can describe huge but valid models; running them would only make each input
// slow, not find more bugs, so the run is skipped above this many multiply-accumulates. Under
// ASan+UBSan on a 2-core CI box the reference kernels do ~5e6 MACs/s: MediaPipe's face model
// (3e7 MACs) took 6-7 s, close to the 10 s per-input timeout, while the built seed models
// (under 1e3 MACs) and the small models the fuzzer derives from them run in milliseconds.
constexpr int64_t kMaxMacsToRun = 2'000'000;
// The same for data movement: ops without MACs (Tile, Expand, Pad, ...) can be asked for
// hundreds of megabytes of valid output (fuzz_onnx timeout 82c3af3f: a Tile to 600 MB took 85 s
// under ASan). Real bugs show on small tensors as well.
constexpr size_t kMaxArenaBytesToRun = size_t{64} << 20;

// Deterministic, valid input values: float inputs in [-1, 1], bools 0 or 1 (any other byte is
// not a bool: loading it is undefined), other inputs cycling bytes.
inline void fill_input(Tensor& t) {
  if (t.dtype() == DType::kBool) {
    auto* p = static_cast<uint8_t*>(t.data());
    for (size_t i = 0; i < t.byte_size(); ++i) p[i] = static_cast<uint8_t>(i % 3 == 1);
    return;
  }
  if (t.dtype() == DType::kFloat32) {
    float* p = t.data_as<float>();
    for (int64_t i = 0; i < t.num_elements(); ++i) p[i] = static_cast<float>(i % 17 - 8) / 8.0f;
    return;
  }
  auto* p = static_cast<uint8_t*>(t.data());
  for (size_t i = 0; i < t.byte_size(); ++i) p[i] = static_cast<uint8_t>(i * 37 % 101);
}

// `name` matters: the loader picks the importer by the bytes and the name's extension.
inline void open_and_run(const uint8_t* data, size_t size, const std::string& name) {
  SessionOptions options;
  options.threads = 1;
  // Loading a model with a multi-gigabyte arena is valid, but would trip libFuzzer's 2 GB
  // memory limit (fuzz_onnx oom-38e930f4); the session refuses it cleanly instead.
  options.max_arena_bytes = size_t{256} << 20;
  // The bytes outlive the session (destroyed before returning): nothing needs keeping alive.
  auto session = Session::open_buffer(data, size, nullptr, name, options);
  // What `outpost inspect` reads of a model that cannot run: the same hostile bytes.
  if (!session.is_ok()) {
    (void)outline_model(data, size, name);
    return;
  }
  // A model whose input dimensions vary: opened again with each unknown dimension 1, bound at
  // load, so that the limits below apply to the planned model (and its inputs have storage).
  bool bound = true;
  for (size_t i = 0; i < (*session)->num_inputs(); ++i)
    bound = bound && (*session)->input(i).shape().is_static();
  if (!bound) {
    for (size_t i = 0; i < (*session)->num_inputs(); ++i) {
      std::vector<int64_t> dims = (*session)->input_signature(i).dims();
      for (int64_t& d : dims) d = d < 0 ? 1 : d;
      options.input_shapes[(*session)->input(i).name] = Shape(dims);
    }
    session = Session::open_buffer(data, size, nullptr, name, options);
    if (!session.is_ok()) return;
    for (size_t i = 0; i < (*session)->num_inputs(); ++i)
      if (!(*session)->input(i).shape().is_static()) return;  // two inputs of one name
  }
  if ((*session)->stats().macs > kMaxMacsToRun) return;
  if ((*session)->stats().arena_bytes > kMaxArenaBytesToRun) return;
  for (size_t i = 0; i < (*session)->num_inputs(); ++i) fill_input((*session)->input(i));
  (void)(*session)->run();
}

}  // namespace outpost::fuzz
