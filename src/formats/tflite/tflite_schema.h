// Table accessors for the TFLite flatbuffer format (schema version 3), written from the public
// format description. Each table lists its fields' vtable slots and verifies itself, so that
// after Model::Verify every accessor below stays inside the buffer.
#pragma once

#include <flatbuffers/flatbuffers.h>

#include <cstdint>
#include <cstring>

namespace outpost::tflite {

using flatbuffers::Offset;
using flatbuffers::String;
using flatbuffers::Vector;
using flatbuffers::Verifier;
using flatbuffers::voffset_t;

// TensorType
enum TensorType : int8_t {
  kTfFloat32 = 0, kTfFloat16 = 1, kTfInt32 = 2, kTfUInt8 = 3, kTfInt64 = 4, kTfString = 5,
  kTfBool = 6, kTfInt16 = 7, kTfComplex64 = 8, kTfInt8 = 9, kTfFloat64 = 10, kTfResource = 13,
  kTfUInt32 = 15, kTfUInt16 = 16,
};

// Padding and ActivationFunctionType
enum Padding : int8_t { kPaddingSame = 0, kPaddingValid = 1 };
enum Activation : int8_t { kActNone = 0, kActRelu = 1, kActReluN1To1 = 2, kActRelu6 = 3, kActTanh = 4, kActSignBit = 5 };

// Element i of a vector, copied out byte-wise. The verifier (flatbuffers 2.0.8) checks that a
// vector's length field is 4-aligned, not that 8-byte elements are 8-aligned, so a hostile (or
// hand-made) file can put an int64 vector where a typed load would be misaligned (undefined
// behaviour; a trap on some ARM cores). Use this for vectors of 8-byte elements, and for any
// vector a file may misplace; 4-byte ones are aligned once the model's base is.
template <typename T>
T element(const Vector<T>& v, flatbuffers::uoffset_t i) {
  T x;
  std::memcpy(&x, v.Data() + static_cast<size_t>(i) * sizeof(T), sizeof(T));
  return flatbuffers::EndianScalar(x);
}

// Slot of field i in a vtable.
constexpr voffset_t slot(int field) { return static_cast<voffset_t>(4 + 2 * field); }

// Base with typed helpers over flatbuffers::Table.
struct TableBase : private flatbuffers::Table {
  template <typename T>
  T scalar(int field, T fallback) const {
    return GetField<T>(slot(field), fallback);
  }
  template <typename P>
  P pointer(int field) const {
    return GetPointer<P>(slot(field));
  }
  bool present(int field) const { return CheckField(slot(field)); }

