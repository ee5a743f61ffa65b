"""Tests against an in-process shopd, reset between tests. Run with pytest, or as a script.

    SHOPD_LIBRARY=/usr/local/lib/libshopd.so python3 test_shop.py
"""
import sys

from shopd_ctypes import Shop

try:
    import pytest
except ImportError:  # run as a plain script below
    pytest = None

ADDRESS = {"name": "Ada", "line1": "1 Road", "city": "London", "postal_code": "N1",
           "country": "GB"}

_shop = None


def shop_fixture():
    """One shopd for the whole run; every test starts from an empty shop."""
    global _shop
    if _shop is None:
        _shop = Shop()
    _shop.reset()
    yield _shop


if pytest:
    shop = pytest.fixture(shop_fixture)


def place(shop, token, quantity=1):
    status, product = shop.request("POST", "/api/products", {
        "sku": "MUG", "name": "Mug", "price_cents": 1250, "currency": "EUR", "stock": 5})
    assert status == 201, product
    shop.wait_idle()
    status, placed = shop.request("POST", "/api/orders", {
        "customer_id": "ada", "items": [{"sku": "MUG", "quantity": quantity}],
        "payment_token": token, "shipping_address": ADDRESS})
    assert status == 202, placed
    shop.wait_idle()
    return shop.request("GET", "/api/orders/" + placed["id"])[1]


def test_an_order_paid_with_tok_ok_is_confirmed(shop):
    order = place(shop, "tok_ok", 2)
    assert order["status"] == "confirmed"
    assert order["total_cents"] >= 2 * 1250  # and the shipping


def test_a_declined_card_cancels_the_order(shop):
    order = place(shop, "tok_decline_expired_card")
    assert order["status"] == "cancelled"
    assert order["cancel_reason"] == "payment_declined"


def test_each_test_starts_from_an_empty_shop(shop):
    status, products = shop.request("GET", "/api/products")
    assert status == 200 and products["items"] == []


def test_a_body_that_is_not_json_is_refused_and_changes_nothing(shop):
    status, problem = shop.request("POST", "/api/products", raw=b'{"sku": "MUG",')
    assert status == 400 and problem["type"] == "urn:shopd:problem:malformed-json", problem
    assert shop.request("GET", "/api/products")[1]["items"] == []


def test_a_request_without_a_path_is_refused_by_the_c_api(shop):
    try:
        shop.request("GET", None)
    except ValueError as error:
        assert "must not be NULL" in str(error)
    else:
        raise AssertionError("a NULL path was taken")


def main():
    tests = [value for name, value in sorted(globals().items()) if name.startswith("test_")]
    failed = 0
    for test in tests:
        fixture = shop_fixture()
        try:
            test(next(fixture))
            print("passed", test.__name__)
        except Exception as error:  # report every test, then fail
            failed += 1
            print("FAILED", test.__name__, repr(error))
    if _shop:
        _shop.stop()
    print(f"{len(tests) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
