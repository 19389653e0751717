"""Nabla's defaults against scikit-learn's on small public tables, on the same splits.

For each dataset and seed: a stratified (classification) 75/25 split by scikit-learn's train_test_split, written as
train.csv and test.csv; scikit-learn fits its default pipeline (median imputation + standard scaling for numbers,
most-frequent imputation + one-hot for text, then MLPClassifier() / MLPRegressor(); for regression also Ridge(), the
linear baseline) on train.csv; Nabla trains with `nabla train --data train.csv --target y --test-split 0` (its
defaults: --epochs auto, --batch-size auto) and is scored on test.csv by `nabla evaluate`. Fit times are the fit alone
(scikit-learn's fit(); Nabla's train_seconds), measured in the same run, one after the other.

usage: python3 sklearn_tabular.py NABLA_COMMAND [--seeds 3] [--only NAME] [--nabla-args "..."]
"""
import argparse, csv, json, os, shlex, subprocess, sys, tempfile, time, warnings

import numpy as np
from sklearn import datasets
from sklearn.compose import ColumnTransformer
from sklearn.exceptions import ConvergenceWarning
from sklearn.impute import SimpleImputer
from sklearn.linear_model import Ridge
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

HERE = os.path.dirname(os.path.abspath(__file__))
SHARED = os.path.normpath(os.path.join(HERE, "..", "..", "..", "shared", "datasets", "tabular"))
MISSING = {"", "NA", "N/A", "NaN", "nan", "?", "null", "NULL"}


def read_csv(path, target):
    rows = list(csv.reader(open(path, newline="")))
    header, body = rows[0], rows[1:]
    t = header.index(target)
    body = [r for r in body if r[t].strip() not in MISSING]
    names = [h for j, h in enumerate(header) if j != t]
    x = [[r[j].strip() for j in range(len(header)) if j != t] for r in body]
    y = [r[t].strip() for r in body]
    return names, x, y


def sklearn_set(loader):
    d = loader()
    names = [f"f{j}" for j in range(d.data.shape[1])]
    x = [[repr(float(v)) for v in row] for row in d.data]
    y = [str(v) for v in d.target]
    return names, x, y


def load(name):
    if name == "penguins":
        return (*read_csv(os.path.join(SHARED, "penguins.csv"), "species"), "classification")
    if name == "ames":
        return (*read_csv(os.path.join(SHARED, "ames-housing.csv"), "Sale_Price"), "regression")
    loaders = {"iris": datasets.load_iris, "wine": datasets.load_wine, "breast_cancer": datasets.load_breast_cancer,
               "digits": datasets.load_digits, "diabetes": datasets.load_diabetes}
    return (*sklearn_set(loaders[name]), "regression" if name == "diabetes" else "classification")


def is_number(text):
    try:
        float(text)
        return True
    except ValueError:
        return False


def to_matrix(x):
    """Object matrix: numbers as float (NaN when missing), text as str (None when missing)."""
    columns = list(zip(*x))
    numeric = [all(c in MISSING or is_number(c) for c in col) for col in columns]
    m = np.empty((len(x), len(columns)), dtype=object)
    for j, col in enumerate(columns):
        for i, c in enumerate(col):
            m[i, j] = (np.nan if c in MISSING else float(c)) if numeric[j] else (np.nan if c in MISSING else c)
    return m, [j for j in range(len(columns)) if numeric[j]], [j for j in range(len(columns)) if not numeric[j]]


def pipeline(num, cat, model):
    parts = [("num", make_pipeline(SimpleImputer(strategy="median"), StandardScaler()), num)]
    if cat:
        parts.append(("cat", make_pipeline(SimpleImputer(strategy="most_frequent"), OneHotEncoder(handle_unknown="ignore")), cat))
    return make_pipeline(ColumnTransformer(parts), model)


def write(path, names, x, y):
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(names + ["y"])
        for row, target in zip(x, y):
            w.writerow(list(row) + [target])


