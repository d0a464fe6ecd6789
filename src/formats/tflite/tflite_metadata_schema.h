// Table accessors for tflite-support's ModelMetadata flatbuffer (metadata_schema.fbs, file
// identifier "M001"), written from the public format description: the fields Outpost reads,
// each verified before use. A TFLite model holds it in the buffer its "TFLITE_METADATA"
// metadata entry names.
#pragma once

#include "formats/tflite/tflite_schema.h"

namespace outpost::tflite::meta {

// AssociatedFileType
enum FileType : int8_t {
  kFileUnknown = 0, kFileDescriptions = 1, kFileTensorAxisLabels = 2, kFileTensorValueLabels = 3,
  kFileScoreCalibration = 4, kFileVocabulary = 5, kFileScannIndex = 6,
};

// ProcessUnitOptions union member types.
enum ProcessUnitType : uint8_t { kNormalizationOptions = 1 };

struct AssociatedFile : TableBase {
  const String* name() const { return pointer<const String*>(0); }
  const String* description() const { return pointer<const String*>(1); }
  int8_t type() const { return scalar<int8_t>(2, 0); }
  const String* locale() const { return pointer<const String*>(3); }
  bool Verify(Verifier& v) const {
    return verify_start(v) && verify_offset(v, 0) && v.VerifyString(name()) && verify_offset(v, 1) &&
           v.VerifyString(description()) && verify_scalar<int8_t>(v, 2) && verify_offset(v, 3) &&
           v.VerifyString(locale()) && v.EndTable();
  }
};
using Files = Vector<Offset<AssociatedFile>>;

// Two float vectors: NormalizationOptions (mean, std) and Stats (max, min).
struct FloatPair : TableBase {
  const Vector<float>* first() const { return pointer<const Vector<float>*>(0); }
  const Vector<float>* second() const { return pointer<const Vector<float>*>(1); }
  bool Verify(Verifier& v) const {
    return verify_start(v) && verify_offset(v, 0) && v.VerifyVector(first()) && verify_offset(v, 1) &&
           v.VerifyVector(second()) && v.EndTable();
  }
};

// Members other than NormalizationOptions are not read, so their tables are checked only as
// tables.
struct AnyTable : TableBase {
  bool Verify(Verifier& v) const { return verify_start(v) && v.EndTable(); }
};

struct ProcessUnit : TableBase {
  uint8_t options_type() const { return scalar<uint8_t>(0, 0); }
  const FloatPair* normalization() const {
    return options_type() == kNormalizationOptions ? pointer<const FloatPair*>(1) : nullptr;
  }
  bool Verify(Verifier& v) const {
    if (!verify_start(v) || !verify_scalar<uint8_t>(v, 0) || !verify_offset(v, 1)) return false;
    const bool member = options_type() == kNormalizationOptions ? v.VerifyTable(pointer<const FloatPair*>(1))
                                                                : v.VerifyTable(pointer<const AnyTable*>(1));
    return member && v.EndTable();
  }
};

struct TensorMetadata : TableBase {
  const String* name() const { return pointer<const String*>(0); }
  const String* description() const { return pointer<const String*>(1); }
  const Vector<Offset<ProcessUnit>>* process_units() const { return pointer<const Vector<Offset<ProcessUnit>>*>(4); }
  const FloatPair* stats() const { return pointer<const FloatPair*>(5); }  // max, min
  const Files* associated_files() const { return pointer<const Files*>(6); }
  bool Verify(Verifier& v) const {
    return verify_start(v) && verify_offset(v, 0) && v.VerifyString(name()) && verify_offset(v, 1) &&
           v.VerifyString(description()) && verify_offset(v, 4) && v.VerifyVector(process_units()) &&
           v.VerifyVectorOfTables(process_units()) && verify_offset(v, 5) && v.VerifyTable(stats()) &&
           verify_offset(v, 6) && v.VerifyVector(associated_files()) && v.VerifyVectorOfTables(associated_files()) &&
           v.EndTable();
  }
};
using Tensors = Vector<Offset<TensorMetadata>>;

struct SubGraphMetadata : TableBase {
  const Tensors* inputs() const { return pointer<const Tensors*>(2); }
  const Tensors* outputs() const { return pointer<const Tensors*>(3); }
  const Files* associated_files() const { return pointer<const Files*>(4); }
  bool Verify(Verifier& v) const {
    return verify_start(v) && verify_offset(v, 2) && v.VerifyVector(inputs()) && v.VerifyVectorOfTables(inputs()) &&
           verify_offset(v, 3) && v.VerifyVector(outputs()) && v.VerifyVectorOfTables(outputs()) &&
           verify_offset(v, 4) && v.VerifyVector(associated_files()) && v.VerifyVectorOfTables(associated_files()) &&
           v.EndTable();
  }
};

struct ModelMetadata : TableBase {
  const String* name() const { return pointer<const String*>(0); }
  const String* description() const { return pointer<const String*>(1); }
  const String* version() const { return pointer<const String*>(2); }
  const Vector<Offset<SubGraphMetadata>>* subgraphs() const {
    return pointer<const Vector<Offset<SubGraphMetadata>>*>(3);
  }
  const String* author() const { return pointer<const String*>(4); }
  const String* license() const { return pointer<const String*>(5); }
  const Files* associated_files() const { return pointer<const Files*>(6); }
  const String* min_parser_version() const { return pointer<const String*>(7); }
  bool Verify(Verifier& v) const {
    return verify_start(v) && verify_offset(v, 0) && v.VerifyString(name()) && verify_offset(v, 1) &&
           v.VerifyString(description()) && verify_offset(v, 2) && v.VerifyString(version()) && verify_offset(v, 3) &&
           v.VerifyVector(subgraphs()) && v.VerifyVectorOfTables(subgraphs()) && verify_offset(v, 4) &&
           v.VerifyString(author()) && verify_offset(v, 5) && v.VerifyString(license()) && verify_offset(v, 6) &&
           v.VerifyVector(associated_files()) && v.VerifyVectorOfTables(associated_files()) && verify_offset(v, 7) &&
           v.VerifyString(min_parser_version()) && v.EndTable();
  }
};

}  // namespace outpost::tflite::meta
