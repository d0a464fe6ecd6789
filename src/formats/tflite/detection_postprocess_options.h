// The custom options of TFLite's TFLite_Detection_PostProcess: a FlexBuffer map read into the
// attributes of a DetectionPostProcess node (ir/detection_postprocess_attrs.h).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "ir/attributes.h"
#include "outpost/status.h"

namespace outpost::tflite {

// Verifies the FlexBuffer before reading anything, then reads and range-checks every key.
// Fails with kInvalidModel naming `where` (the operator) and the key that is missing, of the
// wrong type or out of range.
Status read_detection_postprocess_options(const uint8_t* bytes, size_t size, Attributes& attrs,
                                          const std::string& where);

}  // namespace outpost::tflite
