#!/usr/bin/env bash
# The installed product as a user outside the tree meets it (issue 18, docs/packaging.md):
#   1. `cmake --install BUILD --prefix TMP` lays out the binaries, liboutpost.so with its soname
#      links, the headers, the CMake package and the pkg-config file;
#   2. tests/packaging/consumer (a C and a C++ program) configures against TMP with
#      find_package(Outpost), and the C program builds with pkg-config alone;
#   3. all three open MODEL through the installed library and print the same inputs;
#   4. cpack's .deb names its dependencies (libc6 and the libraries linked), and the outpost
#      binary extracted from it runs.
# ctest runs it as packaging_install (tests/CMakeLists.txt). Nothing outside a temporary
# directory is written; it is removed on success and kept (its path printed) on failure.
#
# usage: check_install.sh BUILD_DIR LIBDIR VERSION MODEL EXPECTED_INPUT_LINE
#   LIBDIR: CMAKE_INSTALL_LIBDIR of the build (lib, or lib/<multiarch> under /usr)
#   EXPECTED_INPUT_LINE: what the consumers print for input 0 of MODEL
set -euo pipefail

if [[ $# -ne 5 ]]; then
  echo "usage: $0 BUILD_DIR LIBDIR VERSION MODEL EXPECTED_INPUT_LINE" >&2
  exit 2
fi
build=$(cd "$1" && pwd)
libdir=$2
version=$3
model=$4
expected_input=$5
here=$(cd "$(dirname "$0")" && pwd)
major=${version%%.*}

work=$(mktemp -d "${TMPDIR:-/tmp}/outpost-packaging.XXXXXX")
cleanup() {
  local status=$?
  if [[ $status -eq 0 ]]; then rm -rf "$work"; else echo "packaging: FAILED; kept $work" >&2; fi
}
trap cleanup EXIT
fail() {
  echo "packaging: $*" >&2
  exit 1
}
# A step's full output goes to a log, shown only when the step fails.
quietly() {
  local log=$1
  shift
  if ! "$@" > "$log" 2>&1; then
    cat "$log" >&2
    fail "failed: $*"
  fi
}

# 1. The install tree.
prefix=$work/prefix
quietly "$work/install.log" cmake --install "$build" --prefix "$prefix"
for path in bin/outpost include/outpost/outpost.h include/outpost/session.h \
            "$libdir/liboutpost.so.$version" "$libdir/cmake/Outpost/OutpostConfig.cmake" \
            "$libdir/cmake/Outpost/OutpostConfigVersion.cmake" "$libdir/pkgconfig/outpost.pc"; do
  [[ -f $prefix/$path ]] || fail "not installed: $path"
done
[[ $(readlink "$prefix/$libdir/liboutpost.so.$major") == "liboutpost.so.$version" ]] ||
  fail "$libdir/liboutpost.so.$major is not a link to liboutpost.so.$version"
[[ $(readlink "$prefix/$libdir/liboutpost.so") == "liboutpost.so.$major" ]] ||
  fail "$libdir/liboutpost.so is not a link to liboutpost.so.$major"
grep -qxF "prefix=$prefix" "$prefix/$libdir/pkgconfig/outpost.pc" ||
  fail "outpost.pc does not name the install prefix: $(grep '^prefix=' "$prefix/$libdir/pkgconfig/outpost.pc")"
soname=$(readelf -d "$prefix/$libdir/liboutpost.so.$version" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
[[ $soname == "liboutpost.so.$major" ]] || fail "soname is '$soname', not liboutpost.so.$major"
echo "packaging: installed to a temporary prefix: bin/outpost, $libdir/liboutpost.so.$version" \
     "(soname $soname), include/outpost, $libdir/cmake/Outpost, $libdir/pkgconfig/outpost.pc"

# 2. The consumer, against the install tree only.
quietly "$work/consumer-configure.log" \
  cmake -S "$here/consumer" -B "$work/consumer" -DCMAKE_BUILD_TYPE=Release \
        -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF
found=$(sed -n 's/^Outpost_DIR:PATH=//p' "$work/consumer/CMakeCache.txt")
[[ $found == "$prefix/$libdir/cmake/Outpost" ]] || fail "find_package(Outpost) found '$found', not the install tree"
quietly "$work/consumer-build.log" cmake --build "$work/consumer" -j2
export PKG_CONFIG_PATH=$prefix/$libdir/pkgconfig
pc_version=$(pkg-config --modversion outpost)
[[ $pc_version == "$version" ]] || fail "pkg-config says version '$pc_version', not $version"
# shellcheck disable=SC2046  # pkg-config's flags are meant to split
quietly "$work/pkg-config-build.log" \
  cc -std=c99 -Wall -Wextra -Wpedantic -Werror "$here/consumer/inputs.c" -o "$work/consumer_pc" \
     $(pkg-config --cflags --libs outpost)
echo "packaging: consumer built with find_package(Outpost) (C and C++) and pkg-config (C)"
# The CMake-built programs find the library by their RPATH, into the install tree.
for program in consumer_c consumer_cxx; do
  ldd "$work/consumer/$program" > "$work/$program.ldd"
  grep -qF "=> $prefix/$libdir/liboutpost.so.$major " "$work/$program.ldd" ||
    fail "$program does not load the installed liboutpost.so.$major: $(grep outpost "$work/$program.ldd")"
done

# 3. The three programs on a real model.
if [[ -f $model ]]; then
  "$work/consumer/consumer_c" "$model" > "$work/c.out"
  "$work/consumer/consumer_cxx" "$model" > "$work/cxx.out"
  LD_LIBRARY_PATH=$prefix/$libdir "$work/consumer_pc" "$model" > "$work/pc.out"
  sed -n 1p "$work/c.out"
  [[ $(sed -n 1p "$work/c.out") == "liboutpost $version" ]] || fail "outpost_version() is not $version"
  tail -n +2 "$work/c.out" > "$work/c.inputs"
  cat "$work/c.inputs"
  grep -qxF "$expected_input" "$work/c.inputs" || fail "expected the line: $expected_input"
  cmp -s "$work/c.inputs" "$work/cxx.out" || fail "the C++ program printed otherwise: $(cat "$work/cxx.out")"
  cmp -s "$work/c.out" "$work/pc.out" || fail "the pkg-config build printed otherwise: $(cat "$work/pc.out")"
  echo "packaging: the C, C++ and pkg-config consumers agree on $(basename "$model")"
else
  echo "packaging: not running the consumers: no model $model (scripts/setup fetches it)"
fi

# 4. The .deb.
for tool in cpack dpkg-deb dpkg-shlibdeps; do
  if ! command -v "$tool" > /dev/null; then
    echo "packaging: no .deb checked: $tool is missing (dpkg-dev, which scripts/setup installs)"
    exit 0
  fi
done
quietly "$work/cpack.log" cpack --config "$build/CPackConfig.cmake" -G DEB -B "$work/deb"
debs=("$work"/deb/outpost_*.deb)
[[ ${#debs[@]} -eq 1 && -f ${debs[0]} ]] || fail "cpack made no single outpost_*.deb: $(ls "$work/deb")"
deb=${debs[0]}
echo "packaging: $(basename "$deb"), $(du -h "$deb" | cut -f1)"
[[ $(dpkg-deb -f "$deb" Package) == outpost ]] || fail "package name is not outpost"
[[ $(dpkg-deb -f "$deb" Version) == "$version" ]] || fail "package version is not $version"
depends=$(dpkg-deb -f "$deb" Depends)
echo "Depends: $depends"
grep -qE '(^|, )libc6 ' <<< "$depends" || fail "Depends does not name libc6"
grep -qE '(^|, )(libsodium|libdnnl|libxnnpack|libprotobuf)[0-9a-z.-]* ' <<< "$depends" ||
  fail "Depends names none of the runtime libraries (libsodium, libdnnl, libxnnpack, libprotobuf)"
dpkg-deb -x "$deb" "$work/root"
for path in "$libdir/liboutpost.so.$version" "$libdir/cmake/Outpost/OutpostConfig.cmake" include/outpost/outpost.h; do
  [[ -f $work/root/usr/$path ]] || fail "the .deb has no usr/$path"
done
grep -qxF "prefix=/usr" "$work/root/usr/$libdir/pkgconfig/outpost.pc" || fail "the .deb's outpost.pc does not say prefix=/usr"
cli_version=$(LD_LIBRARY_PATH=$work/root/usr/$libdir "$work/root/usr/bin/outpost" --version)
echo "usr/bin/outpost --version (from the .deb): $cli_version"
[[ $cli_version == "outpost $version "* ]] || fail "the packaged outpost --version does not say $version"
recommends=$(dpkg-deb -f "$deb" Recommends)
echo "Recommends: $recommends"
python_dir=$work/root/usr/lib/python3/dist-packages
if [[ -d $python_dir/outpost ]]; then
  # The packaged Python module, on Debian's Python, says the same version as the command.
  grep -qE '(^|, )python3-numpy' <<< "$depends" || fail "Depends does not name python3-numpy"
  python_version=$(PYTHONPATH=$python_dir /usr/bin/python3 -c 'import outpost; print(outpost.__version__)')
  [[ $python_version == "$version" ]] || fail "outpost.__version__ is '$python_version', not $version"
  echo "packaging: the .deb's Python module imports; outpost.__version__ = $python_version"
fi
if [[ -f $model ]]; then
  # The packaged (stripped) library serves the pkg-config build as the install tree's did.
  LD_LIBRARY_PATH=$work/root/usr/$libdir "$work/consumer_pc" "$model" > "$work/deb.out"
  cmp -s "$work/c.out" "$work/deb.out" || fail "with the packaged library: $(cat "$work/deb.out")"
fi
echo "packaging: ok"
