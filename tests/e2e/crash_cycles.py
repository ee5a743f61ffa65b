#!/usr/bin/env python3
"""Kills shopd with SIGKILL at random moments while orders stream in, restarts it on the same
data directory, and after the last cycle checks through the API alone that nothing accepted was
lost, no stock was invented or leaked, nobody was charged twice and nothing is left stuck.
With --signal term it stops shopd gracefully instead, and also checks that shopd exited 0 and
that no request it had started reading went unanswered.

    crash_cycles.py PATH/TO/shopd [--cycles N] [--durability normal|full] [--signal kill|term]
                    [--seed S]

Prints one line of figures and exits 0 when every invariant holds.
"""
import argparse
import atexit
import collections
import http.client
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

SKUS = {"MUG": 1250, "TEA": 499, "HAT": 2999, "PEN": 150, "RARE": 9999}
# Enough stock for the cycles' orders to be mostly served, but RARE soon runs out.
STOCK_PER_CYCLE = 150
RARE_STOCK = 5
TOKENS = ["tok_ok"] * 6 + ["tok_decline", "tok_error", "tok_error"]
SETTLED = {"confirmed", "shipped", "delivered", "cancelled"}



class Shop:
    def __init__(self, binary, data_dir, durability):
        self.binary, self.data_dir, self.durability = binary, data_dir, durability
        self.process = None
        self.port = None

    def start(self):
        self.log = open(os.path.join(os.path.dirname(self.data_dir), "shopd.log"), "ab")
        self.process = subprocess.Popen(
            [self.binary, "--listen", "127.0.0.1:0", "--data-dir", self.data_dir,
             "--log-level", "warn", "--set", f"storage.durability={self.durability}",
             # Quick retries, and enough of them to outlast restarts: the simulated provider
             # forgets tok_error's failures when shopd restarts, so they start over.
             "--set", "order.step_timeout_ms=3000", "--set", "delivery.retry_base_ms=20",
             "--set", "delivery.retry_cap_ms=200", "--set", "delivery.max_attempts=40"],
            stdout=subprocess.PIPE, stderr=self.log)
        # shopd prints one line on stdout once ready; the read waits for it, or for its end.
        ready = self.process.stdout.readline()
        if not ready:
            sys.exit(f"FAIL: shopd exited with {self.process.wait()} during start-up")
        self.port = json.loads(ready)["port"]

    def abandon(self):
        """Leaves no shopd behind when the script ends early."""
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait()

    def kill(self):
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()
        self.log.close()

    def stop(self):
        self.process.send_signal(signal.SIGTERM)
        if self.process.wait(timeout=30) != 0:
            sys.exit(f"FAIL: shopd exited {self.process.returncode} after SIGTERM")
        self.log.close()

    def call(self, method, path, body=None, key=None):
        headers = {"Content-Type": "application/json"} if body is not None else {}
        if key:
            headers["Idempotency-Key"] = key
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.port}{path}", method=method, headers=headers,
            data=None if body is None else json.dumps(body).encode())
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, json.loads(response.read() or b"null")
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"null")

    def until_answered(self, method, path, body, key):
        """Repeats an idempotent request across restarts until it gets an answer."""
        while True:
            try:
                return self.call(method, path, body, key)
            except OSError:
                time.sleep(0.05)

    def all_pages(self, path):
        items, cursor = [], None
        while True:
            page = self.call("GET", f"{path}{'&' if '?' in path else '?'}limit=200" +
                             (f"&cursor={cursor}" if cursor else ""))[1]
            items += page["items"]
            cursor = page["next_cursor"]
            if not cursor:
                return items


