#include "vision/draw.h"

#include <gtest/gtest.h>

#include <climits>

namespace outpost {
namespace {

int count_colored(const Image& image) {
  int n = 0;
  for (int y = 0; y < image.height; ++y)
    for (int x = 0; x < image.width; ++x) n += image.at(x, y)[0] != 0;
  return n;
}

TEST(Draw, RectOutlineWithThickness) {
  Image image = Image::blank(10, 10, 3);
  draw_rect(image, 2, 2, 8, 7, {255, 0, 0}, 1);
  // A 6x5 outline: 2 * 6 + 2 * 3 pixels.
  EXPECT_EQ(count_colored(image), 18);
  EXPECT_EQ(image.at(2, 2)[0], 255);
  EXPECT_EQ(image.at(7, 6)[0], 255);
  EXPECT_EQ(image.at(8, 7)[0], 0);  // right/bottom are exclusive
  EXPECT_EQ(image.at(4, 4)[0], 0);  // hollow

  Image thick = Image::blank(10, 10, 3);
  draw_rect(thick, 0, 0, 10, 10, {9, 9, 9}, 2);
  EXPECT_EQ(count_colored(thick), 100 - 36);
  Image solid = Image::blank(10, 10, 3);
  draw_rect(solid, 3, 3, 6, 6, {9, 9, 9}, 50);  // thicker than the box: fills it, no more
  EXPECT_EQ(count_colored(solid), 9);
}

TEST(Draw, RectIsClippedToTheImage) {
  Image image = Image::blank(10, 10, 4);
  draw_rect(image, -5, -5, 5, 5, {0, 255, 0, 128}, 1);
  // Only the right and bottom edges are inside: x = 4 for y 0..4, y = 4 for x 0..4.
  int green = 0;
  for (int y = 0; y < 10; ++y)
    for (int x = 0; x < 10; ++x) green += image.at(x, y)[1] == 255;
  EXPECT_EQ(green, 9);
  EXPECT_EQ(image.at(4, 4)[3], 128);

  Image untouched = Image::blank(10, 10, 3);
  draw_rect(untouched, 20, 20, 30, 30, {255, 255, 255}, 3);
  draw_rect(untouched, INT_MIN, INT_MIN, INT_MAX, INT_MAX, {255, 255, 255}, INT_MAX);
  draw_rect(untouched, 5, 5, 4, 4, {255, 255, 255}, 1);  // inverted: nothing
  // The huge one covers everything (clipped), which is fine; the point is no crash.
  EXPECT_EQ(count_colored(untouched), 100);
}

TEST(Draw, PointIsAFilledClippedDisc) {
  Image image = Image::blank(20, 20, 3);
  draw_point(image, 10, 10, 2, {255, 255, 255});
  EXPECT_EQ(count_colored(image), 13);  // radius 2: 1 + 4 + 8
  Image corner = Image::blank(20, 20, 3);
  draw_point(corner, 0, 0, 2, {255, 255, 255});
  EXPECT_EQ(count_colored(corner), 6);  // the quarter disc inside
  Image gray = Image::blank(3, 3, 1);
  draw_point(gray, 1, 1, 0, {255, 255, 255});
  EXPECT_EQ(gray.at(1, 1)[0], 255);
  EXPECT_EQ(count_colored(gray), 1);
  draw_point(gray, INT_MAX, INT_MIN, INT_MAX, {255, 0, 0});  // far away, huge: no crash
  draw_pixel(gray, -1, 3, {255, 0, 0});
}

TEST(Draw, LineCoversExactlyItsPixels) {
  Image image = Image::blank(20, 20, 3);
  draw_line(image, 2, 5, 17, 5, 0, {255, 255, 255});  // horizontal, one pixel wide
  EXPECT_EQ(count_colored(image), 16);
  for (int x = 2; x <= 17; ++x) EXPECT_EQ(image.at(x, 5)[0], 255);
  Image diagonal = Image::blank(20, 20, 3);
  draw_line(diagonal, 0, 0, 19, 19, 0, {255, 255, 255});
  EXPECT_EQ(count_colored(diagonal), 20);
  for (int i = 0; i < 20; ++i) EXPECT_EQ(diagonal.at(i, i)[0], 255);
  Image dot = Image::blank(5, 5, 3);
  draw_line(dot, 2, 2, 2, 2, 0, {255, 255, 255});  // zero length: one point
  EXPECT_EQ(count_colored(dot), 1);
}

TEST(Draw, LineIsClippedCheaplyAndSafely) {
  Image image = Image::blank(20, 20, 3);
  // Crosses the image from far outside: only the visible part is drawn, row 10 fully.
  draw_line(image, INT_MIN / 2, 10, INT_MAX / 2, 10, 0, {255, 255, 255});
  EXPECT_EQ(count_colored(image), 20);
  Image untouched = Image::blank(20, 20, 3);
  draw_line(untouched, -100, -5, 100, -5, 1, {255, 255, 255});  // above the image
  draw_line(untouched, INT_MAX, INT_MAX, INT_MIN, INT_MIN + 1, -1, {255, 255, 255});  // bad radius
  EXPECT_EQ(count_colored(untouched), 0);
}

}  // namespace
}  // namespace outpost