def run_nabla(nabla, folder, task, extra):
    model = os.path.join(folder, "model.nabla")
    command = nabla + ["train", "--data", os.path.join(folder, "train.csv"), "--target", "y", "--test-split", "0",
                       "--out", model, "--json", "--quiet"] + extra
    started = time.perf_counter()
    out = subprocess.run(command, capture_output=True, text=True)
    wall = time.perf_counter() - started
    if out.returncode != 0:
        raise SystemExit(f"nabla train failed: {out.stderr.strip()}")
    report = json.loads(out.stdout)
    ev = subprocess.run(nabla + ["evaluate", "--model", model, "--data", os.path.join(folder, "test.csv"), "--json"], capture_output=True, text=True)
    if ev.returncode != 0:
        raise SystemExit(f"nabla evaluate failed: {ev.stderr.strip()}")
    scores = json.loads(ev.stdout)
    return (scores["r2"] if task == "regression" else scores["accuracy"]), report["train_seconds"], wall, report["epochs"]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("nabla", help="the nabla command, e.g. 'dotnet src/Nabla.Cli/bin/Release/net10.0/Nabla.Cli.dll'")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--only", default=None)
    parser.add_argument("--nabla-args", default="")
    args = parser.parse_args()
    nabla, extra = shlex.split(args.nabla), shlex.split(args.nabla_args)
    names = ["penguins", "iris", "wine", "breast_cancer", "digits", "diabetes", "ames"]
    if args.only:
        names = args.only.split(",")
    warnings.filterwarnings("ignore", category=ConvergenceWarning)
    print("| dataset | rows × features | task | seed | scikit-learn MLP | Nabla | ridge | sklearn fit s | Nabla fit s | Nabla wall s | Nabla epochs |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    summary = {}
    for name in names:
        columns, x, y, task = load(name)
        for seed in range(args.seeds):
            stratify = y if task == "classification" else None
            xtr, xte, ytr, yte = train_test_split(x, y, test_size=0.25, random_state=seed, stratify=stratify)
            with tempfile.TemporaryDirectory() as folder:
                write(os.path.join(folder, "train.csv"), columns, xtr, ytr)
                write(os.path.join(folder, "test.csv"), columns, xte, yte)
                m, num, cat = to_matrix(xtr + xte)
                mtr, mte = m[:len(xtr)], m[len(xtr):]
                if task == "classification":
                    model = pipeline(num, cat, MLPClassifier(random_state=seed))
                    started = time.perf_counter()
                    model.fit(mtr, ytr)
                    fit = time.perf_counter() - started
                    ours = model.score(mte, yte)
                    ridge = float("nan")
                else:
                    ytr_f, yte_f = np.array(ytr, float), np.array(yte, float)
                    model = pipeline(num, cat, MLPRegressor(random_state=seed))
                    started = time.perf_counter()
                    model.fit(mtr, ytr_f)
                    fit = time.perf_counter() - started
                    ours = model.score(mte, yte_f)
                    ridge = pipeline(num, cat, Ridge()).fit(mtr, ytr_f).score(mte, yte_f)
                score, seconds, wall, epochs = run_nabla(nabla, folder, task, extra)
            summary.setdefault(name, []).append((ours, score, ridge, fit, seconds))
            print(f"| {name} | {len(x)} × {len(columns)} | {task} | {seed} | {ours:.4f} | {score:.4f} | {'' if task == 'classification' else f'{ridge:.4f}'} | {fit:.2f} | {seconds:.2f} | {wall:.2f} | {epochs} |", flush=True)
    print()
    print("| dataset | scikit-learn MLP (mean) | Nabla (mean) | ridge (mean) | sklearn fit s (sum) | Nabla fit s (sum) |")
    print("| --- | --- | --- | --- | --- | --- |")
    for name, runs in summary.items():
        a = np.array(runs, float)
        print(f"| {name} | {a[:, 0].mean():.4f} | {a[:, 1].mean():.4f} | {'' if np.isnan(a[:, 2]).all() else f'{a[:, 2].mean():.4f}'} | {a[:, 3].sum():.2f} | {a[:, 4].sum():.2f} |")


if __name__ == "__main__":
    main()
