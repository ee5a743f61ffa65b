"""An https webhook receiver that checks shopd's signature: it prints its port once listening,
then for each request a JSON line with the notification's Webhook-Id and whether it verified.
    python3 webhook_receiver.py CERT.pem KEY.pem SECRET
"""
import hashlib
import hmac
import http.server
import json
import ssl
import sys
import time


def verify(header: str, body: bytes, secret: str, tolerance_s: int = 300) -> bool:
    """True when X-Shopd-Signature carries a v1 for this secret and its time is recent."""
    fields = [field.split("=", 1) for field in header.split(",")]
    sent = next((value for name, value in fields if name == "t"), "")
    if not sent.isdigit() or abs(time.time() - int(sent)) > tolerance_s:
        return False
    expected = hmac.new(secret.encode(), f"{sent}.".encode() + body, hashlib.sha256).hexdigest()
    return any(name == "v1" and hmac.compare_digest(value, expected) for name, value in fields)


class Receiver(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        verified = verify(self.headers.get("X-Shopd-Signature", ""), body, sys.argv[3])
        print(json.dumps({"webhook_id": self.headers.get("Webhook-Id"), "verified": verified,
                          "kind": json.loads(body).get("kind")}), flush=True)
        self.send_response(204)
        self.end_headers()

    def log_message(self, *_):
        pass


server = http.server.HTTPServer(("127.0.0.1", 0), Receiver)
context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
context.load_cert_chain(sys.argv[1], sys.argv[2])
server.socket = context.wrap_socket(server.socket, server_side=True)
print(server.server_address[1], flush=True)
server.serve_forever()
