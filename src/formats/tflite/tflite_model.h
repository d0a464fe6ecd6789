// The checks every reader of a .tflite file runs before touching a field: size, the flatbuffer
// verifier over the whole structure, the schema version. After them every accessor of
// tflite_schema.h stays inside the buffer.
#pragma once

#include <string>

#include "formats/tflite/tflite_schema.h"
#include "outpost/status.h"

namespace outpost::tflite {

// kInvalidModel naming `source` and what is wrong. `data` must be aligned to max_align_t (the
// verifier checks alignment relative to the buffer's start).
Result<const Model*> verified_model(const uint8_t* data, size_t size, const std::string& source);

// The builtin code of an operator code: files from before schema 3a keep it in
// deprecated_builtin_code only; newer ones put 127 (PLACEHOLDER_FOR_GREATER_OP_CODES) there and
// the real code in builtin_code.
int32_t builtin_code_of(const OperatorCode& code);

}  // namespace outpost::tflite
