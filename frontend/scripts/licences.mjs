// Print the licence texts of the npm packages esbuild bundled (read from its metafiles), so the vendored
// bundle ships with every licence it needs. Exits non-zero if a bundled package has no licence file.
import {readFileSync, readdirSync} from "node:fs";
import {join} from "node:path";

const packages = new Set(["world-atlas"]); // its countries-110m.json is copied beside the bundles
for (const file of process.argv.slice(2)) {
  const meta = JSON.parse(readFileSync(file, "utf8"));
  for (const input of Object.keys(meta.inputs)) {
    const match = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(input);
    if (match) packages.add(match[1]);
  }
}
const parts = ["Licences of the packages bundled into editor.bundle.js and views.bundle.js, and of the basemap\n" +
  "countries-110m.json (built by frontend/build.sh).\n"];
for (const name of [...packages].sort()) {
  const dir = join("node_modules", name);
  const {version, license} = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
  const file = readdirSync(dir).find((f) => /^(licen[cs]e|copying)(\.|$)/i.test(f));
  if (!file) { console.error(`no licence file in ${name}`); process.exit(1); }
  parts.push(`${"=".repeat(72)}\n${name} ${version} (${license})\n${"=".repeat(72)}\n${readFileSync(join(dir, file), "utf8").trim()}\n`);
}
process.stdout.write(parts.join("\n"));
