#!/usr/bin/env bash
# Installs the build into a scratch prefix and builds tests/consumer/main.cpp against it with
# nothing but pkg-config, then runs it: proof that another project can use libtrader.
set -euo pipefail
build_root=$1
source=$2
cxx=${CXX:-c++}
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
meson install -C "$build_root" --no-rebuild --destdir "$scratch" --quiet >/dev/null
prefix=$(meson introspect "$build_root" --buildoptions |
  python3 -c 'import json,sys; print([o["value"] for o in json.load(sys.stdin) if o["name"]=="prefix"][0])' 2>/dev/null ||
  echo /usr/local)
pc=$(find "$scratch" -name libtrader.pc | head -n1)
[ -n "$pc" ] || { echo "libtrader.pc was not installed"; exit 1; }
export PKG_CONFIG_PATH=$(dirname "$pc")
flags=$(pkg-config --define-variable=prefix="$scratch$prefix" --cflags --libs libtrader)
echo "pkg-config --cflags --libs libtrader: $flags"
# shellcheck disable=SC2086
"$cxx" -o "$scratch/consumer" "$source" $flags
libdir=$(pkg-config --define-variable=prefix="$scratch$prefix" --variable=libdir libtrader)
LD_LIBRARY_PATH="$libdir" "$scratch/consumer"
