#!/usr/bin/python3
"""The character-level language model of issue 12 in PyTorch (CPU, 2 threads), for a side-by-side time:
Embedding(V, 32) -> GRU(128) -> Linear(128, V) on every step, Adam 1e-3, batch 64, the lines of a text file encoded
as nabla does (boundary token 0 first in every input and last in every target, padding left out of the loss),
a seeded random 20 % of the lines held out. usage: char_lm.py WORDS.txt EPOCHS
Prints one JSON line: seconds (training loop only), held-out bits per character."""
import json, math, sys, time
import numpy as np
import torch, torch.nn as nn

path, epochs = sys.argv[1], int(sys.argv[2])
lines = [l.rstrip('\r\n') for l in open(path, encoding='utf-8')]
lines = [l for l in lines if l]
chars = sorted(set(''.join(lines)))
ids = {c: i + 1 for i, c in enumerate(chars)}
V, T = len(chars) + 1, max(map(len, lines)) + 1
x = np.zeros((len(lines), T), np.int64); y = np.full((len(lines), T), -1, np.int64)
for r, l in enumerate(lines):
    x[r, 1:len(l) + 1] = [ids[c] for c in l]
    y[r, :len(l)] = [ids[c] for c in l]; y[r, len(l)] = 0
order = np.random.default_rng(0).permutation(len(lines)); cut = int(round(len(lines) * 0.2))
test, train = order[:cut], order[cut:]

class Model(nn.Module):
    def __init__(self):
        super().__init__(); self.embedding = nn.Embedding(V, 32); self.gru = nn.GRU(32, 128, batch_first=True); self.out = nn.Linear(128, V)
    def forward(self, x):
        h, _ = self.gru(self.embedding(x)); return self.out(h)

torch.set_num_threads(2); torch.manual_seed(0)
model = Model(); opt = torch.optim.Adam(model.parameters(), lr=1e-3); lossf = nn.CrossEntropyLoss(ignore_index=-1)
X, Y = torch.from_numpy(x[train]), torch.from_numpy(y[train])
t = time.perf_counter()
for _ in range(epochs):
    perm = torch.randperm(len(X))
    for i in range(0, len(X), 64):
        j = perm[i:i + 64]; opt.zero_grad(); lossf(model(X[j]).reshape(-1, V), Y[j].reshape(-1)).backward(); opt.step()
secs = time.perf_counter() - t
with torch.no_grad():
    logits = model(torch.from_numpy(x[test])).reshape(-1, V); target = torch.from_numpy(y[test]).reshape(-1)
    nats = nn.functional.cross_entropy(logits, target, ignore_index=-1, reduction='sum').item(); count = int((target >= 0).sum())
print(json.dumps({'reference': 'pytorch char-lm', 'epochs': epochs, 'batch': 64, 'train_lines': len(train), 'seconds': round(secs, 2),
                  'test_bits_per_char': round(nats / count / math.log(2), 4)}))
