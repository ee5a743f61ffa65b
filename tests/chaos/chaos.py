#!/usr/bin/env python3
"""What an adversary tries, for as long as you like, against the real binary. Run by hand, not
in CI:

    python3 tests/chaos/chaos.py build/release/shopd --minutes 30

Each round:
  crash      tests/e2e/crash_cycles.py: SIGKILL (or SIGTERM) at random moments under load, on
             normal or full durability, then every invariant checked through the API
  race       a dispatch and a cancel of the same confirmed order at the same moment, many
             times: no order is refunded whose parcel left
  idle       2,000 idle connections from one address: /healthz still answers
  streams    50 event-stream clients that never read while notifications pour out: shopd's
             memory stays bounded
  input      keys given twice, NUL and control characters, no Host or two: each refused
  disk       (as root) the data directory on a small tmpfs that fills up: writes refused,
             /readyz degraded, shopd nearly idle; once space is back, orders confirm again

Ends with one JSON line of what held; exits non-zero at the first invariant that did not.
"""
import argparse
import http.client
import json
import os
import random
import socket
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "e2e"))
from kafka_relay import ADDRESS, fail, free_port  # noqa: E402


class Shop:
    def __init__(self, binary, data_dir=None, extra=()):
        self.port = free_port()
        where = ["--data-dir", data_dir] if data_dir else ["--memory"]
        self.process = subprocess.Popen(
            [binary, "--listen", f"127.0.0.1:{self.port}", "--log-level", "error", *where,
             "--set", "delivery.retry_base_ms=50", "--set", "delivery.retry_cap_ms=1000",
             *extra], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 20
        while not self.ready():
            if time.monotonic() > deadline or self.process.poll() is not None:
                fail("shopd did not become ready")
            time.sleep(0.02)

    def ready(self):
        try:
            return self.call("GET", "/readyz")[0] == 200
        except OSError:
            return False

    def call(self, method, path, body=None, raw=None):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            headers = {"Content-Type": "application/json"} if body is not None or raw else {}
            data = raw if raw is not None else (json.dumps(body) if body is not None else None)
            connection.request(method, path, data, headers)
            response = connection.getresponse()
            text = response.read()
            return response.status, json.loads(text) if text else None
        finally:
            connection.close()

    def order(self, sku, customer="c1", token="tok_ok"):
        return self.call("POST", "/api/orders", {
            "customer_id": customer, "items": [{"sku": sku, "quantity": 1}],
            "shipping_address": ADDRESS, "payment_token": token})

    def idle(self, timeout=60):
        deadline = time.monotonic() + timeout
        while self.call("GET", "/api/orders?status=pending&limit=1")[1]["items"] or any(
                module["pending"] for module in self.call("GET", "/api/admin/outbox")[1]["items"]):
            if time.monotonic() > deadline:
                fail("the shop did not settle")
            time.sleep(0.05)

    def rss_mb(self):
        with open(f"/proc/{self.process.pid}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
        return 0

    def cpu_seconds(self):
        with open(f"/proc/{self.process.pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=30)


def add_product(shop, sku, stock):
    status, answer = shop.call("POST", "/api/products", {
        "sku": sku, "name": sku, "price_cents": 100, "currency": "EUR", "stock": stock})
    if status != 201:
        fail(f"adding {sku}: {status} {answer}")
    shop.idle()


def crash(binary, rng):
    signal_name = rng.choice(["kill", "kill", "term"])
    durability = rng.choice(["normal", "full"])
    result = subprocess.run(
        [sys.executable, os.path.join(HERE, "..", "e2e", "crash_cycles.py"), binary,
         "--cycles", "5", "--signal", signal_name, "--durability", durability,
         "--seed", str(rng.randrange(1 << 30))], capture_output=True, text=True, timeout=900)
    if result.returncode != 0:
        fail(f"crash cycles ({signal_name}, {durability}): {result.stdout}{result.stderr}")
    return 5


def race(shop, pairs):
    add_product(shop, "RACE", pairs)
    orders = [shop.order("RACE")[1]["id"] for _ in range(pairs)]
    shop.idle()
    shipments = [shop.call("GET", f"/api/shipments?order_id={order}")[1]["items"][0]["id"]
                 for order in orders]
    together = threading.Barrier(2)

    def carrier():
        for shipment in shipments:
            together.wait()
            shop.call("POST", f"/api/shipments/{shipment}/dispatch")
    thread = threading.Thread(target=carrier)
    thread.start()
    for order in orders:
        together.wait()
        shop.call("POST", f"/api/orders/{order}/cancel")
    thread.join()
    shop.idle()
    shipped = 0
    for order in orders:
        status = shop.call("GET", f"/api/orders/{order}")[1]["status"]
        payment = shop.call("GET", f"/api/payments?order_id={order}")[1]["items"][0]["status"]
        parcel = shop.call("GET", f"/api/shipments?order_id={order}")[1]["items"][0]["status"]
        if parcel == "dispatched":
            shipped += 1
            if payment != "captured" or status != "shipped":
                fail(f"order {order}: parcel left, but payment {payment}, order {status}")
        elif payment != "refunded" or status != "cancelled" or parcel != "cancelled":
            fail(f"order {order}: payment {payment}, order {status}, parcel {parcel}")
    return shipped


def idle_connections(shop, count=2000):
    sockets = []
    try:
        for _ in range(count):
            sockets.append(socket.create_connection(("127.0.0.1", shop.port)))
        status, _ = shop.call("GET", "/healthz")
        if status != 200:
            fail(f"/healthz answered {status} with {count} idle connections open")
    finally:
        for idle in sockets:
            idle.close()


def stalled_streams(shop, clients=50, seconds=20):
    add_product(shop, "STREAM", 1_000_000)
    streams = []
    for _ in range(clients):
        stream = socket.socket()
        stream.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        stream.connect(("127.0.0.1", shop.port))
        stream.sendall(b"GET /api/notifications/stream?customer_id=stalled HTTP/1.1\r\n"
                       b"Host: x\r\n\r\n")
        streams.append(stream)  # never read
    before, peak = shop.rss_mb(), 0.0
    deadline = time.monotonic() + seconds

    def customers():
        while time.monotonic() < deadline:
            shop.order("STREAM", customer="stalled")
    threads = [threading.Thread(target=customers) for _ in range(4)]
    for thread in threads:
        thread.start()
    while time.monotonic() < deadline:
        peak = max(peak, shop.rss_mb())
        time.sleep(0.2)
    for thread in threads:
        thread.join()
    for stream in streams:
        stream.close()
    # Each stream holds at most server.stream_buffer_bytes (1 MiB) besides the socket's own.
    if peak - before > clients * 2 + 100:
        fail(f"RSS grew from {before:.0f} to {peak:.0f} MB with {clients} stalled streams")
    return round(peak, 1)


def hostile_input(shop):
    refused = 0
    for body, status in [
            ('{"sku":"DUP","name":"D","price_cents":-5,"price_cents":5,"currency":"EUR",'
             '"stock":1}', 400),
            ('{"sku":"NUL","name":"N\\u0000","price_cents":5,"currency":"EUR","stock":1}', 422),
            ('{"sku":"ESC","name":"N\\u001b[2J","price_cents":5,"currency":"EUR","stock":1}', 422)]:
        answer = shop.call("POST", "/api/products", raw=body)
        if answer[0] != status:
            fail(f"{body} answered {answer}")
        refused += 1
    for request in [b"GET /healthz HTTP/1.1\r\n\r\n",
                    b"GET /healthz HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n"]:
        with socket.create_connection(("127.0.0.1", shop.port)) as raw:
            raw.sendall(request)
            if not raw.recv(64).startswith(b"HTTP/1.1 400"):
                fail(f"{request!r} was not refused with 400")
        refused += 1
    return refused


def disk_full(binary, workdir):
    mount = os.path.join(workdir, "small-disk")
    os.makedirs(mount, exist_ok=True)
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=24m", "tmpfs", mount]).returncode:
        return None  # not root: skipped
    try:
        shop = Shop(binary, os.path.join(mount, "data"))
        add_product(shop, "DISK", 1_000_000)
        filler = os.path.join(mount, "filler")
        with open(filler, "wb") as fill:
            try:
                while True:
                    fill.write(b"\0" * (1 << 20))
                    fill.flush()
            except OSError:
                pass  # the disk is full
        refused = sum(1 for _ in range(200) if shop.order("DISK")[0] >= 500)
        degraded = shop.call("GET", "/readyz")[1]
        cpu_before, started = shop.cpu_seconds(), time.monotonic()
        time.sleep(5)
        cpu_percent = 100 * (shop.cpu_seconds() - cpu_before) / (time.monotonic() - started)
        os.remove(filler)
        deadline = time.monotonic() + 60
        while shop.order("DISK")[0] != 202:
            if time.monotonic() > deadline:
                fail("orders were not accepted again once the disk had room")
            time.sleep(0.1)
        shop.idle()
        ready = shop.call("GET", "/readyz")[1]
        shop.stop()
        if refused == 0 or degraded.get("status") != "degraded" or ready["status"] != "ready":
            fail(f"disk full: {refused} refused, readiness {degraded} then {ready}")
        if cpu_percent > 5:
            fail(f"shopd used {cpu_percent:.1f} % of a core while the disk was full")
        return round(cpu_percent, 2)
    finally:
        subprocess.run(["umount", "-l", mount])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("shopd")
    parser.add_argument("--minutes", type=float, default=5)
    parser.add_argument("--seed", type=int, default=int(time.time()))
    args = parser.parse_args()
    binary = os.path.abspath(args.shopd)
    rng = random.Random(args.seed)
    ends = time.monotonic() + args.minutes * 60
    figures = {"seed": args.seed, "rounds": 0, "crash_cycles": 0, "race_pairs": 0,
               "dispatched_first": 0, "refunded_but_shipped": 0, "idle_connections": 0,
               "stalled_stream_peak_rss_mb": 0, "hostile_refused": 0, "disk_full_cpu_percent": []}
    with tempfile.TemporaryDirectory(prefix="shopd-chaos-") as workdir:
        while time.monotonic() < ends:
            figures["crash_cycles"] += crash(binary, rng)
            # On files: in memory, the orders themselves would grow the RSS measured below.
            shop = Shop(binary, os.path.join(workdir, f"round-{figures['rounds']}"))
            figures["dispatched_first"] += race(shop, 100)
            figures["race_pairs"] += 100
            idle_connections(shop)
            figures["idle_connections"] += 2000
            figures["stalled_stream_peak_rss_mb"] = max(figures["stalled_stream_peak_rss_mb"],
                                                        stalled_streams(shop))
            figures["hostile_refused"] += hostile_input(shop)
            shop.stop()
            cpu = disk_full(binary, workdir)
            if cpu is not None:
                figures["disk_full_cpu_percent"].append(cpu)
            figures["rounds"] += 1
    figures["disk_full_cpu_percent"] = max(figures["disk_full_cpu_percent"], default=None)
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