def customer_traffic(shop, rng, stop, accepted, lock, dropped):
    address = {"name": "A", "line1": "1 Road", "city": "Town", "postal_code": "1",
               "country": "DE"}
    while not stop.is_set():
        lines = [{"sku": sku, "quantity": rng.choice([1, 1, 2, 3])}
                 for sku in rng.sample(sorted(SKUS), rng.randint(1, 2))]
        body = {"customer_id": f"c{rng.randint(1, 20)}", "items": lines,
                "shipping_address": address, "payment_token": rng.choice(TOKENS)}
        try:
            status, answer = shop.call("POST", "/api/orders", body)
            if status == 202:
                with lock:
                    accepted[answer["id"]] = lines
                if rng.random() < 0.2:
                    time.sleep(rng.random() * 0.05)
                    shop.call("POST", f"/api/orders/{answer['id']}/cancel")
        except (ConnectionResetError, http.client.RemoteDisconnected) as error:
            with lock:
                dropped.append(repr(error))  # the request reached shopd, no answer came
            time.sleep(0.01)
        except OSError:
            time.sleep(0.01)  # shopd is down: wait for the restart


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("shopd")
    parser.add_argument("--cycles", type=int, default=10)
    parser.add_argument("--durability", default="normal")
    parser.add_argument("--seed", type=int, default=int(time.time()))
    parser.add_argument("--clients", type=int, default=6)
    parser.add_argument("--signal", choices=["kill", "term"], default="kill")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    work = tempfile.mkdtemp(prefix="shopd-crash-")
    data_dir = os.path.join(work, "data")
    shop = Shop(os.path.abspath(args.shopd), data_dir, args.durability)
    atexit.register(shop.abandon)
    started = time.monotonic()

    shop.start()
    initial_stock = 500 + STOCK_PER_CYCLE * args.cycles
    for sku, price in SKUS.items():
        status, _ = shop.call("POST", "/api/products", {
            "sku": sku, "name": sku, "price_cents": price, "currency": "EUR",
            "stock": RARE_STOCK if sku == "RARE" else initial_stock}, key=f"create-{sku}")
        assert status == 201, status
    adjustments = collections.Counter(
        {sku: RARE_STOCK if sku == "RARE" else initial_stock for sku in SKUS})

    accepted, lock, dropped = {}, threading.Lock(), []
    for cycle in range(args.cycles):
        if cycle > 0:
            shop.start()
        # A restock each cycle, with a key, repeated until answered: applied exactly once.
        sku = rng.choice(sorted(SKUS))
        status, _ = shop.until_answered("POST", f"/api/products/{sku}/stock", {"delta": 5},
                                        key=f"restock-{cycle}")
        assert status == 200, status
        adjustments[sku] += 5
        stop = threading.Event()
        clients = [threading.Thread(target=customer_traffic,
                                    args=(shop, random.Random(rng.random()), stop, accepted, lock,
                                          dropped))
                   for _ in range(args.clients)]
        for client in clients:
            client.start()
        time.sleep(rng.uniform(0.2, 1.2))
        if args.signal == "kill":
            shop.kill()
        else:
            shop.stop()
        stop.set()
        for client in clients:
            client.join()

    shop.start()
    deadline = time.monotonic() + 60
    while True:
        orders = shop.all_pages("/api/orders")
        backlog = sum(m["pending"] for m in shop.call("GET", "/api/admin/outbox")[1]["items"])
        if backlog == 0 and all(o["status"] in SETTLED for o in orders):
            break
        if time.monotonic() > deadline:
            stuck = [o["id"] for o in orders if o["status"] not in SETTLED]
            parked = [(d["type"], d["aggregate_id"], d["error"])
                      for d in shop.call("GET", "/api/admin/dead-letters")[1]["items"]]
            sys.exit(f"FAIL: not quiet after 60 s: backlog {backlog}, unsettled orders {stuck}, "
                     f"dead letters {parked[:5]} (data in {work})")
        time.sleep(0.2)

    failures = []
    by_id = {o["id"]: o for o in orders}
    for order_id in accepted:
        if order_id not in by_id:
            failures.append(f"order {order_id} got 202 but does not exist")
    confirmed = [o for o in orders if o["status"] in ("confirmed", "shipped", "delivered")]
    sold = collections.Counter()
    for order in confirmed:
        for line in order["items"]:
            sold[line["sku"]] += line["quantity"]
    for sku in SKUS:
        product = shop.call("GET", f"/api/products/{sku}")[1]
        if product["reserved"] != 0:
            failures.append(f"{sku}: {product['reserved']} still reserved")
        if product["available"] + product["reserved"] + product["sold"] != adjustments[sku]:
            failures.append(f"{sku}: available {product['available']} + reserved "
                            f"{product['reserved']} + sold {product['sold']} != initial stock "
                            f"and adjustments {adjustments[sku]}")
        if product["sold"] != sold[sku]:
            failures.append(f"{sku}: sold {product['sold']} but confirmed lines {sold[sku]}")
    payments = collections.defaultdict(list)
    for payment in shop.all_pages("/api/payments"):
        payments[payment["order_id"]].append(payment)
    shipments = collections.defaultdict(list)
    for shipment in shop.all_pages("/api/shipments"):
        shipments[shipment["order_id"]].append(shipment)
    notifications = collections.Counter(
        (n["order_id"], n["kind"]) for n in shop.all_pages("/api/notifications"))
    for order in orders:
        paid = payments[order["id"]]
        live = [s for s in shipments[order["id"]] if s["status"] != "cancelled"]
        if len(paid) > 1:
            failures.append(f"order {order['id']}: {len(paid)} payments")
        if order["status"] == "cancelled":
            if any(p["status"] == "captured" for p in paid):
                failures.append(f"order {order['id']}: cancelled but its payment is captured")
            if live:
                failures.append(f"order {order['id']}: cancelled but a shipment is live")
        else:
            if [p["status"] for p in paid] != ["captured"]:
                failures.append(f"order {order['id']}: {order['status']} with payments "
                                f"{[p['status'] for p in paid]}")
            if len(live) != 1:
                failures.append(f"order {order['id']}: {len(live)} live shipments")
    parked = shop.call("GET", "/api/admin/dead-letters")[1]["items"]
    if parked:
        failures.append(f"{len(parked)} dead letters: {[(d['type'], d['error']) for d in parked[:3]]}")
    if args.signal == "term" and dropped:
        failures.append(f"{len(dropped)} requests went unanswered at a graceful stop: "
                        f"{dropped[:3]}")
    duplicates = [key for key, count in notifications.items() if count > 1]
    if duplicates:
        failures.append(f"notifications sent twice: {duplicates[:5]}")

    shop.stop()
    statuses = collections.Counter(
        o["status"] + (f"/{o['cancel_reason']}" if o["cancel_reason"] else "") for o in orders)
    print(json.dumps({"cycles": args.cycles, "signal": args.signal,
                      "durability": args.durability, "seed": args.seed,
                      "orders_accepted": len(accepted), "orders": len(orders),
                      "outcomes": dict(sorted(statuses.items())),
                      "seconds": round(time.monotonic() - started, 1)}))
    for failure in failures:
        print(f"FAIL: {failure}")
    if failures:
        print(f"data kept in {work}")
        sys.exit(1)
    subprocess.run(["rm", "-rf", work], check=False)


if __name__ == "__main__":
    main()
