#!/usr/bin/env bash
# The training figures of docs/BENCHMARKS.md: each run prints nabla's --json line followed by its peak memory.
# Needs ../shared/datasets/fashion-mnist (see the shared datasets README). Runs one after another; about 3 minutes.
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet build src/Nabla.Cli -c Release -v quiet -nologo >/dev/null
nabla() { /usr/bin/time -f '  peak_rss_mb %M' dotnet src/Nabla.Cli/bin/Release/net10.0/Nabla.Cli.dll "$@" 2>&1 | awk '/peak_rss_mb/ {printf "  peak_rss_mb %.0f\n", $2/1024; next} {print}'; }
F=../shared/datasets/fashion-mnist
out=$(mktemp -d)
echo "# issue 3: fashion-mnist 784-512-512-10, Adam 1e-3, batch 64, 5 epochs"
nabla train --data $F --layers 512,512 --epochs 5 --seed 0 --json --quiet --out $out/a.nabla
if /usr/bin/python3 -c "import torch" 2>/dev/null; then
  echo "# the same in PyTorch 1.13 CPU, side by side (../shared/reference/anchors.py torch-wide, 2 threads)"
  /usr/bin/python3 ../shared/reference/anchors.py $F torch-wide 5
fi
echo "# issue 3: fashion-mnist 784-128-10, Adam 1e-3, batch 64, 10 epochs"
nabla train --data $F --layers 128 --epochs 10 --seed 0 --json --quiet --out $out/b.nabla
if /usr/bin/python3 -c "import torch" 2>/dev/null; then
  echo "# the same in PyTorch (anchors.py torch-mlp)"
  /usr/bin/python3 ../shared/reference/anchors.py $F torch-mlp 10
fi
echo "# issue 3: the tutorials' network on mnist-10k: 784-10-10, U(-0.5,0.5), full-batch GD, lr 0.1, 500 iterations"
nabla train --layers 10 --loss categorical-cross-entropy --init uniform --optimizer sgd --lr 0.1 --batch-size full --epochs 500 --seed 0 --json --quiet --out $out/c.nabla
if /usr/bin/python3 -c "import numpy" 2>/dev/null; then
  echo "# issue 3: the same network in NumPy, side by side (bench/reference/numpy_tutorial.py, float64, 2 BLAS threads)"
  OPENBLAS_NUM_THREADS=2 /usr/bin/python3 bench/reference/numpy_tutorial.py data/mnist-10k
fi
echo "# issue 3: the default run (the built-in mnist-10k, 784-128-10, Adam, 10 epochs)"
nabla train --seed 0 --json --quiet --out $out/d.nabla
echo "# issue 5: fashion-mnist 784-512-256-10, batch norm, dropout 0.2, AdamW 2e-3, cosine, batch 128, 15 epochs"
nabla train --data $F --layers 512,256 --batch-norm --dropout 0.2 --optimizer adamw --lr 0.002 --schedule cosine --batch-size 128 --epochs 15 --seed 0 --json --quiet --out $out/e.nabla
echo "# issue 5: mnist-10k 784-512-512-10, dropout 0.3, Adam, cosine, 30 epochs"
nabla train --layers 512,512 --dropout 0.3 --schedule cosine --epochs 30 --seed 0 --json --quiet --out $out/g.nabla
echo "# issue 5: mnist-10k 784-800-800-10, dropout 0.3, Adam, cosine, 40 epochs (PyTorch's configuration)"
nabla train --layers 800,800 --dropout 0.3 --schedule cosine --epochs 40 --seed 0 --json --quiet --out $out/f.nabla
echo "# issue 5: dropout / batch-norm overhead per epoch (784-512-256-10, batch 128)"
dotnet run -c Release --project bench/Nabla.Benchmarks -- train-step
rm -rf "$out"
