#!/bin/sh
# Compiles the AssemblyScript batch kernels (wasm/*.ts) into dist/wasm/kernels.wasm with the
# pinned devDependency assemblyscript (see package.json). Run by `npm run build`, `npm test`,
# `npm start` and `npm run bench` before tsc; skipped when the output is newer than every
# source (asc itself takes a few seconds to start): wasm/*.ts and the layout files they import
# from src/ (src/**/*.layout.ts, compiled by tsc too). Memory is imported: the engine allocates
# a fixed WebAssembly.Memory per instance (src/dsp/lib/wasm-arena.ts).
set -e
cd "$(dirname "$0")/.."
out=dist/wasm/kernels.wasm
if [ -f "$out" ] && [ -z "$( (find wasm scripts/build-wasm.sh package-lock.json -newer "$out"; find src -name '*.layout.ts' -newer "$out") 2>/dev/null | head -n 1)" ]; then
  exit 0
fi
mkdir -p dist/wasm
node_modules/.bin/asc wasm/kernels.ts -O3 --runtime stub --enable simd --noAssert \
  --importMemory --outFile "$out.tmp" "$@"
mv "$out.tmp" "$out"
