#!/usr/bin/env python3
"""Read a Nabla model file (docs/MODEL_FORMAT.md) with the standard library and NumPy, and run it.

    python3 examples/nabla_reader.py model.nabla                 # tensors and metadata, as JSON
    python3 examples/nabla_reader.py model.nabla rows.csv        # + predictions for rows of raw values
    python3 examples/nabla_reader.py model.nabla rows.csv --torch  # the same through a PyTorch nn.Sequential

rows.csv holds one sample per line, the raw values the model's input takes (pixels 0..255 row by row for an image
model; the feature columns, in the model's order, for a CSV model), no header. Predictions are what `nabla predict`
computes: class probabilities (a binary model: P(second class)), or regression values in the target's units.
"""
import hashlib
import json
import struct
import sys

import numpy as np


class NablaModel:
    """The tensors (name -> float32 array of its shape) and the metadata (JSON values decoded) of a model file."""

    def __init__(self, tensors, metadata):
        self.tensors = tensors
        self.metadata = metadata


def load(path):
    """Reads and checks a Nabla model file: the safetensors layout, Nabla's format name, and its checksums."""
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    if n < 2 or 8 + n > len(data):
        raise ValueError(f"{path}: header length {n} does not fit a {len(data)}-byte file")
    header_bytes = data[8:8 + n]
    header = json.loads(header_bytes.decode("utf-8"))  # trailing spaces (padding to 8 bytes) are JSON whitespace
    meta = header.pop("__metadata__")
    if meta.get("format") != "nabla":
        raise ValueError(f"{path}: not a Nabla model")
    body = data[8 + n:]
    if hashlib.sha256(body).hexdigest() != meta["data_sha256"]:
        raise ValueError(f"{path}: the data section does not match data_sha256")
    if "header_sha256" in meta:  # format version 2: the length prefix and the header, its own digits read as zeros
        digits = meta["header_sha256"].encode("ascii")
        at = header_bytes.index(b'"header_sha256":"') + len(b'"header_sha256":"')
        zeroed = data[:8] + header_bytes[:at] + b"0" * len(digits) + header_bytes[at + len(digits):]
        if hashlib.sha256(zeroed).hexdigest() != meta["header_sha256"]:
            raise ValueError(f"{path}: the header does not match header_sha256")

    # safetensors' rules: F32 only here; the tensors tile the data section, back to back from byte 0 to its end
    tensors, end = {}, 0
    for name, entry in sorted(header.items(), key=lambda item: item[1]["data_offsets"][0]):
        begin, stop = entry["data_offsets"]
        if entry["dtype"] != "F32" or begin != end or stop - begin != 4 * int(np.prod(entry["shape"], dtype=np.int64)):
            raise ValueError(f"{path}: tensor {name} breaks the layout ({entry})")
        tensors[name] = np.frombuffer(body, dtype="<f4", count=(stop - begin) // 4, offset=begin).reshape(entry["shape"])
        end = stop
    if end != len(body):
        raise ValueError(f"{path}: {len(body) - end} data bytes belong to no tensor")

    for key in ("architecture", "input_shape", "class_names", "feature_names", "training_history", "training_settings"):
        if key in meta:
            meta[key] = json.loads(meta[key])
    for key in ("input_scale", "target_mean", "target_std"):
        if key in meta:
            meta[key] = float(meta[key])
    return NablaModel(tensors, meta)


def preprocess(model, raw):
    """Raw values [n, ...] to what the first layer saw in training: x' = (x - offset) * scale, or x * input_scale."""
    meta = model.metadata
    x = np.asarray(raw, dtype=np.float32).reshape(len(raw), -1)
    if "scaling" in meta:
        x = (x - model.tensors["preprocessing.offset"]) * model.tensors["preprocessing.scale"]
    elif meta["input_scale"] != 1.0:
        x = x * np.float32(meta["input_scale"])
    return x.reshape(len(raw), *meta["input_shape"])


def postprocess(model, y):
    """The network's last output to predictions: softmax or sigmoid, or for regression y * std + mean."""
    meta = model.metadata
    if meta["output_transform"] == "softmax":
        e = np.exp(y - y.max(axis=-1, keepdims=True))
        return e / e.sum(axis=-1, keepdims=True)
    if meta["output_transform"] == "sigmoid":
        return 1 / (1 + np.exp(-y))
    if meta.get("task") == "regression":
        return y * np.float32(meta["target_std"]) + np.float32(meta["target_mean"])
    return y


def forward(model, x):
    """The layers in NumPy (inference: dropout is the identity, batch norm uses its running statistics)."""
    t = model.tensors
    for layer in model.metadata["architecture"]:
        kind, name, s = layer["kind"], layer["name"], layer["settings"]
        if kind == "dense":  # W is stored [in, out]: y = x @ W + b, on the last dimension
            x = x @ t[name + ".weight"] + t[name + ".bias"]
        elif kind == "relu":
            x = np.maximum(x, 0)
        elif kind == "leaky-relu":
            x = np.where(x > 0, x, np.float32(s["slope"]) * x)
        elif kind == "sigmoid":
            x = 1 / (1 + np.exp(-x))
        elif kind == "tanh":
            x = np.tanh(x)
        elif kind == "softmax":
            e = np.exp(x - x.max(axis=-1, keepdims=True))
            x = e / e.sum(axis=-1, keepdims=True)
        elif kind == "dropout":
            pass
        elif kind == "batch-norm":
            x = (x - t[name + ".running_mean"]) / np.sqrt(t[name + ".running_var"] + np.float32(s["epsilon"])) * t[name + ".weight"] + t[name + ".bias"]
        elif kind == "flatten":
            x = x.reshape(len(x), -1)
        elif kind == "reshape":
            x = x.reshape(len(x), *[int(d) for d in s["shape"].split(",")])
        else:
            raise ValueError(f"layer {name}: kind '{kind}' is not known to this reader")
    return x.astype(np.float32)


def predict(model, raw):
    """What `nabla predict` gives for rows of raw values."""
    return postprocess(model, forward(model, preprocess(model, raw)))


def to_torch(model):
    """The layers as a PyTorch nn.Sequential in eval mode (Dense W is stored [in, out]; nn.Linear keeps W^T)."""
    import torch
    from torch import nn

    class Reshape(nn.Module):
        def __init__(self, shape):
            super().__init__()
            self.shape = shape

        def forward(self, x):
            return x.reshape(x.shape[0], *self.shape)

    t, modules = model.tensors, []
    for layer in model.metadata["architecture"]:
        kind, name, s = layer["kind"], layer["name"], layer["settings"]
        if kind == "dense":
            w = t[name + ".weight"]
            linear = nn.Linear(w.shape[0], w.shape[1])
            linear.weight.data = torch.from_numpy(w.T.copy())
            linear.bias.data = torch.from_numpy(t[name + ".bias"].copy())
            modules.append(linear)
        elif kind == "batch-norm":
            norm = nn.BatchNorm1d(t[name + ".weight"].shape[0], eps=float(s["epsilon"]), momentum=float(s["momentum"]))
            for field, key in (("weight", "weight"), ("bias", "bias"), ("running_mean", "running_mean"), ("running_var", "running_var")):
                getattr(norm, field).data = torch.from_numpy(t[name + "." + key].copy())
            modules.append(norm)
        elif kind == "reshape":
            modules.append(Reshape([int(d) for d in s["shape"].split(",")]))
        else:
            modules.append({
                "relu": lambda: nn.ReLU(), "leaky-relu": lambda: nn.LeakyReLU(float(s["slope"])), "sigmoid": lambda: nn.Sigmoid(),
                "tanh": lambda: nn.Tanh(), "softmax": lambda: nn.Softmax(dim=-1), "dropout": lambda: nn.Dropout(float(s["rate"])),
                "flatten": lambda: nn.Flatten(),
            }[kind]())
    return nn.Sequential(*modules).eval()


def main(argv):
    model = load(argv[1])
    result = {
        "tensors": {name: list(value.shape) for name, value in model.tensors.items()},
        "metadata": {k: v for k, v in model.metadata.items() if k not in ("training_history",)},
    }
    if len(argv) > 2:
        raw = np.loadtxt(argv[2], delimiter=",", dtype=np.float32, ndmin=2)
        if "--torch" in argv:
            import torch
            with torch.no_grad():
                y = to_torch(model)(torch.from_numpy(preprocess(model, raw))).numpy()
            result["predictions"] = postprocess(model, y).tolist()
        else:
            result["predictions"] = predict(model, raw).tolist()
    json.dump(result, sys.stdout)
    print()


if __name__ == "__main__":
    main(sys.argv)
