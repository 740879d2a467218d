#!/usr/bin/python3
"""PyTorch reference for bench/run.ts: the same shapes, on 2 threads. Prints one JSON line.

Usage: /usr/bin/python3 bench/torch_reference.py SIZE BATCH STEPS
"""
import json
import resource
import sys
import time

import torch
import torchvision

torch.set_num_threads(2)
size, batch, steps = (int(a) for a in sys.argv[1:4])
model = torchvision.models.resnet18(num_classes=10)
x8 = torch.randn(batch, 3, size, size)
x1 = torch.randn(1, 3, size, size)
labels = torch.randint(0, 10, (batch,))


def timed(fn, repeats):
    fn()  # warm-up
    start = time.perf_counter()
    for _ in range(repeats):
        fn()
    return (time.perf_counter() - start) / repeats


model.eval()
with torch.no_grad():
    forward8 = timed(lambda: model(x8), steps) / batch
    forward1 = timed(lambda: model(x1), steps * 2)
model.train()
optimizer = torch.optim.Adam(model.parameters(), lr=5e-5)


def step():
    optimizer.zero_grad()
    torch.nn.functional.cross_entropy(model(x8), labels).backward()
    optimizer.step()


train = timed(step, steps) / batch
print(json.dumps({
    "engine": f"PyTorch {torch.__version__} CPU (2 threads)",
    "forwardBatch1Ms": forward1 * 1000,
    "forwardBatchMsPerImage": forward8 * 1000,
    "trainStepMsPerImage": train * 1000,
    "peakRssMb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
}))
