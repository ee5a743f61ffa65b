"""A stand-in for an OpenTelemetry collector (OTLP/HTTP, JSON) on loopback, that also answers
webhooks: spans exported to /v1/traces are kept (or, with keep=False, only counted), and any
other POST is taken as a webhook whose traceparent is kept."""
import http.server
import json
import threading


class Collector:
    def __init__(self, keep=True):
        collector = self
        self.keep, self.count, self.spans, self.webhook_parents = keep, 0, [], []
        self.lock = threading.Lock()

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with collector.lock:
                    if self.path == "/v1/traces":
                        collector.take(json.loads(body))
                    else:
                        collector.webhook_parents.append(self.headers.get("traceparent"))
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def take(self, export):
        """Under the lock: the spans of one export request, each tagged with its service."""
        for resource in export["resourceSpans"]:
            attributes = {item["key"]: item["value"].get("stringValue")
                          for item in resource["resource"]["attributes"]}
            for scope in resource["scopeSpans"]:
                self.count += len(scope["spans"])
                if self.keep:
                    for span in scope["spans"]:
                        span["service"] = attributes["service.name"]
                        self.spans.append(span)

    def trace(self, trace_id):
        with self.lock:
            return [span for span in self.spans if span["traceId"] == trace_id]

    def close(self):
        self.server.shutdown()
