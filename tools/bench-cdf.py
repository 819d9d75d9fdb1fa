#!/usr/bin/python3
"""Draws the latency CDFs of tools/bench.sh as SVG, for docs/performance.md.

Usage: bench-cdf.py SAMPLES_DIR OUT_DIR

SAMPLES_DIR holds what the benchmarks wrote with IFPIN_BENCH_SAMPLES set (one file per figure:
"group|name" on the first line, then one sample in µs a line), in subdirectories "broker",
"broker-one-cpu" and "reconcile". Writes broker-cdf.svg, broker-one-cpu-cdf.svg and
reconcile-cdf.svg into OUT_DIR. Needs Debian's python3-matplotlib (tools/install-deps.sh): run
with /usr/bin/python3, not another python on PATH.
"""
import glob
import os
import sys

import matplotlib

matplotlib.use("svg")
matplotlib.rcParams["svg.hashsalt"] = "ifpin"  # the same figures draw the same file
matplotlib.rcParams["svg.fonttype"] = "none"  # text as text, not glyph outlines: a smaller file
import matplotlib.pyplot as plt  # noqa: E402

# (file, title, [(figure name prefix, legend)])
PLOTS = [
    ("broker", "broker-cdf.svg", "One socket per call, fresh connection, 1 client", [
        ("libifpin log=warning, 1 socket, 1 client(s)", "ifpind (log=warning)"),
        ("libifpin log=info, 1 socket, 1 client(s)", "ifpind (log=info)"),
        ("minimal broker, 1 socket, 1 client(s)", "minimal broker (the design's floor)"),
        ("baseline in-process socket+SO_BINDTODEVICE, 1 socket, 1 client(s)", "in-process socket + SO_BINDTODEVICE"),
    ]),
    ("broker-one-cpu", "broker-one-cpu-cdf.svg", "The same, client and ifpind on one CPU", [
        ("libifpin log=warning, 1 socket, 1 client(s)", "ifpind (log=warning)"),
        ("libifpin log=info, 1 socket, 1 client(s)", "ifpind (log=info)"),
        ("minimal broker, 1 socket, 1 client(s)", "minimal broker (the design's floor)"),
        ("baseline in-process socket+SO_BINDTODEVICE, 1 socket, 1 client(s)", "in-process socket + SO_BINDTODEVICE"),
    ]),
    ("reconcile", "reconcile-cdf.svg", "Reconcile: a change to the route seen restored", [
        ("IPv4 foreign default at wrong metric -> its DELROUTE", "IPv4 foreign default -> deleted"),
        ("IPv4 ifpind's route deleted -> its NEWROUTE", "IPv4 ifpind's route deleted -> back"),
        ("IPv6 foreign default at wrong metric -> its DELROUTE", "IPv6 foreign default -> deleted"),
        ("IPv6 ifpind's route deleted -> its NEWROUTE", "IPv6 ifpind's route deleted -> back"),
        ("baseline netlink round trip (add+ack, table 100)", "one netlink round trip (add + ACK)"),
    ]),
]


def load(directory):
    series = {}
    for path in glob.glob(os.path.join(directory, "*.txt")):
        with open(path) as f:
            header = f.readline().rstrip("\n")
            samples = sorted(float(line) for line in f if line.strip())
        series[header.split("|", 1)[1]] = samples
    return series


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    samples_dir, out_dir = sys.argv[1:]
    os.makedirs(out_dir, exist_ok=True)
    for sub, out, title, wanted in PLOTS:
        series = load(os.path.join(samples_dir, sub))
        if not series:
            continue
        fig, ax = plt.subplots(figsize=(8, 4.5))
        for name, legend in wanted:
            samples = series.get(name)
            if not samples:
                continue
            n = len(samples)
            # At most ~2,000 steps: the curve looks the same and the SVG stays small.
            stride = max(1, n // 2000)
            picked = list(range(0, n, stride)) + ([n - 1] if (n - 1) % stride else [])
            ax.step([samples[i] for i in picked], [(i + 1) / n for i in picked], where="post",
                    label=f"{legend} (n={n})")
        ax.set_xscale("log")
        ax.set_xlabel("latency (µs, log scale)")
        ax.set_ylabel("fraction of calls")
        ax.set_ylim(0, 1)
        ax.grid(True, which="both", alpha=0.3)
        ax.set_title(title)
        ax.legend(loc="lower right", fontsize="small")
        fig.tight_layout()
        # No date or random ids in the file: the same figures draw the same SVG.
        fig.savefig(os.path.join(out_dir, out), metadata={"Date": None})
        plt.close(fig)
        print(f"bench-cdf: wrote {os.path.join(out_dir, out)}")


if __name__ == "__main__":
    main()
