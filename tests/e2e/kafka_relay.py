#!/usr/bin/env python3
"""The Kafka relay and split mode against librdkafka's mock cluster, checked with kcat as an
independent client.

    kafka_relay.py SCENARIO --shopd PATH --mock PATH [--keep DIR]

Scenarios:
  relay         orders in single-process mode with the relay on: every outbox row of every
                module is on its topic once, keyed by aggregate id, with the envelope headers
  sigkill       SIGKILL while relaying under load, restart: no outbox row missing from Kafka
  split         happy path, out of stock, declined payment and customer cancel across two
                processes joined only by Kafka end exactly as in one process
  split_sigkill both processes of split mode killed with SIGKILL in turn while orders stream
                in: every order settles once, paid and shipped exactly when confirmed, and
                stock adds up
  split_poison  a command the consuming process cannot read is parked as a dead letter there
                after its attempts, holds back the later message of its order, lets the rest
                of its partition through, and is parked again when a replay fails
  split_foreign with kafka.shop_id set, messages about orders the order process never heard
                of are parked at once, messages of another shop (or none) are skipped and
                counted, and good orders placed meanwhile confirm before their deadline
  split_dispatch_cancel
                a dispatch in one process and a cancel in the other at the same moment, 50
                times: no order is refunded whose parcel left, and stock adds up
  brokers_down  brokers fail: /readyz degraded, orders still confirm, the outbox accumulates;
                brokers return: ready again and the backlog is relayed, nothing lost
  trace         one order placed with a traceparent, in one process: every span it causes
                reaches a collector stand-in over OTLP/JSON in the request's trace, each
                handling a child of its publication, down to the webhook call
  split_trace   the same across two processes joined by Kafka, through its send and receive

Prints one line of figures and exits 0 when everything holds.
"""
import argparse
import atexit
import collections
import http.client
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time

from otlp_collector import Collector

MODULES = ["inventory", "order", "payment", "shipping", "notification"]
SETTLED = {"confirmed", "shipped", "delivered", "cancelled"}
ADDRESS = {"name": "A", "line1": "1 Road", "city": "Town", "postal_code": "1", "country": "DE"}
HEADERS = ["id", "type", "version", "aggregate_type", "correlation_id", "causation_id",
           "traceparent", "occurred_at"]
# Quick fetches: the mock cluster answers an empty fetch only when fetch.wait.max.ms is over.
CLIENT = ["--set", "kafka.client=fetch.wait.max.ms=20"]


def fail(message):
    sys.exit(f"FAIL: {message}")



def wait_for(what, check, timeout=60, interval=0.05):
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            fail(f"timed out waiting for {what}")
        time.sleep(interval)


class MockCluster:
    def __init__(self, binary):
        self.process = subprocess.Popen([binary], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        text=True)
        self.bootstrap = self.process.stdout.readline().strip()
        if not self.bootstrap:
            fail("the mock cluster printed no bootstrap servers")

    def command(self, line):
        self.process.stdin.write(line + "\n")
        self.process.stdin.flush()
        answer = self.process.stdout.readline().strip()
        if answer != "ok":
            fail(f"mock cluster '{line}': {answer}")

    def close(self):
        self.process.stdin.close()
        self.process.wait(timeout=10)


# Every shopd a scenario started, so that a failing one leaves none running behind it.
STARTED = []


@atexit.register
def abandon_shops():
    for shop in STARTED:
        if shop.process.poll() is None:
            shop.process.kill()
            shop.process.wait()


class Shop:
    def __init__(self, binary, workdir, name, extra, env=None):
        self.binary, self.extra, self.env = binary, extra, env
        self.data_dir = os.path.join(workdir, name)
        self.log_path = os.path.join(workdir, name + ".log")
        self.process = None

    def start(self):
        self.log = open(self.log_path, "ab")
        self.process = subprocess.Popen(
            [self.binary, "--listen", "127.0.0.1:0", "--data-dir", self.data_dir,
             "--log-level", "warn", "--set", "log.access=false"] + self.extra,
            stdout=subprocess.PIPE, stderr=self.log,
            env={**os.environ, **self.env} if self.env else None)
        STARTED.append(self)
        # shopd prints one line on stdout once ready (in split mode once its consumers have
        # their partitions); the read waits for it, or for shopd's end.
        ready = self.process.stdout.readline()
        if not ready:
            fail(f"shopd exited with {self.process.wait()}; see {self.log_path}")
        self.port = json.loads(ready)["port"]

    def call(self, method, path, body=None, headers=None):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            headers = dict(headers or {})
            if body is not None:
                headers["Content-Type"] = "application/json"
            connection.request(method, path, json.dumps(body) if body is not None else None,
                               headers)
            response = connection.getresponse()
            data = response.read()
            return response.status, json.loads(data) if data else None
        finally:
            connection.close()

    def stop(self, sig=signal.SIGTERM):
        if self.process and self.process.poll() is None:
            self.process.send_signal(sig)
            self.process.wait(timeout=30)
        self.log.close()

    def outbox_rows(self, module):
        database = sqlite3.connect(f"file:{os.path.join(self.data_dir, module + '.db')}?mode=ro",
                                   uri=True)
        try:
            return database.execute(
                "SELECT id, type, version, aggregatetype, correlation_id, causation_id, "
                "traceparent, occurred_at, aggregateid, payload, actor FROM outbox").fetchall()
        finally:
            database.close()

    def metrics(self):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        connection.request("GET", "/metrics")
        text = connection.getresponse().read().decode()
        connection.close()
        return text

    def relay_backlog(self):
        text = self.metrics()
        return sum(float(line.split()[-1]) for line in text.splitlines()
                   if line.startswith("shopd_relay_backlog{"))


