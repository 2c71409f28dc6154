#!/bin/sh
# Rebuild the query page's SPARQL editor: ljkg/static/vendor/editor.bundle.js (one minified file, no
# source map) and ljkg/static/vendor/LICENSES.txt (the licence of every package bundled into it).
# Reproducible: npm ci installs exactly what package-lock.json pins. Only this build needs Node.
set -eu
cd "$(dirname "$0")"
npm ci --no-audit --no-fund
out=../ljkg/static/vendor
mkdir -p "$out"
npx esbuild src/editor.js --bundle --minify --format=iife --target=es2020 --legal-comments=none \
  --charset=utf8 --metafile=node_modules/.meta.json --outfile="$out/editor.bundle.js"
node scripts/licences.mjs node_modules/.meta.json > "$out/LICENSES.txt"
