"""Tests against the shopd binary over HTTP, the way a suite in any language uses it: start it
once with a ready file, reset between tests, move the shop clock instead of sleeping.

    python3 test_over_http.py /usr/local/bin/shopd
"""
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

ADDRESS = {"name": "Ada", "line1": "1 Road", "city": "London", "postal_code": "N1",
           "country": "GB"}


class ShopProcess:
    def __init__(self, binary):
        self._directory = tempfile.TemporaryDirectory()
        ready_file = os.path.join(self._directory.name, "ready.json")
        self.process = subprocess.Popen(
            [binary, "--memory", "--listen", "127.0.0.1:0", "--ready-file", ready_file,
             "--test-mode", "--log-level", "warn"], stdout=subprocess.DEVNULL)
        # The file appears whole once shopd serves: no sleep guessing how long a start takes.
        while not os.path.exists(ready_file):
            if self.process.poll() is not None:
                raise RuntimeError(f"shopd exited with {self.process.returncode}")
            time.sleep(0.001)
        with open(ready_file) as ready:
            self.url = json.load(ready)["url"]

    def call(self, method, path, body=None):
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.url + path, data=data, method=method,
                                         headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=30) as answer:
                text = answer.read()
                return answer.status, (json.loads(text) if text else None)
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"null")

    def idle(self):
        assert self.call("GET", "/api/test/idle")[0] == 200

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=30)
        self._directory.cleanup()


def place(shop, token):
    assert shop.call("POST", "/api/products", {"sku": "MUG", "name": "Mug", "price_cents": 1250,
                                               "currency": "EUR", "stock": 5})[0] == 201
    shop.idle()
    status, placed = shop.call("POST", "/api/orders", {
        "customer_id": "ada", "items": [{"sku": "MUG", "quantity": 1}],
        "payment_token": token, "shipping_address": ADDRESS})
    assert status == 202, placed
    shop.idle()
    return placed["id"]


def test_an_order_is_confirmed(shop):
    order_id = place(shop, "tok_ok")
    assert shop.call("GET", "/api/orders/" + order_id)[1]["status"] == "confirmed"


def test_an_unanswered_payment_times_out_when_the_clock_moves(shop):
    assert shop.call("POST", "/api/test/clock", {"freeze": True})[0] == 200
    order_id = place(shop, "tok_hang")
    assert shop.call("GET", "/api/orders/" + order_id)[1]["status"] == "pending"
    assert shop.call("POST", "/api/test/clock", {"advance_ms": 3_600_000})[0] == 200
    shop.idle()
    order = shop.call("GET", "/api/orders/" + order_id)[1]
    assert (order["status"], order["cancel_reason"]) == ("cancelled", "timeout")


def test_the_journal_shows_what_the_saga_said(shop):
    order_id = place(shop, "tok_ok")
    types = [entry["type"] for entry in
             shop.call("GET", f"/api/test/journal?kind=message&order_id={order_id}")[1]["items"]]
    assert types[0] == "order.placed" and "order.confirmed" in types, types


def test_each_test_starts_from_an_empty_shop(shop):
    assert shop.call("GET", "/api/orders")[1]["items"] == []


def main():
    shop = ShopProcess(sys.argv[1] if len(sys.argv) > 1 else "shopd")
    failed = 0
    tests = [value for name, value in sorted(globals().items()) if name.startswith("test_")]
    try:
        for test in tests:
            assert shop.call("POST", "/api/test/reset")[0] == 204
            try:
                test(shop)
                print("passed", test.__name__)
            except Exception as error:  # report every test, then fail
                failed += 1
                print("FAILED", test.__name__, repr(error))
    finally:
        shop.stop()
    print(f"{len(tests) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