def add_product(shop, sku, stock, price=1250):
    status, answer = shop.call("POST", "/api/products", {
        "sku": sku, "name": sku.title(), "price_cents": price, "currency": "EUR",
        "stock": stock})
    if status != 201:
        fail(f"adding {sku}: {status} {answer}")


def place_order(shop, sku, token, quantity=1, unknown_ok=False):
    """The new order's id; with unknown_ok, None while the order module does not know sku."""
    status, answer = shop.call("POST", "/api/orders", {
        "customer_id": "c1", "items": [{"sku": sku, "quantity": quantity}],
        "payment_token": token, "shipping_address": ADDRESS})
    if unknown_ok and status == 422 and "no product" in json.dumps(answer):
        return None
    if status != 202:
        fail(f"placing an order of {sku}: {status} {answer}")
    return answer["id"]


def first_order(shop, sku, token, quantity=1):
    """An order of a product just added. The order module learns of a product from inventory's
    message a moment after the product's 201 (across processes, through Kafka), and refuses it
    as unknown until then."""
    return wait_for("the catalogue to reach the order module",
                    lambda: place_order(shop, sku, token, quantity, unknown_ok=True))


def order_of(shop, order_id):
    return shop.call("GET", f"/api/orders/{order_id}")[1]


def wait_settled(shop, order_ids, timeout=60):
    def settled():
        orders = [order_of(shop, order_id) for order_id in order_ids]
        return orders if all(order["status"] in SETTLED for order in orders) else None
    return wait_for("every order to settle", settled, timeout)


def read_topics(bootstrap, topics):
    """Every message of the topics, through kcat."""
    messages = []
    for topic in topics:
        result = subprocess.run(
            ["kcat", "-C", "-b", bootstrap, "-t", topic, "-o", "beginning", "-e", "-q", "-J"],
            capture_output=True, text=True, timeout=60)
        if result.returncode != 0:
            fail(f"kcat on {topic}: {result.stderr.strip()}")
        for line in result.stdout.splitlines():
            message = json.loads(line)
            flat = message.get("headers") or []
            message["headers"] = dict(zip(flat[0::2], flat[1::2]))
            messages.append(message)
    return messages


def check_relayed(shop, bootstrap, modules, exactly_once):
    """Every outbox row of `modules` is on its topic, keyed and headed as the README says."""
    messages = read_topics(bootstrap, [f"shopd.{module}" for module in modules])
    by_id = collections.defaultdict(list)
    for message in messages:
        by_id[message["headers"].get("id")].append(message)
    rows = 0
    for module in modules:
        for row in shop.outbox_rows(module):
            rows += 1
            found = by_id.get(row[0])
            if not found:
                fail(f"outbox row {row[0]} ({row[1]}) of {module} is not on shopd.{module}")
            if exactly_once and len(found) != 1:
                fail(f"outbox row {row[0]} is on shopd.{module} {len(found)} times")
            for message in found:
                expected = dict(zip(HEADERS, [str(value) for value in row[:8]]))
                if row[10]:
                    expected["actor"] = row[10]
                if message["topic"] != f"shopd.{module}" or message["key"] != row[8]:
                    fail(f"{row[0]}: topic {message['topic']}, key {message['key']}")
                # The header names the relay's send span: the row's trace, a span of its own.
                relayed_trace = message["headers"].get("traceparent", "")
                if relayed_trace[:35] != expected["traceparent"][:35] or \
                        relayed_trace == expected["traceparent"]:
                    fail(f"{row[0]}: traceparent {relayed_trace}, expected a child of "
                         f"{expected['traceparent']}")
                expected["traceparent"] = relayed_trace
                if message["headers"] != expected:
                    fail(f"{row[0]}: headers {message['headers']}, expected {expected}")
                relayed, stored = json.loads(message["payload"]), json.loads(row[9])
                # Once the capture is answered the outbox forgets the token it relayed.
                if stored.get("payment_token") == "[redacted]":
                    relayed["payment_token"] = "[redacted]"
                if relayed != stored:
                    fail(f"{row[0]}: payload {message['payload']}, expected {row[9]}")
    duplicates = sum(len(found) - 1 for found in by_id.values())
    return rows, len(messages), duplicates


def relay_flags(mock):
    return ["--kafka-brokers", mock.bootstrap] + CLIENT


