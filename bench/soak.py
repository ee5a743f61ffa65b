#!/usr/bin/env python3
"""A long run at an even rate: does shopd's memory or disk keep growing when its messages are
forgotten after a minute? Starts shopd with the five saga modules, the access log off and
storage.message_retention_ms of one minute on a data directory of its own, finds its maximum
rate with a short shopd-bench run first (unless --rate is given), then offers half of it for
--minutes while sampling shopd's resident memory and the bytes of its data directory.

    bench/soak.py --bench build/release/bench/shopd-bench --shopd build/release/shopd
        [--minutes 30] [--rate ORDERS_PER_S] [--warm-up-minutes 5]

Prints one JSON line: the rate offered and accepted, the memory and disk at the end of the
warm-up and at the end, their least-squares slopes after the warm-up (MiB per minute), the disk
bytes each order added after the warm-up, and shopd-bench's own line for the soak.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_runs import run  # noqa: E402

MODULES = "inventory,order,payment,shipping,notification"
SETTINGS = ["log.access=false", "storage.message_retention_ms=60000"]
SAMPLE_EVERY_S = 10


def resident_bytes(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("no VmRSS")


def directory_bytes(path):
    return sum(os.path.getsize(os.path.join(root, name))
               for root, _, names in os.walk(path) for name in names)


def slope_per_minute(samples):
    """The least-squares slope of (seconds, value) pairs, in value per minute."""
    seconds, values = zip(*samples)
    return 60 * statistics.linear_regression(seconds, values).slope


def placed_orders(url):
    with urllib.request.urlopen(url + "/metrics", timeout=10) as answer:
        for line in answer.read().decode().splitlines():
            if line.startswith("shopd_orders_placed_total "):
                return float(line.split()[-1])
    return 0.0


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bench", required=True)
    parser.add_argument("--shopd", required=True)
    parser.add_argument("--minutes", type=float, default=30)
    parser.add_argument("--warm-up-minutes", type=float, default=5)
    parser.add_argument("--rate", type=float, help="orders/s to offer (default: half the maximum)")
    args = parser.parse_args()
    if args.warm_up_minutes >= args.minutes:
        sys.exit("--warm-up-minutes must be shorter than --minutes")

    maximum = None
    rate = args.rate
    if rate is None:
        print("soak: measuring the maximum rate", file=sys.stderr)
        maximum = run(args.bench, args.shopd, SETTINGS, 10,
                      (f"--shopd-arg=--modules={MODULES}",))["accepted_per_s"]
        rate = maximum / 2

    with tempfile.TemporaryDirectory(prefix="shopd-soak-") as directory:
        data = os.path.join(directory, "data")
        shopd = subprocess.Popen(
            [os.path.abspath(args.shopd), "--listen", "127.0.0.1:0", "--data-dir", data,
             "--modules", MODULES, "--log-level", "warn",
             *[f"--set={setting}" for setting in SETTINGS]],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, cwd=directory)
        try:
            url = json.loads(shopd.stdout.readline())["url"]
            seconds = int(args.minutes * 60)
            print(f"soak: offering {rate:.0f} orders/s for {seconds} s to {url}", file=sys.stderr)
            bench = subprocess.Popen(
                [os.path.abspath(args.bench), "--url", url, "--rate", f"{rate:.1f}",
                 "--duration", str(seconds), "--connections", "32"],
                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, cwd=directory)
            samples = []  # (seconds since the start, resident bytes, data bytes, orders placed)
            started = time.monotonic()
            finished = threading.Event()
            threading.Thread(target=lambda: (bench.wait(), finished.set()), daemon=True).start()
            while not finished.wait(SAMPLE_EVERY_S):
                elapsed = time.monotonic() - started
                if elapsed > seconds:
                    continue  # the accepted orders are settling: not the soak any more
                samples.append((elapsed, resident_bytes(shopd.pid), directory_bytes(data),
                                placed_orders(url)))
            result = bench.stdout.read()
            if bench.returncode != 0:
                sys.exit(f"shopd-bench failed with {bench.returncode}")
        finally:
            shopd.terminate()
            shopd.wait()

    warm = [sample for sample in samples if sample[0] >= args.warm_up_minutes * 60]
    first, last = warm[0], warm[-1]
    mb = 1024 * 1024
    print(json.dumps({
        "bench": "soak",
        "minutes": args.minutes,
        "warm_up_minutes": args.warm_up_minutes,
        "maximum_per_s": maximum,
        "rate": round(rate, 1),
        "samples": len(warm),
        "rss_mb_after_warm_up": round(first[1] / mb, 1),
        "rss_mb_at_end": round(last[1] / mb, 1),
        "rss_mb_per_minute": round(slope_per_minute([(t, r / mb) for t, r, _, _ in warm]), 3),
        "disk_mb_after_warm_up": round(first[2] / mb, 1),
        "disk_mb_at_end": round(last[2] / mb, 1),
        "disk_mb_per_minute": round(slope_per_minute([(t, d / mb) for t, _, d, _ in warm]), 2),
        "disk_bytes_per_order_after_warm_up":
            round((last[2] - first[2]) / max(1.0, last[3] - first[3])),
        "shopd_bench": json.loads(result.strip().splitlines()[-1]),
    }))


if __name__ == "__main__":
    main()
