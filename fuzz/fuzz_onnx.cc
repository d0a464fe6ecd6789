// libFuzzer target: the ONNX reader (protobuf parsing, initializers, op mapping, load-time
// folding) and everything a loaded model reaches, then one run of the model when it is cheap
// enough (fuzz_session.h). No input may crash, read out of bounds or hit undefined behaviour.
#include <cstddef>
#include <cstdint>

#include "fuzz_session.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  outpost::fuzz::open_and_run(data, size, "fuzz.onnx");
  return 0;
}