def split_processes(args, workdir, mock, extra=()):
    """The two processes of split mode, started: order and notification in front, the rest
    behind, joined only by the mock cluster."""
    front = Shop(args.shopd, workdir, "order-notification",
                 relay_flags(mock) + ["--modules", "order,notification", *extra])
    back = Shop(args.shopd, workdir, "inventory-payment-shipping",
                relay_flags(mock) + ["--modules", "inventory,payment,shipping", *extra])
    front.start()
    back.start()
    return front, back


def split_shop_with_an_order(args, workdir, mock, stock, extra=()):
    """split_processes with a product of `stock` MUGs, and one order of it settled: the order
    module knows the catalogue. Returns the processes and that order's id."""
    front, back = split_processes(args, workdir, mock, extra)
    add_product(back, "MUG", stock)
    first = first_order(front, "MUG", "tok_ok")
    wait_settled(front, [first])
    return front, back, first


def scenario_relay(args, workdir, mock):
    shop = Shop(args.shopd, workdir, "single", relay_flags(mock))
    shop.start()
    add_product(shop, "MUG", 20)
    add_product(shop, "RARE", 1)
    orders = [first_order(shop, "MUG", "tok_ok")]
    orders += [place_order(shop, "MUG", "tok_ok") for _ in range(9)]
    orders += [place_order(shop, "MUG", "tok_decline") for _ in range(3)]
    orders += [first_order(shop, "RARE", "tok_ok", 2)]
    wait_settled(shop, orders)
    wait_for("an empty relay backlog", lambda: shop.relay_backlog() == 0)
    rows, messages, duplicates = check_relayed(shop, mock.bootstrap, MODULES, exactly_once=True)
    shop.stop()
    print(json.dumps({"scenario": "relay", "orders": len(orders), "outbox_rows": rows,
                      "kafka_messages": messages, "duplicates": duplicates}))


def scenario_sigkill(args, workdir, mock):
    shop = Shop(args.shopd, workdir, "single", relay_flags(mock))
    shop.start()
    add_product(shop, "MUG", 100000)
    orders, stop = [], threading.Event()

    def traffic():
        while not stop.is_set():
            try:
                orders.append(place_order(shop, "MUG", "tok_ok"))
            except (OSError, SystemExit):
                time.sleep(0.01)  # shopd is down for a moment
    kills = 0
    thread = threading.Thread(target=traffic)
    thread.start()
    for _ in range(3):
        time.sleep(1.0)
        shop.stop(signal.SIGKILL)
        kills += 1
        shop.start()
    time.sleep(0.5)
    stop.set()
    thread.join()
    # A last kill with rows still unrelayed, and a restart with no new traffic: the relay must
    # resume from the database by itself.
    shop.stop(signal.SIGKILL)
    kills += 1
    shop.start()
    wait_settled(shop, orders, timeout=120)
    wait_for("an empty relay backlog", lambda: shop.relay_backlog() == 0)
    rows, messages, duplicates = check_relayed(shop, mock.bootstrap, MODULES, exactly_once=False)
    shop.stop()
    print(json.dumps({"scenario": "sigkill", "kills": kills, "orders": len(orders),
                      "outbox_rows": rows, "kafka_messages": messages,
                      "duplicates": duplicates}))


def listing(shop, path):
    items, cursor = [], ""
    while True:
        page = shop.call("GET", f"{path}?limit=100{cursor}")[1]
        items += page["items"]
        if not page["next_cursor"]:
            return items
        cursor = f"&cursor={page['next_cursor']}"


def final_states(shops, order_ids):
    """What each order ended as, in every module that has a say, without ids and times."""
    def collect(path, key):
        items = []
        for shop in shops:
            status, page = shop.call("GET", path)
            if status == 200:
                items += page["items"]
        return collections.defaultdict(list, {
            order_id: sorted(item[key] for item in items if item.get("order_id") == order_id)
            for order_id in order_ids})
    payments = collect("/api/payments?limit=100", "status")
    shipments = collect("/api/shipments?limit=100", "status")
    notifications = collect("/api/notifications?limit=100", "kind")
    states = []
    order_shop = next(shop for shop in shops if shop.call("GET", "/api/orders")[0] == 200)
    for order_id in order_ids:
        order = order_of(order_shop, order_id)
        states.append({"status": order["status"], "reason": order["cancel_reason"],
                       # Replies of different modules (a refund, a restock) may arrive in
                       # either order, in one process as in two: compared as a set of steps.
                       "steps": sorted(entry["event"] for entry in order["timeline"]),
                       "payments": payments[order_id], "shipments": shipments[order_id],
                       "notifications": notifications[order_id]})
    inventory_shop = next(shop for shop in shops if shop.call("GET", "/api/products")[0] == 200)
    stock = {sku: {key: inventory_shop.call("GET", f"/api/products/{sku}")[1][key]
                   for key in ("available", "reserved", "sold")} for sku in ("MUG", "RARE")}
    return states, stock


