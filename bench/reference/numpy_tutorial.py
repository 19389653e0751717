"""Side-by-side reference for the tutorials' network: the NumPy MNIST classifier "from scratch" that Nabla began from
(784-10-10, ReLU, softmax, weights and biases uniform in [-0.5, 0.5), full-batch gradient descent, alpha 0.1, 500
iterations, float64), trained on data/mnist-10k and tested on its 10,000 test digits.

Usage: python3 numpy_tutorial.py DATA_FOLDER. Prints one JSON line with train_seconds (the 500 iterations only,
as nabla's --json reports) and test_accuracy. Run with OPENBLAS_NUM_THREADS=2 to match the machine's two cores.
"""
import gzip
import json
import os
import sys
import time

import numpy as np


def read_idx(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    dims = data[3]
    shape = [int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(dims)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def find(folder, name):
    for candidate in (name, name + ".gz"):
        path = os.path.join(folder, candidate)
        if os.path.exists(path):
            return path
    raise FileNotFoundError(os.path.join(folder, name))


def init_params():
    W1 = np.random.rand(10, 784) - 0.5
    b1 = np.random.rand(10, 1) - 0.5
    W2 = np.random.rand(10, 10) - 0.5
    b2 = np.random.rand(10, 1) - 0.5
    return W1, b1, W2, b2


def ReLU(Z):
    return np.maximum(Z, 0)


def softmax(Z):
    return np.exp(Z) / sum(np.exp(Z))


def forward_prop(W1, b1, W2, b2, X):
    Z1 = W1.dot(X) + b1
    A1 = ReLU(Z1)
    Z2 = W2.dot(A1) + b2
    A2 = softmax(Z2)
    return Z1, A1, Z2, A2


def one_hot(Y):
    one_hot_Y = np.zeros((Y.size, Y.max() + 1))
    one_hot_Y[np.arange(Y.size), Y] = 1
    return one_hot_Y.T


def backward_prop(Z1, A1, Z2, A2, W1, W2, X, Y, one_hot_Y):
    m = Y.size
    dZ2 = A2 - one_hot_Y
    dW2 = 1 / m * dZ2.dot(A1.T)
    db2 = 1 / m * np.sum(dZ2)
    dZ1 = W2.T.dot(dZ2) * (Z1 > 0)
    dW1 = 1 / m * dZ1.dot(X.T)
    db1 = 1 / m * np.sum(dZ1)
    return dW1, db1, dW2, db2


def main():
    folder = sys.argv[1]
    X = read_idx(find(folder, "train-images-idx3-ubyte")).reshape(-1, 784).T / 255.0
    Y = read_idx(find(folder, "train-labels-idx1-ubyte")).astype(np.int64)
    X_test = read_idx(find(folder, "t10k-images-idx3-ubyte")).reshape(-1, 784).T / 255.0
    Y_test = read_idx(find(folder, "t10k-labels-idx1-ubyte")).astype(np.int64)
    np.random.seed(0)
    W1, b1, W2, b2 = init_params()
    one_hot_Y = one_hot(Y)
    alpha = 0.1
    start = time.perf_counter()
    for _ in range(500):
        Z1, A1, Z2, A2 = forward_prop(W1, b1, W2, b2, X)
        dW1, db1, dW2, db2 = backward_prop(Z1, A1, Z2, A2, W1, W2, X, Y, one_hot_Y)
        W1 = W1 - alpha * dW1
        b1 = b1 - alpha * db1
        W2 = W2 - alpha * dW2
        b2 = b2 - alpha * db2
    seconds = time.perf_counter() - start
    predictions = np.argmax(forward_prop(W1, b1, W2, b2, X_test)[3], 0)
    print(json.dumps({"impl": "numpy-tutorial", "train_seconds": round(seconds, 3),
                      "test_accuracy": float(np.mean(predictions == Y_test))}))


if __name__ == "__main__":
    main()
