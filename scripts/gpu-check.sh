#!/usr/bin/env bash
# GPU check (issue 11 item 8): on an NVIDIA machine with no network, from a repo copy (dist/ built, or tsc in
# node_modules), measure ResNet-18 training images/s and inference ms/image at 224×224, batch 8 and 64, on
# tfjs-node-gpu and on the machine's CUDA PyTorch, in one table against the targets (≥ 2,000 images/s training,
# ≤ 1 ms/image inference at batch 64). Whatever cannot run is printed as "unmeasured: <why>"; the script itself
# exits 0 unless the repo copy is unusable.
#   Options: GPU_CHECK_STEPS (20), GPU_CHECK_PYTHON (python3).
set -u
cd "$(dirname "$0")/.."

echo "== $(date -u '+%Y-%m-%d %H:%M:%S UTC') on $(hostname), $(nproc) CPU cores; load $(cat /proc/loadavg 2>/dev/null)"
echo "== nvidia-smi"
if command -v nvidia-smi >/dev/null 2>&1; then
	nvidia-smi --query-gpu=name,driver_version,memory.total,memory.used,utilization.gpu,compute_mode,mig.mode.current \
		--format=csv 2>&1 || echo "unmeasured: nvidia-smi --query-gpu failed"
	nvidia-smi 2>&1 | sed -n '1,12p'
else
	echo "unmeasured: nvidia-smi not found (no NVIDIA driver on this machine)"
fi
echo "== node $(node --version 2>/dev/null || echo 'not found')"
if ! command -v node >/dev/null 2>&1; then
	echo "unmeasured: every row (node is not installed)"
	exit 1
fi

# dist/ is what runs: build it when the copy lacks it and the compiler came along in node_modules.
if [ ! -f dist/bench/gpu-check.js ]; then
	if [ -x node_modules/.bin/tsc ]; then
		echo "== dist/ missing: compiling with node_modules/.bin/tsc"
		node_modules/.bin/tsc -p tsconfig.json || { echo "unmeasured: every row (tsc failed)"; exit 1; }
	else
		echo "unmeasured: every row (no dist/bench/gpu-check.js and no node_modules/.bin/tsc: run 'npm run build' before copying)"
		exit 1
	fi
fi

# Two engines share the card one after the other; neither should hold all its memory while the other starts.
export TF_FORCE_GPU_ALLOW_GROWTH=true
export TF_CPP_MIN_LOG_LEVEL="${TF_CPP_MIN_LOG_LEVEL:-2}"
echo "== ResNet-18 on the GPU"
node dist/bench/gpu-check.js