def run_saga_scenarios(shops):
    """Happy path, out of stock, declined payment, customer cancel; returns the final states."""
    inventory_shop = next(shop for shop in shops if shop.call("GET", "/api/products")[0] == 200)
    order_shop = next(shop for shop in shops if shop.call("GET", "/api/orders")[0] == 200)
    add_product(inventory_shop, "MUG", 10)
    add_product(inventory_shop, "RARE", 1)
    happy = first_order(order_shop, "MUG", "tok_ok")
    out_of_stock = first_order(order_shop, "RARE", "tok_ok", 2)
    declined = place_order(order_shop, "MUG", "tok_decline")
    cancelled = place_order(order_shop, "MUG", "tok_ok")
    wait_settled(order_shop, [cancelled])
    status, answer = order_shop.call("POST", f"/api/orders/{cancelled}/cancel")
    if status not in (200, 202):
        fail(f"cancelling {cancelled}: {status} {answer}")
    order_ids = [happy, out_of_stock, declined, cancelled]
    wait_settled(order_shop, order_ids)

    def compensated():
        states, _ = final_states(shops, order_ids)
        return all(wait_done(state) for state in states)
    wait_for("compensation and notifications to finish", compensated, timeout=60, interval=0.2)
    time.sleep(1.0)  # anything still on its way would change the states below
    return final_states(shops, order_ids)


def wait_done(state):
    if state["status"] == "cancelled" and state["reason"] == "customer_cancelled":
        return "refunded" in state["payments"] and "refunded" in state["notifications"]
    if state["status"] == "confirmed":
        return "confirmed" in state["notifications"]
    return "cancelled" in state["notifications"]


def scenario_split(args, workdir, mock):
    single = Shop(args.shopd, workdir, "single", [])
    single.start()
    expected = run_saga_scenarios([single])
    single.stop()

    front, back = split_processes(args, workdir, mock)
    got = run_saga_scenarios([front, back])
    front.stop()
    back.stop()
    if got != expected:
        fail(f"split mode ended differently:\n  one process: {expected}\n  two processes: {got}")
    print(json.dumps({"scenario": "split", "sagas": len(got[0]),
                      "outcomes": [state["status"] + (f" ({state['reason']})"
                                                      if state["reason"] else "")
                                   for state in got[0]],
                      "same_as_single_process": True}))


def scenario_split_analytics(args, workdir, mock):
    front, back = split_processes(args, workdir, mock)
    run_saga_scenarios([front, back])
    # Hosted for the first time once the orders are done, in a third process: it reads the
    # order and payment topics from their start.
    analytics = Shop(args.shopd, workdir, "analytics",
                     relay_flags(mock) + ["--modules", "analytics"])
    analytics.start()
    money = collections.defaultdict(lambda: {"captured_cents": 0, "refunded_cents": 0})
    for payment in listing(back, "/api/payments"):
        if payment["status"] in ("captured", "refunded"):
            money[payment["currency"]]["captured_cents"] += payment["amount_cents"]
        if payment["status"] == "refunded":
            money[payment["currency"]]["refunded_cents"] += payment["amount_cents"]
    expected = {
        "orders_placed": 4, "orders_confirmed": 2, "orders_delivered": 0,
        "orders_cancelled": {"out_of_stock": 1, "payment_declined": 1,
                             "customer_cancelled": 1, "timeout": 0},
        "revenue": [{"currency": currency, **sums} for currency, sums in sorted(money.items())],
        "top_skus": [{"sku": "MUG", "quantity": 1}],
    }

    def summary():
        status, answer = analytics.call("GET", "/api/analytics/summary")
        if status != 200:
            fail(f"analytics summary: {status} {answer}")
        figures = {key: answer[key] for key in expected}
        return figures if figures == expected else None
    wait_for("the analytics process to count every order", summary, timeout=60, interval=0.2)
    for shop in (front, back, analytics):
        shop.stop()
    print(json.dumps({"scenario": "split_analytics", "processes": 3, "summary": expected}))


