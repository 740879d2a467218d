"""PyTorch 2.x reference for bench/native-vs-torch.ts: ResNet-18 (defined here: no torchvision needed), channels_last,
eager, 2 threads, 10 classes. Prints one JSON line of ms/image.

Usage: /work/torch-venv/bin/python bench/torch_channels_last.py SIZE BATCH STEPS
"""
import json
import sys
import time

import torch
from torch import nn

torch.set_num_threads(2)
size, batch, steps = (int(a) for a in sys.argv[1:4])


class Block(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = None
        if stride != 1 or cin != cout:
            self.downsample = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        return self.relu(self.bn2(self.conv2(out)) + identity)


class ResNet18(nn.Module):
    def __init__(self, classes):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 64, 7, 2, 3, bias=False)
        self.bn1 = nn.BatchNorm2d(64)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(3, 2, 1)
        layers, cin = [], 64
        for cout, stride in ((64, 1), (128, 2), (256, 2), (512, 2)):
            layers.append(nn.Sequential(Block(cin, cout, stride), Block(cout, cout, 1)))
            cin = cout
        self.layers = nn.Sequential(*layers)
        self.fc = nn.Linear(512, classes)

    def forward(self, x):
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.layers(x)
        return self.fc(torch.flatten(nn.functional.adaptive_avg_pool2d(x, 1), 1))


model = ResNet18(10).to(memory_format=torch.channels_last)
x = torch.randn(batch, 3, size, size).to(memory_format=torch.channels_last)
labels = torch.randint(0, 10, (batch,))


def timed(fn, repeats):
    fn()  # warm-up
    start = time.perf_counter()
    for _ in range(repeats):
        fn()
    return (time.perf_counter() - start) / repeats


model.eval()
with torch.no_grad():
    forward = timed(lambda: model(x), steps) / batch
model.train()
optimizer = torch.optim.Adam(model.parameters(), lr=5e-5)


def step():
    optimizer.zero_grad()
    nn.functional.cross_entropy(model(x), labels).backward()
    optimizer.step()


train = timed(step, steps) / batch
print(json.dumps({
    "engine": f"PyTorch {torch.__version__} CPU channels_last (2 threads)",
    "forwardMsPerImage": forward * 1000,
    "trainStepMsPerImage": train * 1000,
}))
