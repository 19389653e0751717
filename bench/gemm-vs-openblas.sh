#!/usr/bin/env bash
# Nabla's GEMM and NumPy/OpenBLAS side by side, in one run, 2 threads each.
# Needs Debian's python3-numpy and libopenblas0-pthread (apt-get install -y python3-numpy libopenblas0-pthread).
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet build bench/Nabla.Benchmarks -c Release -v quiet -nologo >/dev/null
for round in 1 2; do
  NABLA_THREADS=2 dotnet run -c Release --project bench/Nabla.Benchmarks --no-build -- gemm
  env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE OPENBLAS_NUM_THREADS=2 /usr/bin/python3 bench/reference/numpy_gemm.py
done