 protected:
  bool verify_start(Verifier& v) const { return VerifyTableStart(v); }
  template <typename T>
  bool verify_scalar(Verifier& v, int field) const {
    return VerifyField<T>(v, slot(field), sizeof(T));
  }
  bool verify_offset(Verifier& v, int field) const { return VerifyOffset(v, slot(field)); }
};

template <typename T>
struct ValuesTable : TableBase {  // Int32Vector, Uint16Vector, Uint8Vector
  const Vector<T>* values() const { return pointer<const Vector<T>*>(0); }
  bool Verify(Verifier& v) const { return verify_start(v) && verify_offset(v, 0) && v.VerifyVector(values()) && v.EndTable(); }
};

// SparseIndexVector union member types.
enum SparseIndexType : uint8_t { kSparseNone = 0, kSparseInt32 = 1, kSparseUint16 = 2, kSparseUint8 = 3 };

struct DimensionMetadata : TableBase {
  int8_t format() const { return scalar<int8_t>(0, 0); }  // 0 DENSE, 1 SPARSE_CSR
  int32_t dense_size() const { return scalar<int32_t>(1, 0); }
  uint8_t segments_type() const { return scalar<uint8_t>(2, 0); }
  const void* segments() const { return pointer<const void*>(3); }
  uint8_t indices_type() const { return scalar<uint8_t>(4, 0); }
  const void* indices() const { return pointer<const void*>(5); }
  static bool verify_index_vector(Verifier& v, uint8_t type, const void* table) {
    if (!table) return true;
    switch (type) {
      case kSparseInt32: return static_cast<const ValuesTable<int32_t>*>(table)->Verify(v);
      case kSparseUint16: return static_cast<const ValuesTable<uint16_t>*>(table)->Verify(v);
      case kSparseUint8: return static_cast<const ValuesTable<uint8_t>*>(table)->Verify(v);
      default: return false;
    }
  }
  bool Verify(Verifier& v) const {
    return verify_start(v) && verify_scalar<int8_t>(v, 0) && verify_scalar<int32_t>(v, 1) &&
           verify_scalar<uint8_t>(v, 2) && verify_offset(v, 3) && verify_index_vector(v, segments_type(), segments()) &&
           verify_scalar<uint8_t>(v, 4) && verify_offset(v, 5) && verify_index_vector(v, indices_type(), indices()) &&
           v.EndTable();
  }
};

struct SparsityParameters : TableBase {
  const Vector<int32_t>* traversal_order() const { return pointer<const Vector<int32_t>*>(0); }
  const Vector<int32_t>* block_map() const { return pointer<const Vector<int32_t>*>(1); }
  const Vector<Offset<DimensionMetadata>>* dim_metadata() const { return pointer<const Vector<Offset<DimensionMetadata>>*>(2); }
  bool Verify(Verifier& v) const {
    return verify_start(v) && verify_offset(v, 0) && v.VerifyVector(traversal_order()) && verify_offset(v, 1) &&
           v.VerifyVector(block_map()) && verify_offset(v, 2) && v.VerifyVector(dim_metadata()) &&
           v.VerifyVectorOfTables(dim_metadata()) && v.EndTable();
  }
};

struct QuantizationParameters : TableBase {
  const Vector<float>* scale() const { return pointer<const Vector<float>*>(2); }
  const Vector<int64_t>* zero_point() const { return pointer<const Vector<int64_t>*>(3); }
  uint8_t details_type() const { return scalar<uint8_t>(4, 0); }
  int32_t quantized_dimension() const { return scalar<int32_t>(6, 0); }
  bool Verify(Verifier& v) const {
    return verify_start(v) && verify_offset(v, 0) && v.VerifyVector(pointer<const Vector<float>*>(0)) &&
           verify_offset(v, 1) && v.VerifyVector(pointer<const Vector<float>*>(1)) && verify_offset(v, 2) &&
           v.VerifyVector(scale()) && verify_offset(v, 3) && v.VerifyVector(zero_point()) &&
           verify_scalar<uint8_t>(v, 4) && verify_scalar<int32_t>(v, 6) && v.EndTable();
  }
};

struct Tensor : TableBase {
  const Vector<int32_t>* shape() const { return pointer<const Vector<int32_t>*>(0); }
  int8_t type() const { return scalar<int8_t>(1, 0); }
  uint32_t buffer() const { return scalar<uint32_t>(2, 0); }
  const String* name() const { return pointer<const String*>(3); }
  const QuantizationParameters* quantization() const { return pointer<const QuantizationParameters*>(4); }
  bool is_variable() const { return scalar<uint8_t>(5, 0) != 0; }
  const SparsityParameters* sparsity() const { return pointer<const SparsityParameters*>(6); }
  const Vector<int32_t>* shape_signature() const { return pointer<const Vector<int32_t>*>(7); }
  bool Verify(Verifier& v) const {
    return verify_start(v) && verify_offset(v, 0) && v.VerifyVector(shape()) && verify_scalar<int8_t>(v, 1) &&
           verify_scalar<uint32_t>(v, 2) && verify_offset(v, 3) && v.VerifyString(name()) && verify_offset(v, 4) &&
           v.VerifyTable(quantization()) && verify_scalar<uint8_t>(v, 5) && verify_offset(v, 6) &&
           v.VerifyTable(sparsity()) && verify_offset(v, 7) && v.VerifyVector(shape_signature()) && v.EndTable();
  }
};

// Options tables are read through OptionsTable: the union member type tells which one it is,
// and every option table is a flat list of scalars and at most one vector, so verifying the
// scalar slots we read is enough.
struct OptionsTable : TableBase {
  bool Verify(Verifier& v) const { return verify_start(v) && v.EndTable(); }
  int32_t int_at(int field, int32_t fallback) const { return scalar<int32_t>(field, fallback); }
  int8_t byte_at(int field, int8_t fallback) const { return scalar<int8_t>(field, fallback); }
  float float_at(int field, float fallback) const { return scalar<float>(field, fallback); }
  const Vector<int32_t>* ints_at(int field) const { return pointer<const Vector<int32_t>*>(field); }
  const String* string_at(int field) const { return pointer<const String*>(field); }
};

struct Operator : TableBase {
  uint32_t opcode_index() const { return scalar<uint32_t>(0, 0); }
  const Vector<int32_t>* inputs() const { return pointer<const Vector<int32_t>*>(1); }
  const Vector<int32_t>* outputs() const { return pointer<const Vector<int32_t>*>(2); }
  uint8_t builtin_options_type() const { return scalar<uint8_t>(3, 0); }
  const OptionsTable* builtin_options() const { return pointer<const OptionsTable*>(4); }
  const Vector<uint8_t>* custom_options() const { return pointer<const Vector<uint8_t>*>(5); }
  // The options table's own fields are verified by verify_options (tflite_ops.cc), which knows
  // their layout for each operator.
  bool Verify(Verifier& v) const {
    return verify_start(v) && verify_scalar<uint32_t>(v, 0) && verify_offset(v, 1) && v.VerifyVector(inputs()) &&
           verify_offset(v, 2) && v.VerifyVector(outputs()) && verify_scalar<uint8_t>(v, 3) && verify_offset(v, 4) &&
           v.VerifyTable(builtin_options()) && verify_offset(v, 5) && v.VerifyVector(custom_options()) && v.EndTable();
  }
};

struct SubGraph : TableBase {
  const Vector<Offset<Tensor>>* tensors() const { return pointer<const Vector<Offset<Tensor>>*>(0); }
  const Vector<int32_t>* inputs() const { return pointer<const Vector<int32_t>*>(1); }
  const Vector<int32_t>* outputs() const { return pointer<const Vector<int32_t>*>(2); }
  const Vector<Offset<Operator>>* operators() const { return pointer<const Vector<Offset<Operator>>*>(3); }
  const String* name() const { return pointer<const String*>(4); }
  bool Verify(Verifier& v) const {
    return verify_start(v) && verify_offset(v, 0) && v.VerifyVector(tensors()) && v.VerifyVectorOfTables(tensors()) &&
           verify_offset(v, 1) && v.VerifyVector(inputs()) && verify_offset(v, 2) && v.VerifyVector(outputs()) &&
           verify_offset(v, 3) && v.VerifyVector(operators()) && v.VerifyVectorOfTables(operators()) &&
           verify_offset(v, 4) && v.VerifyString(name()) && v.EndTable();
  }
};

struct Buffer : TableBase {
  const Vector<uint8_t>* data() const { return pointer<const Vector<uint8_t>*>(0); }
  uint64_t offset() const { return scalar<uint64_t>(1, 0); }  // for data stored after the flatbuffer
  uint64_t size() const { return scalar<uint64_t>(2, 0); }
  bool Verify(Verifier& v) const {
    return verify_start(v) && verify_offset(v, 0) && v.VerifyVector(data()) && verify_scalar<uint64_t>(v, 1) &&
           verify_scalar<uint64_t>(v, 2) && v.EndTable();
  }
};

struct OperatorCode : TableBase {
  int8_t deprecated_builtin_code() const { return scalar<int8_t>(0, 0); }
  const String* custom_code() const { return pointer<const String*>(1); }
  int32_t version() const { return scalar<int32_t>(2, 1); }
  int32_t builtin_code() const { return scalar<int32_t>(3, 0); }
  bool Verify(Verifier& v) const {
    return verify_start(v) && verify_scalar<int8_t>(v, 0) && verify_offset(v, 1) && v.VerifyString(custom_code()) &&
           verify_scalar<int32_t>(v, 2) && verify_scalar<int32_t>(v, 3) && v.EndTable();
  }
};

// SignatureDef's inputs and outputs: the name a signature gives one of its subgraph's tensors.
struct TensorMap : TableBase {
  const String* name() const { return pointer<const String*>(0); }
  uint32_t tensor_index() const { return scalar<uint32_t>(1, 0); }
  bool Verify(Verifier& v) const {
    return verify_start(v) && verify_offset(v, 0) && v.VerifyString(name()) && verify_scalar<uint32_t>(v, 1) &&
           v.EndTable();
  }
};

// A named entry point of the model (a SavedModel's signature, kept by the converter). Field 3
// was a key the schema has since dropped.
struct SignatureDef : TableBase {
  const Vector<Offset<TensorMap>>* inputs() const { return pointer<const Vector<Offset<TensorMap>>*>(0); }
  const Vector<Offset<TensorMap>>* outputs() const { return pointer<const Vector<Offset<TensorMap>>*>(1); }
  const String* signature_key() const { return pointer<const String*>(2); }
  uint32_t subgraph_index() const { return scalar<uint32_t>(4, 0); }
  bool Verify(Verifier& v) const {
    return verify_start(v) && verify_offset(v, 0) && v.VerifyVector(inputs()) && v.VerifyVectorOfTables(inputs()) &&
           verify_offset(v, 1) && v.VerifyVector(outputs()) && v.VerifyVectorOfTables(outputs()) &&
           verify_offset(v, 2) && v.VerifyString(signature_key()) && verify_scalar<uint32_t>(v, 4) && v.EndTable();
  }
};

// A named buffer of extra data: "TFLITE_METADATA" (tflite-support's ModelMetadata),
// "min_runtime_version", ...
struct Metadata : TableBase {
  const String* name() const { return pointer<const String*>(0); }
  uint32_t buffer() const { return scalar<uint32_t>(1, 0); }
  bool Verify(Verifier& v) const {
    return verify_start(v) && verify_offset(v, 0) && v.VerifyString(name()) && verify_scalar<uint32_t>(v, 1) &&
           v.EndTable();
  }
};

struct Model : TableBase {
  uint32_t version() const { return scalar<uint32_t>(0, 0); }
  const Vector<Offset<OperatorCode>>* operator_codes() const { return pointer<const Vector<Offset<OperatorCode>>*>(1); }
  const Vector<Offset<SubGraph>>* subgraphs() const { return pointer<const Vector<Offset<SubGraph>>*>(2); }
  const String* description() const { return pointer<const String*>(3); }
  const Vector<Offset<Buffer>>* buffers() const { return pointer<const Vector<Offset<Buffer>>*>(4); }
  const Vector<Offset<Metadata>>* metadata() const { return pointer<const Vector<Offset<Metadata>>*>(6); }
  const Vector<Offset<SignatureDef>>* signature_defs() const {
    return pointer<const Vector<Offset<SignatureDef>>*>(7);
  }
  bool Verify(Verifier& v) const {
    return verify_start(v) && verify_scalar<uint32_t>(v, 0) && verify_offset(v, 1) && v.VerifyVector(operator_codes()) &&
           v.VerifyVectorOfTables(operator_codes()) && verify_offset(v, 2) && v.VerifyVector(subgraphs()) &&
           v.VerifyVectorOfTables(subgraphs()) && verify_offset(v, 3) && v.VerifyString(description()) &&
           verify_offset(v, 4) && v.VerifyVector(buffers()) && v.VerifyVectorOfTables(buffers()) &&
           verify_offset(v, 6) && v.VerifyVector(metadata()) && v.VerifyVectorOfTables(metadata()) &&
           verify_offset(v, 7) && v.VerifyVector(signature_defs()) && v.VerifyVectorOfTables(signature_defs()) &&
           v.EndTable();
  }
};

}  // namespace outpost::tflite
