#!/usr/bin/env bash
# Install LLVM's OpenMP runtime (libomp) for building fastpen's macOS wheels.
#
# Apple clang compiles OpenMP (-Xpreprocessor -fopenmp) but ships no runtime.  The
# wheels are compiled and linked against this one and load scikit-learn's copy at
# run time (pyproject.toml's [tool.cibuildwheel.macos] says why), so its install name
# must be @rpath/libomp.dylib and it must not need a newer macOS than the wheel's
# target.  Homebrew's libomp is built for the runner's own macOS (13+); conda-forge's
# llvm-openmp 11.1.0 builds need macOS 10.9 (osx-64) and 11.0 (osx-arm64), below both
# of fastpen's targets (10.15 and 12.0, set in pyproject.toml).  The builds are pinned by version and build string, and conda (or mamba,
# micromamba) checks each downloaded package against the checksums in the channel's
# repodata before unpacking it.  After installing, the script checks the library's
# architecture and its minimum macOS against MACOSX_DEPLOYMENT_TARGET, so that a
# wrong pin fails here rather than in delocate or on a user's machine.
#
# Usage: install_libomp_macos.sh [x86_64|arm64]
#   architecture: the argument, else the single -arch of ARCHFLAGS (which
#   cibuildwheel sets for the build), else `uname -m`.
# Environment:
#   FASTPEN_LIBOMP_PREFIX     install prefix (default: $HOME/fastpen-libomp/<subdir>)
#   MACOSX_DEPLOYMENT_TARGET  the wheel's target (default: 10.15 x86_64, 12.0 arm64)
#   CONDA_EXE                 conda, mamba or micromamba to use (default: searched)
# A prefix that already holds the pinned package is checked again, not reinstalled,
# so cibuildwheel can run this before each build.
# Written for the bash 3.2 that macOS ships as /bin/bash.
set -euo pipefail

LIBOMP_VERSION=11.1.0

die() {
    echo "install_libomp_macos.sh: $*" >&2
    exit 1
}

# true when version $1 <= version $2 (dotted numbers)
version_le() {
    awk -v a="$1" -v b="$2" 'BEGIN {
        n = split(a, x, "."); m = split(b, y, "."); k = n > m ? n : m
        for (i = 1; i <= k; i++) { p = x[i] + 0; q = y[i] + 0
            if (p < q) exit 0; if (p > q) exit 1 }
        exit 0 }'
}

find_conda() {
    local c
    for c in "${CONDA_EXE:-}" "$(command -v micromamba || true)" "$(command -v mamba || true)" \
             "$(command -v conda || true)" "${CONDA:+$CONDA/condabin/conda}" \
             "${CONDA:+$CONDA/bin/conda}" "$HOME/miniforge3/bin/conda" "$HOME/miniconda3/bin/conda"; do
        if [[ -n $c && -x $c ]]; then
            echo "$c"
            return 0
        fi
    done
    return 1
}

[[ $(uname -s) == Darwin ]] || die "this script installs the macOS runtime; run it on macOS"

arch=${1:-}
if [[ -z $arch && ${ARCHFLAGS:-} =~ ^[[:space:]]*-arch[[:space:]]+([a-z0-9_]+)[[:space:]]*$ ]]; then
    arch=${BASH_REMATCH[1]}
fi
arch=${arch:-$(uname -m)}
case $arch in
    x86_64) subdir=osx-64; build=hda6cdc1_1; default_target=10.15 ;;
    arm64) subdir=osx-arm64; build=hf3c4609_1; default_target=12.0 ;;
    *) die "unsupported architecture '$arch' (x86_64 or arm64)" ;;
esac
prefix=${FASTPEN_LIBOMP_PREFIX:-$HOME/fastpen-libomp/$subdir}
target=${MACOSX_DEPLOYMENT_TARGET:-$default_target}
meta="$prefix/conda-meta/llvm-openmp-$LIBOMP_VERSION-$build.json"
lib="$prefix/lib/libomp.dylib"

if [[ -f $meta ]]; then
    echo "llvm-openmp $LIBOMP_VERSION $build ($subdir) already in $prefix"
else
    if [[ -e $prefix ]]; then
        # only ever delete a conda environment this script could have made
        [[ -d $prefix/conda-meta ]] || die "$prefix exists and is not a conda environment"
        rm -rf "$prefix"
    fi
    conda=$(find_conda) || die "no conda, mamba or micromamba found (set CONDA_EXE)"
    echo "installing llvm-openmp $LIBOMP_VERSION $build ($subdir) into $prefix with $conda"
    mkdir -p "$(dirname "$prefix")"
    # CONDA_SUBDIR: the package's platform, not the runner's (cross builds)
    CONDA_SUBDIR=$subdir "$conda" create --yes --quiet --prefix "$prefix" \
        --override-channels --channel conda-forge "llvm-openmp=$LIBOMP_VERSION=$build"
    [[ -f $meta ]] || die "conda finished but $meta is missing"
fi

[[ -f $lib ]] || die "$lib missing"
[[ -f $prefix/include/omp.h ]] || die "$prefix/include/omp.h missing"
lipo "$lib" -verify_arch "$arch" || die "$lib has no $arch slice ($(lipo -archs "$lib"))"

# LC_BUILD_VERSION (minos) on newer builds, LC_VERSION_MIN_MACOSX (version) on older
minos=$(otool -arch "$arch" -l "$lib" | awk '
    $1 == "cmd" { cmd = $2 }
    cmd == "LC_BUILD_VERSION" && $1 == "minos" { print $2; exit }
    cmd == "LC_VERSION_MIN_MACOSX" && $1 == "version" { print $2; exit }')
[[ -n $minos ]] || die "could not read the minimum macOS of $lib"
version_le "$minos" "$target" \
    || die "$lib needs macOS $minos, newer than MACOSX_DEPLOYMENT_TARGET=$target"

# Provenance for the build log: what was installed and the checksums conda verified.
echo "libomp: $lib ($arch, minimum macOS $minos <= target $target)"
install_name=$(otool -D "$lib" | tail -n 1)
echo "install name: $install_name"
# the extensions record this name; @rpath lets them find scikit-learn's copy at run time
[[ $install_name == "@rpath/libomp.dylib" ]] \
    || die "$lib's install name is $install_name, not @rpath/libomp.dylib"
grep -E '"(url|md5|sha256|version|build|subdir)"' "$meta" | sed 's/^ */  /'
