"""PyTorch figures for bench/run.ts: ResNet-18 at the bench's shapes, on 2 threads. Prints one JSON line.

Usage: PYTHON bench/torch_bench.py SIZE BATCH STEPS eager|channels_last [cpu|cuda]

Runs on any torch (Debian's 1.13, pip's 2.x, a CUDA build); torchvision is not needed: the network below is
torchvision's resnet18 layer for layer. Where torchvision is installed, its weights are loaded into ours and the
outputs compared, so a drift from its architecture fails loudly instead of skewing the reference.
"""
import json
import resource
import sys
import time

import torch
from torch import nn


class BasicBlock(nn.Module):
    def __init__(self, inplanes, planes, stride=1):
        super().__init__()
        self.conv1 = nn.Conv2d(inplanes, planes, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(planes, planes, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.downsample = None
        if stride != 1 or inplanes != planes:
            self.downsample = nn.Sequential(
                nn.Conv2d(inplanes, planes, 1, stride, bias=False), nn.BatchNorm2d(planes)
            )

    def forward(self, x):
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return self.relu(out + identity)


class ResNet18(nn.Module):
    """torchvision.models.resnet18: same module names (its state_dict loads as is) and initialisation."""

    def __init__(self, num_classes=1000):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 64, 7, 2, 3, bias=False)
        self.bn1 = nn.BatchNorm2d(64)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(3, 2, 1)
        self.layer1 = nn.Sequential(BasicBlock(64, 64), BasicBlock(64, 64))
        self.layer2 = nn.Sequential(BasicBlock(64, 128, 2), BasicBlock(128, 128))
        self.layer3 = nn.Sequential(BasicBlock(128, 256, 2), BasicBlock(256, 256))
        self.layer4 = nn.Sequential(BasicBlock(256, 512, 2), BasicBlock(512, 512))
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(512, num_classes)
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
            elif isinstance(m, nn.BatchNorm2d):
                nn.init.constant_(m.weight, 1)
                nn.init.constant_(m.bias, 0)

    def forward(self, x):
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        return self.fc(torch.flatten(self.avgpool(x), 1))


def checked_against_torchvision():
    try:
        import torchvision
    except ImportError:
        return None
    reference = torchvision.models.resnet18(num_classes=10).eval()
    ours = ResNet18(num_classes=10).eval()
    ours.load_state_dict(reference.state_dict(), strict=True)
    x = torch.randn(2, 3, 64, 64)
    with torch.no_grad():
        if not torch.allclose(ours(x), reference(x), rtol=1e-4, atol=1e-5):
            raise SystemExit("bench ResNet18 differs from torchvision.models.resnet18")
    return torchvision.__version__


def main():
    size, batch, steps = (int(a) for a in sys.argv[1:4])
    layout = sys.argv[4]
    device = torch.device(sys.argv[5] if len(sys.argv) > 5 else "cpu")
    torch.set_num_threads(2)
    torchvision_version = checked_against_torchvision()
    memory_format = torch.channels_last if layout == "channels_last" else torch.contiguous_format
    model = ResNet18(num_classes=10).to(device=device, memory_format=memory_format)
    x8 = torch.randn(batch, 3, size, size, device=device).to(memory_format=memory_format)
    x1 = torch.randn(1, 3, size, size, device=device).to(memory_format=memory_format)
    labels = torch.randint(0, 10, (batch,), device=device)

    def sync():
        if device.type == "cuda":
            torch.cuda.synchronize()

    def timed(fn, repeats):
        fn()  # warm-up: allocator, oneDNN primitive caches, cuDNN autotuning
        sync()
        start = time.perf_counter()
        for _ in range(repeats):
            fn()
        sync()
        return (time.perf_counter() - start) / repeats

    model.eval()
    with torch.no_grad():
        forward8 = timed(lambda: model(x8), steps) / batch
        forward1 = timed(lambda: model(x1), steps * 2)
    model.train()
    optimizer = torch.optim.Adam(model.parameters(), lr=5e-5)

    def step():
        optimizer.zero_grad()
        nn.functional.cross_entropy(model(x8), labels).backward()
        optimizer.step()

    train = timed(step, steps) / batch
    print(
        json.dumps(
            {
                "engine": f"PyTorch {torch.__version__} {device.type} {layout}",
                "forwardBatch1Ms": forward1 * 1000,
                "forwardBatchMsPerImage": forward8 * 1000,
                "trainStepMsPerImage": train * 1000,
                # The whole process at its peak: interpreter, model, Adam state, batch-8 activations.
                "peakRssMb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                "torchvisionChecked": torchvision_version,
            }
        )
    )


if __name__ == "__main__":
    main()
