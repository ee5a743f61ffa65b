#!/usr/bin/env python3
"""Split mode against one process, on the same host in the same minutes: shopd-bench on one
shopd, then on two (order and notification in front, the rest behind) joined by librdkafka's
mock cluster, then on two with poison on the topics (commands of a version nobody reads,
retried and parked; events about orders nobody knows, parked at once).

    bench/split_mode.py [--build build/release] [--duration 20] [--poison 20]

The split runs go clean, poisoned, poisoned, clean, and each kind's figures are averaged.
Prints one JSON line: confirmed orders/s of each kind, the split/in-process ratio, and the
saga p50/p99 of each, with the growth of the p99 that the poison costs.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "e2e"))
from kafka_relay import MockCluster, new_id, produce, relay_flags, split_processes  # noqa: E402


def bench(build, duration, *args):
    result = subprocess.run([os.path.join(build, "bench", "shopd-bench"), "--duration",
                             str(duration), "--connections", "32", *args],
                            capture_output=True, text=True, timeout=duration * 20 + 300)
    if result.returncode != 0:
        sys.exit(f"shopd-bench {' '.join(args)}: {result.stderr.strip()}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def poison(mock, count):
    """Commands inventory cannot read and events about orders the order module never saw."""
    header = {"aggregate_type": "order", "causation_id": "",
              "traceparent": "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
              "occurred_at": "2026-01-01T00:00:00.000Z"}
    for index in range(count):
        order = f"o-poison-{index}"
        produce(mock.bootstrap, "shopd.order", order,
                dict(header, id=new_id(), type="inventory.reserve_stock", version="2",
                     correlation_id=order),
                json.dumps({"order_id": order, "lines": [{"sku": "X", "quantity": 1}]}))
        produce(mock.bootstrap, "shopd.inventory", order,
                dict(header, id=new_id(), type="inventory.stock_reserved", version="1",
                     correlation_id=order),
                json.dumps({"order_id": order, "currency": "EUR", "total_cents": 100,
                            "expires_at": "2026-01-01T00:15:00.000Z",
                            "lines": [{"sku": "X", "quantity": 1, "unit_price_cents": 100,
                                       "weight_grams": 1}]}))


def split_run(build, duration, workdir, poison_count):
    os.makedirs(workdir)
    mock = MockCluster(os.path.join(build, "tests", "shopd-kafka-mock"))
    try:
        args = argparse.Namespace(shopd=os.path.join(build, "shopd"))
        front, back = split_processes(args, workdir, mock)
        if poison_count:
            poison(mock, poison_count)
        figures = bench(build, duration, "--url", f"http://127.0.0.1:{front.port}",
                        "--catalog-url", f"http://127.0.0.1:{back.port}")
        letters = len(front.call("GET", "/api/admin/dead-letters")[1]["items"]) + \
            len(back.call("GET", "/api/admin/dead-letters")[1]["items"])
        front.stop()
        back.stop()
        return figures, letters
    finally:
        mock.close()


def mean_of(runs):
    """The figures of several runs of shopd-bench, averaged."""
    return {name: sum(run[name] for run in runs) / len(runs)
            for name in runs[0] if isinstance(runs[0][name], (int, float))}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--build", default="build/release")
    parser.add_argument("--duration", type=int, default=20)
    parser.add_argument("--poison", type=int, default=20, help="poison messages of each kind")
    options = parser.parse_args()
    one = bench(options.build, options.duration, "--start")
    # Clean, poisoned, poisoned, clean: a drift of the host over the minutes cancels out.
    runs = {"clean": [], "poisoned": []}
    with tempfile.TemporaryDirectory(prefix="shopd-split-bench-") as workdir:
        for index, kind in enumerate(["clean", "poisoned", "poisoned", "clean"]):
            runs[kind].append(split_run(options.build, options.duration,
                                        os.path.join(workdir, f"{index}-{kind}"),
                                        options.poison if kind == "poisoned" else 0))
    split = mean_of([figures for figures, _ in runs["clean"]])
    poisoned = mean_of([figures for figures, _ in runs["poisoned"]])
    parked = min(letters for _, letters in runs["poisoned"])
    print(json.dumps({
        "in_process_confirmed_per_s": one["confirmed_per_s"],
        "split_confirmed_per_s": round(split["confirmed_per_s"], 1),
        "split_ratio": round(split["confirmed_per_s"] / one["confirmed_per_s"], 3),
        "in_process_saga_p50_ms": one["saga_p50_ms"], "in_process_saga_p99_ms": one["saga_p99_ms"],
        "split_saga_p50_ms": round(split["saga_p50_ms"], 1),
        "split_saga_p99_ms": round(split["saga_p99_ms"], 1),
        "poisoned_accepted_per_s": round(poisoned["accepted_per_s"], 1),
        "poisoned_confirmed_per_s": round(poisoned["confirmed_per_s"], 1),
        "poisoned_saga_p99_ms": round(poisoned["saga_p99_ms"], 1),
        "poison_p99_growth_ms": round(poisoned["saga_p99_ms"] - split["saga_p99_ms"], 1),
        "poison_parked": parked, "errors": one["errors"] + sum(
            figures["errors"] for kind in runs.values() for figures, _ in kind)}))


if __name__ == "__main__":
    main()