def scenario_split_sigkill(args, workdir, mock):
    front, back = split_processes(args, workdir, mock)
    stock = 100000
    add_product(back, "MUG", stock)
    first_order(front, "MUG", "tok_ok")
    orders, stop = [], threading.Event()

    def traffic():
        tokens = ["tok_ok"] * 4 + ["tok_decline"]
        while not stop.is_set():
            try:
                orders.append(place_order(front, "MUG", tokens[len(orders) % len(tokens)]))
                # A few hundred orders a second: enough to be in flight at every kill, few
                # enough for the checks below to read each one back.
                time.sleep(0.003)
            except (OSError, SystemExit):
                time.sleep(0.01)  # the front process is down for a moment
    thread = threading.Thread(target=traffic)
    thread.start()
    kills = collections.Counter()
    for victim in [back, front, back, front, back]:
        time.sleep(1.0)
        victim.stop(signal.SIGKILL)
        kills[os.path.basename(victim.data_dir)] += 1
        victim.start()
    stop.set()
    thread.join()

    # Every order the front knows, also those whose answer a kill cut off.
    every_order = [order["id"] for order in listing(front, "/api/orders")]
    missing = set(orders) - set(every_order)
    if missing:
        fail(f"accepted orders lost: {sorted(missing)[:5]}")
    wait_settled(front, every_order, timeout=180)

    def problems():
        """What does not (yet) hold: compensation of a timed-out order may still be running."""
        found = []
        payments = collections.defaultdict(list)
        for payment in listing(back, "/api/payments"):
            payments[payment["order_id"]].append(payment["status"])
        shipments = collections.defaultdict(list)
        for shipment in listing(back, "/api/shipments"):
            shipments[shipment["order_id"]].append(shipment["status"])
        for order in [order_of(front, order_id) for order_id in every_order]:
            paid, shipped = payments[order["id"]], shipments[order["id"]]
            if order["status"] == "confirmed":
                if paid != ["captured"] or shipped != ["created"]:
                    found.append(f"confirmed {order['id']}: payments {paid}, shipments {shipped}")
            elif "captured" in paid or "created" in shipped:
                found.append(f"cancelled ({order['cancel_reason']}) {order['id']}: payments "
                             f"{paid}, shipments {shipped}, timeline {order['timeline']}")
        return found
    deadline = time.monotonic() + 90
    while problems():
        if time.monotonic() > deadline:
            fail("\n  ".join(problems()[:5]))
        time.sleep(0.5)
    states = [order_of(front, order_id) for order_id in every_order]
    confirmed = sum(1 for order in states if order["status"] == "confirmed")
    product = wait_for("stock to settle", lambda: (lambda p: p if p["reserved"] == 0 else None)(
        back.call("GET", "/api/products/MUG")[1]))
    sold = sum(1 for order in states if order["status"] == "confirmed")
    if product["sold"] != sold or product["available"] + product["sold"] != stock:
        fail(f"stock: {product}, {sold} confirmed orders of one each")
    front.stop()
    back.stop()
    print(json.dumps({"scenario": "split_sigkill", "kills": dict(kills),
                      "orders_answered": len(orders), "orders": len(every_order),
                      "confirmed": confirmed, "cancelled": len(every_order) - confirmed}))


def produce(bootstrap, topic, key, headers, value):
    """Writes one record with kcat, as a foreign producer would."""
    command = ["kcat", "-P", "-b", bootstrap, "-t", topic, "-k", key]
    for name, header in headers.items():
        command += ["-H", f"{name}={header}"]
    result = subprocess.run(command, input=value, capture_output=True, text=True, timeout=30)
    if result.returncode != 0:
        fail(f"kcat producing to {topic}: {result.stderr.strip()}")


def scenario_split_poison(args, workdir, mock):
    retries = ["--set", "delivery.max_attempts=3", "--set", "delivery.retry_base_ms=20"]
    front, back, first = split_shop_with_an_order(args, workdir, mock, 10, retries)

    # A command this shopd cannot read (a newer version), then a readable one for the same
    # order, both as if the order module had sent them.
    def envelope(version):
        return {"id": new_id(), "type": "inventory.reserve_stock", "version": str(version),
                "aggregate_type": "order", "correlation_id": "o-poison", "causation_id": "",
                "traceparent": "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
                "occurred_at": "2026-01-01T00:00:00.000Z"}
    payload = json.dumps({"order_id": "o-poison", "lines": [{"sku": "MUG", "quantity": 1}]})
    poison = envelope(2)
    produce(mock.bootstrap, "shopd.order", "o-poison", poison, payload)
    produce(mock.bootstrap, "shopd.order", "o-poison", envelope(1), payload)

    letters = wait_for("the poison message to be parked", lambda: back.call(
        "GET", "/api/admin/dead-letters")[1]["items"])
    letter = letters[0]
    if len(letters) != 1 or letter["message_id"] != poison["id"] or letter["attempts"] != 3 or \
            letter["publisher"] != "order" or letter["subscriber"] != "inventory" or \
            "newer" not in letter["error"]:
        fail(f"dead letters: {letters}")
    # The partition goes on past the parked message: a later order is served.
    second = place_order(front, "MUG", "tok_ok")
    if wait_settled(front, [second])[0]["status"] != "confirmed":
        fail(f"the order after the poison message: {order_of(front, second)}")
    # Both orders sold (the second one's CommitStock follows its confirmation), and nothing
    # reserved: the held command was not handled.
    deadline = time.monotonic() + 20
    while (product := back.call("GET", "/api/products/MUG")[1])["sold"] != 2:
        if time.monotonic() > deadline:
            fail(f"the second order's stock was not committed: {product}")
        time.sleep(0.05)
    if product["reserved"] != 0:
        fail(f"the held command was handled: {product}")

    status, _ = back.call("POST", f"/api/admin/dead-letters/{letter['id']}/replay")
    if status != 202:
        fail(f"replay answered {status}")
    wait_for("the replay to fail again and park the message once more", lambda: back.call(
        "GET", "/api/admin/dead-letters")[1]["items"][0]["attempts"] == 4)
    front.stop()
    back.stop()
    print(json.dumps({"scenario": "split_poison", "parked": 1, "held": 1,
                      "orders_after": 1, "replay": "parked again"}))


