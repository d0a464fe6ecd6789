// TfIdfVectorizer (reference kernel) on hand-counted n-grams: skips, batches, the three modes,
// the gram-length range, and the attribute errors that name the node.
#include <gtest/gtest.h>

#include <vector>

#include "support/op_runner.h"

namespace outpost {
namespace {

using testing::make_typed;
using testing::OpOutput;
using testing::run_op;

// Pool: the unigram 1, the bigrams (1, 2) and (2, 1), into outputs 0, 1, 2.
Attributes pool(const std::string& mode, int64_t min_gram, int64_t max_skip) {
  Attributes a;
  a.set("mode", mode);
  a.set("min_gram_length", min_gram);
  a.set("max_gram_length", int64_t{2});
  a.set("max_skip_count", max_skip);
  a.set("pool_int64s", std::vector<int64_t>{1, 1, 2, 2, 1});
  a.set("ngram_counts", std::vector<int64_t>{0, 1});
  a.set("ngram_indexes", std::vector<int64_t>{0, 1, 2});
  return a;
}

Result<std::vector<float>> vectorize(const Attributes& a, const Shape& shape,
                                     const std::vector<int64_t>& tokens) {
  testing::OpInput x;
  x.tensor = make_typed<int64_t>(shape, tokens);
  OUTPOST_ASSIGN_OR_RETURN(auto out, run_op(OpKind::kTfIdfVectorizer, a, {x}, {OpOutput{}}));
  return std::vector<float>(out[0].data_as<float>(), out[0].data_as<float>() + out[0].num_elements());
}

TEST(OnnxTfIdf, CountsNgramsAtEverySkipPerRow) {
  // Row 0: 1 twice; (1, 2) at 0-1 and 2-3; (2, 1) at 1-2; a skip of 1 adds none.
  // Row 1: 1 once; (1, 2) only with a skip of 1 (tokens 0 and 2).
  auto y = vectorize(pool("TF", 1, 1), Shape{2, 4}, {1, 2, 1, 2, 1, 3, 2, 5});
  ASSERT_TRUE(y.is_ok()) << y.status().message();
  EXPECT_EQ(*y, (std::vector<float>{2, 2, 1, 1, 1, 0}));
  auto no_skip = vectorize(pool("TF", 1, 0), Shape{4}, {1, 3, 2, 5});
  ASSERT_TRUE(no_skip.is_ok()) << no_skip.status().message();
  EXPECT_EQ(*no_skip, (std::vector<float>{1, 0, 0}));
}

TEST(OnnxTfIdf, AUnigramCountsOnceWhateverTheSkip) {
  auto y = vectorize(pool("TF", 1, 3), Shape{3}, {1, 1, 1});
  ASSERT_TRUE(y.is_ok()) << y.status().message();
  EXPECT_EQ((*y)[0], 3);
}

TEST(OnnxTfIdf, WeightsInIdfAndTfIdfModesAndTheGramLengthRange) {
  Attributes idf = pool("IDF", 1, 0);
  idf.set("weights", std::vector<float>{0.5f, 2, 3});
  auto y = vectorize(idf, Shape{4}, {1, 2, 1, 2});
  ASSERT_TRUE(y.is_ok()) << y.status().message();
  EXPECT_EQ(*y, (std::vector<float>{0.5f, 2, 3}));
  Attributes tfidf = pool("TFIDF", 2, 0);  // bigrams only: the unigram is not counted
  tfidf.set("weights", std::vector<float>{0.5f, 2, 3});
  auto z = vectorize(tfidf, Shape{4}, {1, 2, 1, 2});
  ASSERT_TRUE(z.is_ok()) << z.status().message();
  EXPECT_EQ(*z, (std::vector<float>{0, 4, 3}));
}

void expect_refused(const Result<std::vector<float>>& y, StatusCode code, const std::string& words) {
  ASSERT_FALSE(y.is_ok());
  EXPECT_EQ(y.status().code(), code) << y.status().message();
  EXPECT_NE(y.status().message().find("TfIdfVectorizer"), std::string::npos) << y.status().message();
  EXPECT_NE(y.status().message().find(words), std::string::npos) << y.status().message();
}

TEST(OnnxTfIdf, BadAttributesAreRefusedNamingTheNode) {
  expect_refused(vectorize(pool("BM25", 1, 0), Shape{2}, {1, 2}), StatusCode::kShapeMismatch,
                 "mode 'BM25'");
  Attributes short_indexes = pool("TF", 1, 0);
  short_indexes.set("ngram_indexes", std::vector<int64_t>{0, 1});
  expect_refused(vectorize(short_indexes, Shape{2}, {1, 2}), StatusCode::kShapeMismatch,
                 "ngram_indexes has 2 entries");
  Attributes odd_pool = pool("TF", 1, 0);
  odd_pool.set("pool_int64s", std::vector<int64_t>{1, 1, 2, 2});  // 3 tokens of bigrams
  expect_refused(vectorize(odd_pool, Shape{2}, {1, 2}), StatusCode::kShapeMismatch,
                 "ngram_counts[1]");
  expect_refused(vectorize(pool("TF", 3, 0), Shape{2}, {1, 2}), StatusCode::kShapeMismatch,
                 "min_gram_length 3");
  Attributes strings = pool("TF", 1, 0);
  strings.set("pool_strings", std::vector<std::string>{"a"});
  expect_refused(vectorize(strings, Shape{2}, {1, 2}), StatusCode::kUnsupported, "pool_strings");
}

}  // namespace
}  // namespace outpost
