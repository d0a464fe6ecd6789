// Where tests find the real models: the coral models in the shared data, the MediaPipe models
// in the fetched npm cache (scripts/fetch-data), the torchvision models in the export cache
// (scripts/export-torch-models).
#pragma once

#include <string>

namespace outpost::testing {

// Path of a model file by its name, e.g. "face_detection_short_range.tflite"; the path where
// it would be when it is absent (so the skip message names it).
std::string model_path(const std::string& file);

// Path of a file that scripts/export-torch-models writes, e.g. "resnet18.onnx",
// "resnet18.input.npy".
std::string torchvision_path(const std::string& file);

// Path of a sample image from Debian's python3-skimage, e.g. "astronaut.png".
std::string skimage_path(const std::string& file);

}  // namespace outpost::testing