def scenario_split_foreign(args, workdir, mock):
    # A deadline that retries of a stuck message would pass (8 attempts from 200 ms take 50 s),
    # with room for a busy machine.
    flags = ["--set", "kafka.shop_id=shop-a", "--set", "order.step_timeout_ms=10000"]
    front, back, first = split_shop_with_an_order(args, workdir, mock, 1000, flags)
    real = next(message for message in read_topics(mock.bootstrap, ["shopd.inventory"])
                if message["headers"].get("type") == "inventory.stock_reserved")
    if real["headers"].get("shop_id") != "shop-a":
        fail(f"the relay did not send kafka.shop_id: {real['headers']}")

    def copy_for(order_id, shop):
        """The real record produced again with a new id, about another order."""
        headers = dict(real["headers"], id=new_id(), correlation_id=order_id)
        if shop is None:
            headers.pop("shop_id")
        else:
            headers["shop_id"] = shop
        payload = json.loads(real["payload"])
        payload["order_id"] = order_id
        produce(mock.bootstrap, "shopd.inventory", order_id, headers, json.dumps(payload))
    # Two orders of this shop the order module never heard of; two messages of another shop,
    # and one of no shop, about the first order: skipped, never handled.
    copy_for("o-unknown-1", "shop-a")
    copy_for("o-unknown-2", "shop-a")
    copy_for(first, "shop-b")
    copy_for(first, None)
    started = time.monotonic()
    good = [None] * 20
    def place(index):
        good[index] = place_order(front, "MUG", "tok_ok")
    threads = [threading.Thread(target=place, args=(index,)) for index in range(len(good))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    settled = wait_settled(front, good)
    seconds = time.monotonic() - started
    late = [order for order in settled if order["status"] != "confirmed"]
    if late:
        fail(f"good orders not confirmed: {late[:2]}")
    letters = wait_for("both unknown orders to be parked", lambda: (
        lambda items: items if len(items) == 2 else None)(
        front.call("GET", "/api/admin/dead-letters")[1]["items"]))
    if sorted(letter["aggregate_id"] for letter in letters) != ["o-unknown-1", "o-unknown-2"] or \
            any(letter["attempts"] != 1 or "no order" not in letter["error"] for letter in letters):
        fail(f"dead letters: {letters}")
    skipped = wait_for("the other shop's messages to be skipped", lambda: (
        lambda text: text if 'shopd_kafka_foreign_skipped_total{module="order"} 2' in text
        else None)(front.metrics()))
    if order_of(front, first)["status"] != "confirmed" or skipped is None:
        fail(f"the first order after the foreign messages: {order_of(front, first)}")
    front.stop()
    back.stop()
    print(json.dumps({"scenario": "split_foreign", "parked_at_once": 2, "foreign_skipped": 2,
                      "good_orders": len(good), "good_orders_seconds": round(seconds, 2)}))


def scenario_split_dispatch_cancel(args, workdir, mock):
    pairs = 50
    front, back, first = split_shop_with_an_order(args, workdir, mock, pairs)
    orders = [first] + [place_order(front, "MUG", "tok_ok") for _ in range(pairs - 1)]
    wait_settled(front, orders)
    shipments = [wait_for("the shipment", lambda order=order: (lambda items: items[0]["id"]
                          if items else None)(back.call("GET", f"/api/shipments?order_id={order}")
                                              [1]["items"])) for order in orders]
    # Each pair starts together: the carrier dispatches in one process while the customer
    # cancels in the other.
    together = threading.Barrier(2)
    answers = {}

    # The cancel reaches shipping through Kafka, the dispatch directly: the carrier waits a
    # moment of varying length, so that either may come first.
    delays = random.Random(2026)

    def carrier():
        for order, shipment in zip(orders, shipments):
            together.wait()
            time.sleep(delays.uniform(0, 0.08))
            answers[order, "dispatch"] = back.call("POST", f"/api/shipments/{shipment}/dispatch")[0]
    thread = threading.Thread(target=carrier)
    thread.start()
    for order in orders:
        together.wait()
        answers[order, "cancel"] = front.call("POST", f"/api/orders/{order}/cancel")[0]
    thread.join()

    def outcome(order):
        state = order_of(front, order)
        payment = back.call("GET", f"/api/payments?order_id={order}")[1]["items"][0]["status"]
        parcel = back.call("GET", f"/api/shipments?order_id={order}")[1]["items"][0]["status"]
        timeline = [entry["event"] for entry in state["timeline"]]
        if state["status"] == "shipped" and payment == "captured" and parcel == "dispatched":
            return "dispatched"
        if state["status"] == "cancelled" and payment == "refunded" and parcel == "cancelled":
            return "cancelled"
        return f"unsettled: order {state['status']}, payment {payment}, parcel {parcel}, " \
               f"timeline {timeline}"
    deadline = time.monotonic() + 60
    while any(outcome(order).startswith("unsettled") for order in orders):
        if time.monotonic() > deadline:
            fail("; ".join(outcome(order) for order in orders
                           if outcome(order).startswith("unsettled"))[:2000])
        time.sleep(0.2)
    dispatched = [order for order in orders if outcome(order) == "dispatched"]
    for order in orders:
        if (order in dispatched) != (answers[order, "dispatch"] == 200):
            fail(f"order {order}: dispatch answered {answers[order, 'dispatch']}, "
                 f"{outcome(order)}")
    product = wait_for("stock to settle", lambda: (lambda p: p if p["reserved"] == 0 else None)(
        back.call("GET", "/api/products/MUG")[1]))
    if product["sold"] != len(dispatched):
        fail(f"stock: {product}, {len(dispatched)} parcels left")
    front.stop()
    back.stop()
    print(json.dumps({"scenario": "split_dispatch_cancel", "pairs": pairs,
                      "dispatched_first": len(dispatched),
                      "cancelled_first": pairs - len(dispatched), "refunded_but_shipped": 0}))


def new_id():
    """A UUIDv7-shaped id: 48 bits of milliseconds, then random bits."""
    value = (int(time.time() * 1000) << 80) | (7 << 76) | (int.from_bytes(os.urandom(10), "big")
                                                           & ((1 << 76) - 1))
    text = f"{value:032x}"
    return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"


def scenario_brokers_down(args, workdir, mock):
    shop = Shop(args.shopd, workdir, "single", relay_flags(mock))
    shop.start()
    add_product(shop, "MUG", 100)
    wait_for("an empty relay backlog", lambda: shop.relay_backlog() == 0)
    mock.command("down")
    degraded = wait_for("/readyz to report the relay degraded", lambda: (
        lambda answer: answer[1] if answer[0] == 200 and answer[1]["status"] == "degraded"
        else None)(shop.call("GET", "/readyz")), timeout=30)
    if degraded["relay"]["reachable"] is not False or "detail" not in degraded:
        fail(f"degraded readiness without the relay's state: {degraded}")
    orders = [first_order(shop, "MUG", "tok_ok")]
    orders += [place_order(shop, "MUG", "tok_ok") for _ in range(9)]
    wait_settled(shop, orders)
    backlog_while_down = shop.relay_backlog()
    if backlog_while_down == 0:
        fail("nothing accumulated while the brokers were down")
    mock.command("up")
    wait_for("/readyz to be ready again",
             lambda: shop.call("GET", "/readyz")[1]["status"] == "ready", timeout=60)
    wait_for("the backlog to be relayed", lambda: shop.relay_backlog() == 0, timeout=120)
    rows, messages, duplicates = check_relayed(shop, mock.bootstrap, MODULES, exactly_once=False)
    shop.stop()
    print(json.dumps({"scenario": "brokers_down", "orders_while_down": len(orders),
                      "backlog_while_down": backlog_while_down, "outbox_rows": rows,
                      "kafka_messages": messages, "duplicates": duplicates}))


def attribute(span, key):
    for item in span.get("attributes", []):
        if item["key"] == key:
            return next(iter(item["value"].values()))
    return None


def check_order_trace(collector, trace_id, root_parent, split):
    """The spans of one order's trace form one tree under the request's parent: each handling
    a child of the span that published it (over Kafka: of its receive, a child of the send),
    through every saga module to the webhook call. Returns the spans and the tree as text."""
    def exported_whole():
        # Each process exports on its own, so a child may arrive before its parent from the
        # other process: the trace is read once the webhook call, its consequence and every
        # parent named are in.
        spans = collector.trace(trace_id)
        named = {span["spanId"] for span in spans} | {root_parent}
        calls = [span for span in spans if span["kind"] == 3 and span["name"] == "POST"]
        whole = calls and all(span.get("parentSpanId", "") in named for span in spans) and \
            any(span["name"] == "publish notification.sent" for span in spans)
        return (spans, calls[0]) if whole else None
    spans, call = wait_for("the whole trace down to the webhook call's consequence",
                           exported_whole, timeout=60, interval=0.1)
    by_id = {span["spanId"]: span for span in spans}
    if len(by_id) != len(spans):
        fail("a span was exported twice")
    for span in spans:
        parent = span.get("parentSpanId", "")
        if parent != root_parent and parent not in by_id:
            fail(f"span {span['name']} has a parent {parent!r} outside the trace")
    roots = [span for span in spans if span.get("parentSpanId") == root_parent]
    if [root["name"] for root in roots] != ["POST /api/orders"] or roots[0]["kind"] != 2:
        fail(f"the trace's root is {[root['name'] for root in roots]}, expected the request")
    for span in spans:
        if not span["name"].startswith("process "):
            continue
        message_type = span["name"][len("process "):]
        parent = by_id[span["parentSpanId"]]
        if split and parent["name"] == f"receive {message_type}":
            parent = by_id[parent["parentSpanId"]]
            if parent["name"] != f"send {message_type}":
                fail(f"receive {message_type} is a child of {parent['name']}")
            parent = by_id[parent["parentSpanId"]]
        if parent["name"] != f"publish {message_type}":
            fail(f"{span['name']} is a child of {parent['name']}, not of its publication")
    ancestry, span = [], call
    while span is not None:
        ancestry.append(span)
        span = by_id.get(span.get("parentSpanId", ""))
    modules = {attribute(span, "shopd.module") for span in ancestry}
    for module in MODULES:
        if module not in modules:
            fail(f"the webhook call does not descend from {module}'s work: {sorted(filter(None, modules))}")
    if not any(span["name"] == "payment provider capture" for span in spans):
        fail("no span of the payment provider's call")
    if split and not any(span["name"].startswith("send ") for span in ancestry):
        fail("the webhook call does not descend from a Kafka send")
    with collector.lock:
        if not any(parent and parent[36:52] == call["spanId"]
                   for parent in collector.webhook_parents):
            fail(f"no webhook request named its call span: {collector.webhook_parents}")
    children = collections.defaultdict(list)
    for span in spans:
        children[span.get("parentSpanId", "")].append(span)
    lines = []

    def draw(span, depth):
        took = (int(span["endTimeUnixNano"]) - int(span["startTimeUnixNano"])) / 1e6
        lines.append(f"{'  ' * depth}{span['name']}  [{span['service']}] {took:.2f} ms")
        for child in sorted(children[span["spanId"]], key=lambda s: int(s["startTimeUnixNano"])):
            draw(child, depth + 1)
    draw(roots[0], 0)
    return spans, ancestry, "\n".join(lines)


def run_trace(args, workdir, mock, split):
    collector = Collector()
    trace_id, parent_id = os.urandom(16).hex(), os.urandom(8).hex()
    try:
        fast = ["--set", "telemetry.export_interval_ms=50",
                "--set", f"notification.webhook_url={collector.url}/webhook"]
        if split:
            flags = ["--set", f"telemetry.otlp_endpoint={collector.url}", *fast]
            front, back = split_processes(args, workdir, mock, flags)
            shops = [front, back]
            add_product(back, "MUG", 5)
        else:
            # The standard variables, as a deployment sets them.
            front = Shop(args.shopd, workdir, "single", fast,
                         env={"OTEL_EXPORTER_OTLP_ENDPOINT": collector.url,
                              "OTEL_SERVICE_NAME": "shop-front"})
            front.start()
            shops = [front]
            add_product(front, "MUG", 5)
        wait_settled(front, [first_order(front, "MUG", "tok_ok")])
        status, answer = front.call(
            "POST", "/api/orders",
            {"customer_id": "c1", "items": [{"sku": "MUG", "quantity": 1}],
             "payment_token": "tok_ok", "shipping_address": ADDRESS},
            headers={"traceparent": f"00-{trace_id}-{parent_id}-01", "tracestate": "shop=1"})
        if status != 202:
            fail(f"placing the order: {status} {answer}")
        wait_settled(front, [answer["id"]])
        spans, ancestry, tree = check_order_trace(collector, trace_id, parent_id, split)
        services = sorted({span["service"] for span in spans})
        expected_services = ["shopd"] if split else ["shop-front"]
        if services != expected_services:
            fail(f"spans of services {services}, expected {expected_services}")
        root = next(span for span in spans if span.get("parentSpanId") == parent_id)
        if root.get("traceState") != "shop=1":
            fail(f"the request's span lost its tracestate: {root.get('traceState')!r}")
        print(tree, file=sys.stderr)
        for shop in shops:
            shop.stop()
        print(json.dumps({"scenario": "split_trace" if split else "trace",
                          "processes": len(shops), "spans": len(spans),
                          "webhook_depth": len(ancestry)}))
    finally:
        collector.close()


def scenario_trace(args, workdir, mock):
    run_trace(args, workdir, mock, split=False)


def scenario_split_trace(args, workdir, mock):
    run_trace(args, workdir, mock, split=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("scenario",
                        choices=["relay", "sigkill", "split", "split_sigkill", "split_poison",
                                 "split_foreign", "split_dispatch_cancel", "split_analytics",
                                 "brokers_down", "trace", "split_trace"])
    parser.add_argument("--shopd", required=True)
    parser.add_argument("--mock", required=True)
    parser.add_argument("--keep", metavar="DIR",
                        help="keep the data directories and logs in DIR (to look into a failure)")
    args = parser.parse_args()
    mock = MockCluster(args.mock)
    try:
        if args.keep:
            os.makedirs(args.keep, exist_ok=True)
            globals()["scenario_" + args.scenario](args, args.keep, mock)
        else:
            with tempfile.TemporaryDirectory(prefix="shopd-kafka-") as workdir:
                globals()["scenario_" + args.scenario](args, workdir, mock)
    finally:
        mock.close()


if __name__ == "__main__":
    main()
