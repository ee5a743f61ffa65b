#!/usr/bin/env python3
"""What tracing and the access log cost per order: shopd-bench against shopd with tracing off,
with parentbased_traceidratio at 0.1 and at always_on (spans sent to a collector stand-in that
takes and counts them), and with the access log on, in turn, round after round in the same
minutes. --before PATH adds a shopd binary of before tracing existed as one more arm.

    bench/tracing_cost.py --bench build/release/bench/shopd-bench --shopd build/release/shopd
        [--before OLD_SHOPD] [--rounds 5] [--duration 10]

Prints one JSON line: each arm's cpu_us_per_order (every round and the median), its median
ratio to tracing off, and the spans the collector took.
"""
import argparse
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_runs import announce, cost_summary, run  # noqa: E402

# The collector stand-in of the tests.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "e2e"))
from otlp_collector import Collector  # noqa: E402


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bench", required=True)
    parser.add_argument("--shopd", required=True)
    parser.add_argument("--before", help="a shopd binary without tracing, as one more arm")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--duration", type=int, default=10)
    args = parser.parse_args()
    sink = Collector(keep=False)
    quiet = ["log.access=false"]
    exporting = quiet + [f"telemetry.otlp_endpoint={sink.url}"]
    arms = {
        "off": (args.shopd, quiet),
        "ratio_0.1": (args.shopd, exporting + ["telemetry.sampler=parentbased_traceidratio",
                                                "telemetry.sampler_arg=0.1"]),
        "always_on": (args.shopd, exporting + ["telemetry.sampler=parentbased_always_on"]),
        "access_log": (args.shopd, ["log.access=true"]),
    }
    if args.before:
        arms["before"] = (args.before, [])
    figures = {name: [] for name in arms}
    spans = {name: 0 for name in arms}
    for round_number in range(args.rounds):
        for name, (binary, settings) in arms.items():
            with sink.lock:
                before = sink.count
            result = run(args.bench, binary, settings, args.duration)
            figures[name].append(result["cpu_us_per_order"])
            with sink.lock:
                spans[name] += sink.count - before
            announce(round_number, name, result)
    print(json.dumps({"rounds": args.rounds, **cost_summary(figures, "off"), "spans_exported": spans}))


if __name__ == "__main__":
    main()
