#!/usr/bin/env python3
"""What a test suite that uses shopd waits for: start to ready file, a reset, a snapshot
restore on a shop of 100 products and 1,000 orders, and a suite of 200 small tests that resets
between them. Prints one JSON line.

    python3 bench/test_kit.py build/release/shopd [--starts 20] [--resets 50] [--tests 200]
"""
import argparse
import http.client
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time


def start(shopd, ready_file, extra=("--test-mode",)):
    """Starts shopd in test mode in memory; returns (process, port, ms to the ready file)."""
    if os.path.exists(ready_file):
        os.unlink(ready_file)
    began = time.perf_counter()
    process = subprocess.Popen(
        [shopd, "--memory", "--listen", "127.0.0.1:0", "--ready-file", ready_file,
         "--log-level", "warn", *extra],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    # The file appears whole (renamed into place) once shopd serves.
    while not os.path.exists(ready_file):
        if process.poll() is not None:
            sys.exit(f"shopd exited with {process.returncode} before it was ready")
        time.sleep(0.0002)
    elapsed_ms = (time.perf_counter() - began) * 1000
    with open(ready_file) as ready:
        port = json.load(ready)["port"]
    return process, port, elapsed_ms


def stop(process):
    process.terminate()
    process.wait(timeout=30)


class Client:
    def __init__(self, port):
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

    def call(self, method, path, body=None):
        headers = {"Content-Type": "application/json"} if body is not None else {}
        payload = json.dumps(body) if body is not None else None
        self.connection.request(method, path, body=payload, headers=headers)
        response = self.connection.getresponse()
        data = response.read()
        return response.status, (json.loads(data) if data else None)

    def must(self, method, path, body=None, status=200):
        got, answer = self.call(method, path, body)
        if got != status:
            sys.exit(f"{method} {path}: expected {status}, got {got}: {answer}")
        return answer

    def timed(self, method, path, body=None, status=200):
        began = time.perf_counter()
        self.must(method, path, body, status)
        return (time.perf_counter() - began) * 1000


def order(sku, quantity=1):
    return {"customer_id": "bench", "items": [{"sku": sku, "quantity": quantity}],
            "shipping_address": {"name": "Ada Lovelace", "line1": "12 St James's Square",
                                 "city": "London", "postal_code": "SW1Y 4JH", "country": "GB"},
            "payment_token": "tok_ok"}


def product(sku, stock):
    return {"sku": sku, "name": "Product " + sku, "price_cents": 1250, "currency": "EUR",
            "stock": stock, "weight_grams": 250}


def fill(client, products, orders):
    for i in range(products):
        client.must("POST", "/api/products", product(f"SKU-{i}", 1_000_000), status=201)
    client.must("GET", "/api/test/idle?timeout_ms=60000")
    for i in range(orders):
        client.must("POST", "/api/orders", order(f"SKU-{i % products}"), status=202)
    client.must("GET", "/api/test/idle?timeout_ms=60000")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("shopd")
    parser.add_argument("--starts", type=int, default=20)
    parser.add_argument("--resets", type=int, default=50)
    parser.add_argument("--tests", type=int, default=200)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as directory:
        ready_file = os.path.join(directory, "ready.json")
        starts, plain_starts = [], []
        for _ in range(args.starts):
            process, _, elapsed = start(args.shopd, ready_file)
            starts.append(elapsed)
            stop(process)
            process, _, elapsed = start(args.shopd, ready_file, ())
            plain_starts.append(elapsed)
            stop(process)

        process, port, _ = start(args.shopd, ready_file)
        try:
            client = Client(port)
            fill(client, 100, 1000)
            client.must("POST", "/api/test/snapshots", {"name": "full"}, status=201)
            resets, restores = [], []
            for _ in range(args.resets):
                restores.append(client.timed("POST", "/api/test/reset", {"snapshot": "full"},
                                             status=204))
                resets.append(client.timed("POST", "/api/test/reset", status=204))
            # A small test each: reset, a product, an order, wait until idle, read it confirmed.
            began = time.perf_counter()
            for test in range(args.tests):
                client.must("POST", "/api/test/reset", status=204)
                client.must("POST", "/api/products", product("MUG", 5), status=201)
                client.must("GET", "/api/test/idle")  # the order module learns of it by message
                placed = client.must("POST", "/api/orders", order("MUG"), status=202)
                client.must("GET", "/api/test/idle")
                status = client.must("GET", "/api/orders/" + placed["id"])["status"]
                if status != "confirmed":
                    sys.exit(f"test {test}: the order is {status}")
            suite_s = time.perf_counter() - began
        finally:
            stop(process)

    print(json.dumps({
        "bench": "test_kit",
        "start_to_ready_p50_ms": round(statistics.median(starts), 1),
        "start_to_ready_max_ms": round(max(starts), 1),
        "start_to_ready_without_test_mode_p50_ms": round(statistics.median(plain_starts), 1),
        "reset_p50_ms": round(statistics.median(resets), 2),
        "reset_max_ms": round(max(resets), 2),
        "restore_1000_orders_p50_ms": round(statistics.median(restores), 2),
        "restore_1000_orders_max_ms": round(max(restores), 2),
        "suite_tests": args.tests,
        "suite_s": round(suite_s, 2),
    }))


if __name__ == "__main__":
    main()
