"""PyTorch peer of SeisGrow's probe U-Net (src/ml/unet.ts): same layers, same batch; prints JSON timings.

Usage: python3 unet_torch.py [--threads N] [--networks 1|2] [--steps S] [--batch B] [--size HW] [--classes K]
"""
import argparse
import json
import resource
import statistics
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


def block(cin, cout):
    return nn.Sequential(
        nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True),
        nn.Conv2d(cout, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True))


class UNet(nn.Module):
    def __init__(self, cin=1, classes=6, depth=3, base=16):
        super().__init__()
        f = [base * 2 ** i for i in range(depth + 1)]
        self.enc = nn.ModuleList()
        c = cin
        for i in range(depth):
            self.enc.append(block(c, f[i]))
            c = f[i]
        self.bottleneck = block(c, f[depth])
        self.up = nn.ModuleList([nn.ConvTranspose2d(f[i + 1], f[i], 2, stride=2) for i in reversed(range(depth))])
        self.dec = nn.ModuleList([block(2 * f[i], f[i]) for i in reversed(range(depth))])
        self.head = nn.Conv2d(f[0], classes, 1)

    def forward(self, x):
        skips = []
        for b in self.enc:
            x = b(x)
            skips.append(x)
            x = F.max_pool2d(x, 2)
        x = self.bottleneck(x)
        for up, dec, skip in zip(self.up, self.dec, reversed(skips)):
            x = dec(torch.cat([up(x), skip], 1))
        return self.head(x)


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--threads', type=int, default=2)
    p.add_argument('--networks', type=int, default=1)
    p.add_argument('--steps', type=int, default=5)
    p.add_argument('--batch', type=int, default=8)
    p.add_argument('--size', type=int, default=128)
    p.add_argument('--classes', type=int, default=6)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    nets = [UNet(classes=a.classes) for _ in range(a.networks)]
    params = sum(t.numel() for t in nets[0].parameters()) + sum(b.numel() for m in nets[0].modules()
                                                               if isinstance(m, nn.BatchNorm2d) for b in (m.running_mean, m.running_var))
    opts = [torch.optim.Adam(n.parameters(), lr=1e-3) for n in nets]
    x = torch.randn(a.batch, 1, a.size, a.size)
    y = torch.randint(0, a.classes, (a.batch, a.size, a.size))

    def step():
        # CPS-shaped: every network trains on the labels (the pseudo-label term costs the same per network).
        for net, opt in zip(nets, opts):
            net.train()
            opt.zero_grad(set_to_none=True)
            loss = F.cross_entropy(net(x), y)
            loss.backward()
            opt.step()

    def infer():
        with torch.no_grad():
            for net in nets:
                net.eval()
                net(x).argmax(1)

    def timeit(fn, n):
        fn()  # warm-up
        walls, cpus = [], []
        for _ in range(n):
            t, c = time.perf_counter(), time.process_time()
            fn()
            walls.append((time.perf_counter() - t) * 1000)
            cpus.append((time.process_time() - c) * 1000)
        return min(walls), statistics.median(walls), statistics.median(cpus)

    step_best, step_median, step_cpu = timeit(step, a.steps)
    inf_best, inf_median, _ = timeit(infer, 3)
    print(json.dumps({
        'torch': torch.__version__, 'threads': a.threads, 'networks': a.networks, 'params': params,
        'stepMsBest': step_best, 'stepMsMedian': step_median, 'cpuMsPerStep': step_cpu,
        'inferMsBest': inf_best, 'inferMsMedian': inf_median,
        'peakRssMiB': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }))


if __name__ == '__main__':
    main()
