// Shared pieces of the bundle tests: keys made in memory, a small model, packing to memory.
#pragma once

#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "bundle/open.h"
#include "bundle/pack.h"
#include "bundle/verify.h"
#include "support/tflite_builder.h"

namespace outpost::bundle::test {

inline KeyPair make_key(bool publisher, const std::string& name) {
  auto k = generate_key_pair(publisher, name);
  EXPECT_TRUE(k.is_ok()) << k.status().message();
  return k.value();
}

inline KeyPair public_half(const KeyPair& k) {
  KeyPair p;
  p.publisher = k.publisher;
  p.name = k.name;
  p.public_key = k.public_key;
  return p;
}

inline std::vector<uint8_t> add_model() { return testing::build_tflite(testing::add_model_spec()); }

inline PackOptions basic_options(const std::string& version = "1.0.0") {
  PackOptions o;
  o.name = "adder";
  o.version = version;
  o.labels = {"sum"};
  o.preprocess_json = R"({"layout": "NHWC"})";
  o.created = "2024-01-01T00:00:00Z";
  return o;
}

inline std::vector<uint8_t> pack_or_die(const std::vector<uint8_t>& model, const KeyPair& signer,
                                        const PackOptions& o) {
  auto b = pack_bundle_to_memory(model.data(), model.size(), signer, o);
  EXPECT_TRUE(b.is_ok()) << b.status().message();
  return b.is_ok() ? b.value() : std::vector<uint8_t>{};
}

// Copies every output of `s` after one run on deterministic inputs.
inline std::vector<std::vector<uint8_t>> run_outputs(Session& s) {
  for (size_t i = 0; i < s.num_inputs(); ++i)
    fill_golden_input(s.input(i), 77 + static_cast<uint32_t>(i));
  EXPECT_TRUE(s.run().is_ok());
  std::vector<std::vector<uint8_t>> outs;
  for (size_t i = 0; i < s.num_outputs(); ++i) {
    const auto* p = static_cast<const uint8_t*>(s.output(i).data());
    outs.emplace_back(p, p + s.output(i).byte_size());
  }
  return outs;
}

}  // namespace outpost::bundle::test
