"""Side-by-side reference for `Nabla.Benchmarks gemm`: the same shapes through NumPy's matmul (OpenBLAS SGEMM).

Run with OPENBLAS_NUM_THREADS=2 (bench/gemm-vs-openblas.sh does). Prints one JSON object per line, in the same
format as the C# benchmark, with "impl":"numpy-openblas". Each figure is the median of 7 rounds of >= 40 ms.
"""
import json
import time

import numpy as np

SHAPES = [
    (1024, 1024, 1024, False, False),
    (64, 784, 512, False, False),
    (64, 512, 512, False, False),
    (784, 64, 512, True, False),
    (64, 512, 784, False, True),
    (64, 784, 128, False, False),
    (256, 784, 512, False, False),
    (10000, 784, 10, False, False),
]

def main():
    import os
    rng = np.random.default_rng(42)
    threads = int(os.environ.get("OPENBLAS_NUM_THREADS", "0") or 0)
    for m, k, n, ta, tb in SHAPES:
        a = rng.uniform(-1, 1, (k, m) if ta else (m, k)).astype(np.float32)
        b = rng.uniform(-1, 1, (n, k) if tb else (k, n)).astype(np.float32)
        c = np.empty((m, n), np.float32)
        opa = a.T if ta else a
        opb = b.T if tb else b
        once = lambda: np.matmul(opa, opb, out=c)
        start = time.perf_counter()
        calls = 0
        while time.perf_counter() - start < 0.2:
            once()
            calls += 1
        per_round = max(1, int(calls * 0.04 / (time.perf_counter() - start)))
        times = []
        for _ in range(7):
            t0 = time.perf_counter()
            for _ in range(per_round):
                once()
            times.append((time.perf_counter() - t0) / per_round)
        times.sort()
        gflops = 2.0 * m * k * n / times[len(times) // 2] / 1e9
        print(json.dumps({"m": m, "k": k, "n": n, "transA": ta, "transB": tb, "threads": threads,
                          "gflops": round(gflops, 1), "impl": "numpy-openblas"}, separators=(",", ":")))

if __name__ == "__main__":
    main()
