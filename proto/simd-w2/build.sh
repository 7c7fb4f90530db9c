#!/bin/sh
# Builds w2.wasm from assembly/w2.ts with AssemblyScript 0.28.20 (installed into this folder:
# npm install --prefix proto/simd-w2 assemblyscript@0.28.20; the repo's node_modules is untouched).
set -e
cd "$(dirname "$0")"
if [ ! -x node_modules/.bin/asc ]; then
  npm install --prefix . --no-audit --no-fund assemblyscript@0.28.20
fi
node_modules/.bin/asc assembly/w2.ts -O3 --runtime stub --enable simd --noAssert \
  --outFile build/w2.wasm --textFile build/w2.wat
ls -l build/w2.wasm
