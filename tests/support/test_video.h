// Helpers for tests that make videos at test time with Debian's ffmpeg CLI.
#pragma once

#include "vision/image.h"

namespace outpost::testing {

// Whether the `ffmpeg` command runs (scripts/setup installs it); tests skip without it.
bool have_ffmpeg();

// A smooth RGB gradient (red across, green down) under a 16-pixel blue checkerboard: every
// region differs, so a shifted, flipped or rescaled decode shows. width, height >= 2.
Image test_pattern(int width, int height);

}  // namespace outpost::testing
