// Which elementwise nodes write over their input: hand-built graphs, where the answer depends on
// who else reads the input, on graph inputs and outputs, on dtypes and on sizes.
#include "runtime/in_place.h"

#include <gtest/gtest.h>

namespace outpost {
namespace {

int add(Graph& g, const std::string& name, Shape shape = Shape({1, 4, 4, 2}),
        DType dtype = DType::kFloat32) {
  Value v;
  v.name = name;
  v.dtype = dtype;
  v.shape = std::move(shape);
  return g.add_value(std::move(v));
}

Node node(OpKind op, std::vector<int> in, std::vector<int> out) {
  Node n;
  n.op = op;
  n.inputs = std::move(in);
  n.outputs = std::move(out);
  return n;
}

TEST(InPlace, AChainOfElementwiseNodesSharesTheFirstIntermediateBuffer) {
  // x -> Conv -> c -> Relu -> r -> Add(r, x) -> y
  Graph g;
  const int x = add(g, "x"), w = add(g, "w"), c = add(g, "c"), r = add(g, "r"), y = add(g, "y");
  g.inputs = {x, w};
  g.nodes = {node(OpKind::kConv, {x, w}, {c}), node(OpKind::kRelu, {c}, {r}),
             node(OpKind::kAdd, {r, x}, {y})};
  g.outputs = {y};
  const std::vector<int> buffer = in_place_buffers(g);
  EXPECT_EQ(buffer[static_cast<size_t>(r)], c);
  EXPECT_EQ(buffer[static_cast<size_t>(y)], c);  // over r, that is over c; never over x
  EXPECT_EQ(buffer[static_cast<size_t>(x)], x);
  EXPECT_EQ(buffer[static_cast<size_t>(c)], c);  // a convolution writes its own buffer
}

TEST(InPlace, AnInputReadLaterOrAGraphInputOrOutputIsNotWrittenOver) {
  Graph g;
  const int x = add(g, "x"), a = add(g, "a"), b = add(g, "b"), later = add(g, "later");
  g.inputs = {x};
  g.nodes = {node(OpKind::kRelu, {x}, {a}),      // x is a graph input
             node(OpKind::kLogistic, {a}, {b}),  // a is read again below
             node(OpKind::kMul, {a, b}, {later})};
  g.outputs = {later, b};
  const std::vector<int> buffer = in_place_buffers(g);
  EXPECT_EQ(buffer[static_cast<size_t>(a)], a);
  EXPECT_EQ(buffer[static_cast<size_t>(b)], b);
  // Mul: a's last reader, so it takes a's buffer; b is a graph output and stays.
  EXPECT_EQ(buffer[static_cast<size_t>(later)], a);
}

TEST(InPlace, OtherDtypesSizesAndOpsKeepTheirOwnBuffers) {
  Graph g;
  const int x = add(g, "x"), q = add(g, "q", Shape({1, 4, 4, 2}), DType::kUInt8),
            qr = add(g, "qr", Shape({1, 4, 4, 2}), DType::kUInt8), v = add(g, "v", Shape({1, 1, 1, 2})),
            s = add(g, "s"), t = add(g, "t");
  g.inputs = {x, q, v};
  g.nodes = {node(OpKind::kRelu, {q}, {qr}),         // uint8: not taken
             node(OpKind::kTranspose, {x}, {s}),     // not elementwise
             node(OpKind::kAdd, {v, s}, {t})};       // v is smaller than t; s is the same size
  g.outputs = {qr, t};
  const std::vector<int> buffer = in_place_buffers(g);
  EXPECT_EQ(buffer[static_cast<size_t>(qr)], qr);
  EXPECT_EQ(buffer[static_cast<size_t>(s)], s);
  EXPECT_EQ(buffer[static_cast<size_t>(t)], s);
}

}  // namespace
}  // namespace outpost
