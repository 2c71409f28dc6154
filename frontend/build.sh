#!/bin/sh
# Rebuild the query page's scripts: ljkg/static/vendor/editor.bundle.js (the SPARQL editor) and
# views.bundle.js (the result views), each one minified file with no source map, the map's basemap, and ljkg/static/vendor/LICENSES.txt (the licence of every package bundled into it).
# Reproducible: npm ci installs exactly what package-lock.json pins. Only this build needs Node.
set -eu
cd "$(dirname "$0")"
npm ci --no-audit --no-fund
out=../ljkg/static/vendor
mkdir -p "$out"
npx esbuild src/editor.js --bundle --minify --format=iife --target=es2020 --legal-comments=none \
  --charset=utf8 --metafile=node_modules/.meta.json --outfile="$out/editor.bundle.js"
npx esbuild src/views.js --bundle --minify --format=iife --target=es2020 --legal-comments=none \
  --charset=utf8 --metafile=node_modules/.views-meta.json --outfile="$out/views.bundle.js"
# the map's basemap (Natural Earth country outlines at 1:110m, public domain), fetched by the map view
cp node_modules/world-atlas/countries-110m.json "$out/countries-110m.json"
node scripts/licences.mjs node_modules/.meta.json node_modules/.views-meta.json > "$out/LICENSES.txt"
