// libFuzzer target: the TFLite reader and everything a loaded model reaches (importer, shape
// inference, constant folding, memory planner, kernel preparation), then one run of the model
// when it is cheap enough (fuzz_session.h); and the reader of its metadata and the zip archive
// appended to it (formats/model_metadata.h). No input may crash, read out of bounds or hit
// undefined behaviour.
#include <cstddef>
#include <cstdint>

#include "formats/model_metadata.h"
#include "fuzz_session.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  outpost::fuzz::open_and_run(data, size, "fuzz.tflite");
  outpost::read_tflite_metadata(data, size, "fuzz.tflite");
  return 0;
}
