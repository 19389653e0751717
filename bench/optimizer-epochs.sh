#!/usr/bin/env bash
# Issue 10: every epoch within 10 % of the first, with every optimizer (subnormal optimizer state would slow later
# epochs on Intel cores), and Fashion-MNIST 784-512-512-10 Adam b64 5 epochs against PyTorch 1.13 in the same run.
# Prints, per optimizer, nabla's epoch times and the slowest epoch relative to the first; then PyTorch's Adam run.
set -euo pipefail
cd "$(dirname "$0")/.."
F=${1:-../shared/datasets/fashion-mnist}
lscpu | grep 'Model name'
dotnet build src/Nabla.Cli -c Release -v quiet -nologo >/dev/null
out=$(mktemp -d)
for optimizer in sgd momentum rmsprop adam adamw; do
  line=$(dotnet src/Nabla.Cli/bin/Release/net10.0/Nabla.Cli.dll train --data "$F" --layers 512,512 --epochs 5 --optimizer $optimizer --seed 0 --json --quiet --out $out/m.nabla)
  /usr/bin/python3 -c "
import json,sys; r=json.loads(sys.argv[1]); e=r['epoch_seconds']
print(f\"{sys.argv[2]:9s} train {r['train_seconds']:6.2f} s  acc {r['test_accuracy']:.4f}  epochs {e}  slowest/first {max(e)/e[0]:.2f}\")" "$line" $optimizer
done
if /usr/bin/python3 -c "import torch" 2>/dev/null; then
  echo "PyTorch 784-512-512-10, Adam 1e-3, batch 64, 5 epochs (same machine, same run):"
  /usr/bin/python3 ../shared/reference/anchors.py "$F" torch-wide 5
fi
rm -rf "$out"
