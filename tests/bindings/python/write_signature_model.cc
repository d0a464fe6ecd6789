// Writes the two-signature TFLite model of support/tflite_signature_model.h to the file named
// by its argument: the Python module's signature-runner test runs it on outpost.lite and on
// TFLite's own interpreter.
#include <cstdio>
#include <fstream>

#include "support/tflite_signature_model.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s OUT.tflite\n", argv[0]);
    return 2;
  }
  const std::vector<uint8_t> bytes =
      outpost::testing::build_tflite(outpost::testing::two_signature_spec(false));
  std::ofstream out(argv[1], std::ios::binary);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  return out.good() ? 0 : 1;
}
