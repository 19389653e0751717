#!/usr/bin/env bash
# The convolutional-network figures of docs/BENCHMARKS.md (issue 11): each network is trained by nabla and, side by
# side in the same run, by the PyTorch reference (../shared/reference/cnn_anchors.py: PyTorch 1.13 CPU, 2 threads),
# then one summary line per network gives both times, both accuracies and the speed ratio.
# Usage: bash bench/cnn-benchmarks.sh [ROUNDS]   (default 1; with more, nabla and PyTorch alternate, round by round)
# Needs ../shared/datasets/fashion-mnist, and /usr/bin/python3 with torch for the reference (skipped without it).
# About 3 minutes on a quiet 2-core machine (Fashion-MNIST: 150 s budget; PyTorch's Keras convnet: 30 s).
# The machine is shared: the load average is printed before every run — figures taken under load are not comparable.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-1}
dotnet build src/Nabla.Cli -c Release -v quiet -nologo >/dev/null
M=data/mnist-10k
F=../shared/datasets/fashion-mnist
REF=../shared/reference/cnn_anchors.py
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
has_torch=0
if /usr/bin/python3 -c "import torch" 2>/dev/null && [ -f "$REF" ]; then has_torch=1; fi

echo "# $(lscpu | grep 'Model name' | sed 's/  */ /g'), $(nproc) cores; $(dotnet --version | sed 's/^/.NET SDK /'); $(date -u +%F)"

# nabla NAME ARGS...: one JSON line (train_seconds, test_accuracy, ..., peak_rss_mb) appended to $out/NAME.nabla
nabla() {
  local name=$1; shift
  echo "  load average: $(cut -d' ' -f1-3 /proc/loadavg)"
  /usr/bin/time -f '%M' -o "$out/rss" dotnet src/Nabla.Cli/bin/Release/net10.0/Nabla.Cli.dll train "$@" --seed 0 --json --quiet --out "$out/$name.model" > "$out/line"
  local line; line=$(sed "s/}\$/,\"peak_rss_mb\":$(( $(cat "$out/rss") / 1024 ))}/" "$out/line")
  echo "  nabla:   $line"
  echo "$line" >> "$out/$name.nabla"
}

# torch NAME DATA WHICH EPOCHS: the reference's JSON line appended to $out/NAME.torch
torch() {
  local name=$1; shift
  [ $has_torch = 1 ] || return 0
  echo "  load average: $(cut -d' ' -f1-3 /proc/loadavg)"
  local line; line=$(/usr/bin/python3 "$REF" "$@")
  echo "  pytorch: $line"
  echo "$line" >> "$out/$name.torch"
}

summary() {
  /usr/bin/python3 - "$out" "$@" <<'PY'
import json, os, statistics, sys
out, names = sys.argv[1], sys.argv[2:]
def rows(path): return [json.loads(l) for l in open(path)] if os.path.exists(path) else []
print("# summary (median over rounds): seconds of training, test accuracy, peak memory; ratio = PyTorch seconds / nabla seconds")
for name in names:
    ours, theirs = rows(f"{out}/{name}.nabla"), rows(f"{out}/{name}.torch")
    s = statistics.median(r["train_seconds"] for r in ours); a = statistics.median(r["test_accuracy"] for r in ours)
    m = max(r["peak_rss_mb"] for r in ours)
    line = f"{name}: nabla {s:.2f} s, accuracy {a:.4f}, peak {m} MB"
    if theirs:
        ts = statistics.median(r["seconds"] for r in theirs); ta = statistics.median(r["test_accuracy"] for r in theirs)
        line += f" | pytorch {ts:.2f} s, accuracy {ta:.4f} | {ts / s:.2f}x faster, accuracy {100 * (a - ta):+.2f} points"
    print(line)
PY
}

KERAS="conv2d(32, 3) relu maxpool(2) conv2d(64, 3) relu maxpool(2) flatten dropout(0.5)"
LENET="conv2d(6, 5, padding=same) relu maxpool(2) conv2d(16, 5) relu maxpool(2) flatten dense(120) relu dense(84) relu"
FASHION="conv2d(32, 3, padding=same) relu maxpool(2) conv2d(64, 3, padding=same) relu maxpool(2) flatten dropout(0.4) dense(128) relu dropout(0.4)"
AUGMENTED="conv2d(32, 3) relu conv2d(32, 3) relu maxpool(2) conv2d(64, 3) relu conv2d(64, 3) relu maxpool(2) flatten dropout(0.4) dense(128) relu dropout(0.4)"

for round in $(seq 1 "$rounds"); do
  echo "# round $round: the Keras convnet, mnist-10k, Adam 1e-3, batch 128, 12 epochs (target: >= 3x PyTorch, accuracy within 0.3 points)"
  nabla keras --arch "$KERAS" --batch-size 128 --epochs 12
  torch keras $M keras-convnet 12
  echo "# round $round: LeNet-5, mnist-10k, Adam 1e-3, batch 64, 12 epochs (same target)"
  nabla lenet --arch "$LENET" --batch-size 64 --epochs 12
  torch lenet $M lenet5 12
done
echo "# Fashion-MNIST (60,000): $FASHION, Adam 1e-3, cosine, batch 128, 20 epochs (target: >= 0.925 within 150 s, <= 1 GB)"
nabla fashion --data $F --arch "$FASHION" --batch-size 128 --epochs 20 --schedule cosine
echo "# mnist-10k with augmentation: $AUGMENTED, shift=2,rotate=10,scale=0.1, Adam 1e-3, cosine, batch 128, 30 epochs (target: >= 0.990 within 180 s)"
nabla augmented --arch "$AUGMENTED" --augment shift=2,rotate=10,scale=0.1 --batch-size 128 --epochs 30 --schedule cosine
summary keras lenet fashion augmented
