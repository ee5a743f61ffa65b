#!/usr/bin/env python3
"""What an order costs and what each optional part adds: shopd-bench against shopd with the five
saga modules and the access log off ("saga"), then with analytics hosted as well, with an API
key checked on every request (auth), with the audit off, and with the access log on, in turn,
round after round in the same minutes. --before PATH adds an older shopd binary, run with its
own defaults, as one more arm: the reference the saga arm is compared with.

    bench/order_cost.py --bench build/release/bench/shopd-bench --shopd build/release/shopd
        [--before OLD_SHOPD] [--rounds 3] [--duration 10]

Prints one JSON line: per arm cpu_us_per_order (every round and the median) and its median and
round-by-round ratios to the saga arm; for the saga arm also sqlite_changes_per_order, accepted
orders/s over the /healthz ceiling and accept p99 over p50, round by round.
"""
import argparse
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_runs import announce, cost_summary, run  # noqa: E402

SAGA = "--shopd-arg=--modules=inventory,order,payment,shipping,notification"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bench", required=True)
    parser.add_argument("--shopd", required=True)
    parser.add_argument("--before", help="an older shopd binary, run with its defaults")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=int, default=10)
    args = parser.parse_args()
    quiet = ["log.access=false"]
    arms = {
        "saga": (args.shopd, quiet, (SAGA,)),
        "analytics": (args.shopd, quiet, ()),  # the default modules: the five and analytics
        "auth_key": (args.shopd, quiet, (SAGA, "--start-with-key")),
        "audit_off": (args.shopd, quiet + ["auth.audit=false"], (SAGA,)),
        "access_log": (args.shopd, ["log.access=true"], (SAGA,)),
    }
    if args.before:
        arms["before"] = (args.before, [], ())
    figures = {name: [] for name in arms}
    saga = {"sqlite_changes_per_order": [], "accepted_ratio": [], "accept_p99_over_p50": []}
    for round_number in range(args.rounds):
        for name, (binary, settings, bench_args) in arms.items():
            result = run(args.bench, binary, settings, args.duration, bench_args)
            figures[name].append(result["cpu_us_per_order"])
            if name == "saga":
                saga["sqlite_changes_per_order"].append(result["sqlite_changes_per_order"])
                saga["accepted_ratio"].append(result["accepted_ratio"])
                saga["accept_p99_over_p50"].append(
                    round(result["accept_p99_ms"] / result["accept_p50_ms"], 2))
            announce(round_number, name, result)
    print(json.dumps({"rounds": args.rounds, **cost_summary(figures, "saga"), "saga": saga}))


if __name__ == "__main__":
    main()
