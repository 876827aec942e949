#!/usr/bin/env bash
# `make install` layout: PREFIX/bin/decodesim runs from PATH, outside the source tree, and reads
# the installed configs and models (not the source tree it was built from).
set -euo pipefail
build=$1 cmake=$2
prefix=$(mktemp -d "${TMPDIR:-/tmp}/decodesim-install-XXXXXX")
trap 'rm -rf "$prefix"' EXIT
"$cmake" --install "$build" --prefix "$prefix" >/dev/null
cd /
export PATH="$prefix/bin:$PATH"
unset DECODESIM_HOME
[ "$(command -v decodesim)" = "$prefix/bin/decodesim" ] || { echo "decodesim is not the installed one"; exit 1; }
out=$(decodesim version)
grep -qxF "configs   $prefix/share/decodesim/configs" <<<"$out" || { echo "wrong configs folder:"; echo "$out"; exit 1; }
grep -qxF "workloads $prefix/share/decodesim/workloads" <<<"$out" || { echo "wrong workloads folder:"; echo "$out"; exit 1; }
decodesim run --system tpu_v5e --model tiny --quiet
echo "installed decodesim ran from $prefix"
