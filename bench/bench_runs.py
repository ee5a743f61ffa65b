"""Runs of shopd-bench for the cost scripts: each starts a shopd of its own, outside the
repository, so that no run reads its config/shopd.toml (an older binary would refuse the
settings it does not know)."""
import json
import os
import statistics
import subprocess
import sys
import tempfile


def run(bench, shopd, settings, duration, bench_args=()):
    """The result line of one shopd-bench --start run; `settings` are passed as --set."""
    command = [os.path.abspath(bench), "--start", "--shopd", os.path.abspath(shopd),
               "--connections", "32", "--duration", str(duration), *bench_args]
    command += [f"--shopd-arg=--set={setting}" for setting in settings]
    with tempfile.TemporaryDirectory(prefix="shopd-cost-") as directory:
        result = subprocess.run(command, capture_output=True, text=True, cwd=directory,
                                timeout=duration * 20 + 120)
    if result.returncode != 0:
        sys.exit(f"shopd-bench failed: {result.stderr[-2000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def announce(round_number, name, result):
    """One run's figures on stderr, as they come."""
    print(f"round {round_number + 1} {name}: {result['cpu_us_per_order']} µs/order, "
          f"{result['accepted_per_s']} orders/s", file=sys.stderr)


def cost_summary(figures, base):
    """Each arm's cpu_us_per_order runs and median, its median over the median of `base`, and
    its ratio to `base` round by round."""
    reference = statistics.median(figures[base])
    return {
        "cpu_us_per_order": {name: {"runs": runs, "median": statistics.median(runs)}
                             for name, runs in figures.items()},
        f"median_ratio_to_{base}": {name: round(statistics.median(runs) / reference, 3)
                                    for name, runs in figures.items()},
        f"pairwise_ratio_to_{base}": {
            name: [round(value / paired, 3) for value, paired in zip(runs, figures[base])]
            for name, runs in figures.items()},
    }
