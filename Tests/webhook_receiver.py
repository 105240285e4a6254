#!/usr/bin/env python3
"""A real Standard Webhooks receiver for Marquee's integration tests.

    webhook_receiver.py --port 0 --secret whsec_... [--secret whsec_...] [--secrets-file FILE]
                        --log FILE [--fail-first N] [--status CODE] [--retry-after SECONDS]
                        [--sleep-first N --sleep-seconds S] [--gone]

Listens on 127.0.0.1, prints "PORT <n>" as its first line on stdout, and checks every POST
with the official library (PyPI standardwebhooks: webhook-id, webhook-timestamp within five
minutes, webhook-signature "v1,<base64 HMAC-SHA256>"). A delivery is valid if it verifies with
any secret: those given with --secret plus the lines of --secrets-file, re-read on every request
so a test can rotate secrets while the receiver runs.

Answers, counting valid deliveries only (in arrival order):
  invalid signature           401
  --gone                      410, always
  first N (--fail-first N)    --status (default 500), with Retry-After if --retry-after is set
  next N (--sleep-first N)    logged at once, then sleeps --sleep-seconds (so the sender times
                              out), then 204
  otherwise                   204

Appends one JSON line per request to --log, flushed at once:
  {"id": webhook-id, "status": code, "valid": bool, "invalid": bool, "type": ..., "seq": ...,
   "attempt": n (0-based among valid deliveries, null if invalid), "receivedAt": unix float,
   "payload": parsed body (valid deliveries), "reason": why it was refused (invalid ones)}
"type" and "seq" come from the body's top level, else from its "data" object.
Exits 0 on SIGTERM or SIGINT.
"""
import argparse
import json
import signal
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

try:
    from standardwebhooks.webhooks import Webhook
except ImportError:
    sys.exit("webhook_receiver.py needs the PyPI package standardwebhooks (pip install standardwebhooks)")

MAX_BODY = 16 * 1024 * 1024


def parse_args():
    parser = argparse.ArgumentParser(description="Standard Webhooks test receiver")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--secret", action="append", default=[], help="whsec_... (repeatable)")
    parser.add_argument("--secrets-file", help="more secrets, one per line, re-read on each request")
    parser.add_argument("--log", required=True, help="JSON lines, one per request")
    parser.add_argument("--fail-first", type=int, default=0)
    parser.add_argument("--status", type=int, default=500, help="status for --fail-first (default 500)")
    parser.add_argument("--retry-after", help="Retry-After value sent with --fail-first answers")
    parser.add_argument("--sleep-first", type=int, default=0)
    parser.add_argument("--sleep-seconds", type=float, default=0.0)
    parser.add_argument("--gone", action="store_true", help="answer 410 to every valid delivery")
    args = parser.parse_args()
    if not args.secret and not args.secrets_file:
        parser.error("give at least one --secret or a --secrets-file")
    return args


class Receiver:
    """State shared by the handler threads."""

    def __init__(self, args):
        self.args = args
        self.lock = threading.Lock()
        self.valid_count = 0
        self.log = open(args.log, "a", encoding="utf-8")

    def secrets(self):
        secrets = list(self.args.secret)
        if self.args.secrets_file:
            try:
                with open(self.args.secrets_file, encoding="utf-8") as f:
                    secrets += [line.strip() for line in f if line.strip() and not line.startswith("#")]
            except OSError:
                pass
        return secrets

    def verify(self, body, headers):
        """(True, None) if any secret verifies the delivery, else (False, last reason)."""
        reason = "no secrets"
        for secret in self.secrets():
            try:
                Webhook(secret).verify(body, headers, json_parse=False)
                return True, None
            except Exception as error:  # the library raises several types on bad input
                reason = f"{type(error).__name__}: {error}"
        return False, reason

    def next_attempt(self):
        with self.lock:
            n = self.valid_count
            self.valid_count += 1
            return n

    def write(self, record):
        line = json.dumps(record, separators=(",", ":"))
        with self.lock:
            self.log.write(line + "\n")
            self.log.flush()


def field(payload, name):
    if not isinstance(payload, dict):
        return None
    if name in payload:
        return payload[name]
    data = payload.get("data")
    return data.get(name) if isinstance(data, dict) else None


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "webhook-receiver"
    receiver: Receiver  # set on the class in main()

    def log_message(self, format, *args):  # keep stderr quiet
        pass

    def read_body(self):
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            body = b""
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline().strip():  # trailers
                        pass
                    return body
                body += self.rfile.read(size)
                self.rfile.readline()
                if len(body) > MAX_BODY:
                    raise ValueError("body too large")
        length = int(self.headers.get("Content-Length") or 0)
        if length < 0 or length > MAX_BODY:
            raise ValueError("bad Content-Length")
        return self.rfile.read(length)

    def answer(self, status, headers=()):
        try:
            self.send_response(status)
            for name, value in headers:
                self.send_header(name, value)
            if status != 204:
                self.send_header("Content-Length", "0")
            self.end_headers()
        except OSError:  # the sender gave up (timeout test): nothing to do
            self.close_connection = True

    def do_POST(self):
        received_at = time.time()
        receiver = self.receiver
        args = receiver.args
        try:
            body = self.read_body()
        except (ValueError, OSError):
            self.close_connection = True
            self.answer(400)
            return
        headers = {name.lower(): value for name, value in self.headers.items()}
        record = {"id": headers.get("webhook-id"), "receivedAt": received_at, "path": self.path}
        valid, reason = receiver.verify(body, headers)
        try:
            payload = json.loads(body)
        except ValueError:
            payload = None
        record["type"] = field(payload, "type")
        record["seq"] = field(payload, "seq")
        if not valid:
            record.update(status=401, valid=False, invalid=True, attempt=None, reason=reason)
            receiver.write(record)
            self.answer(401)
            return

        attempt = receiver.next_attempt()
        record.update(valid=True, invalid=False, attempt=attempt, payload=payload)
        extra = []
        if args.gone:
            status = 410
        elif attempt < args.fail_first:
            status = args.status
            if args.retry_after is not None:
                extra.append(("Retry-After", args.retry_after))
        elif attempt < args.fail_first + args.sleep_first:
            # Logged on arrival: the sender will have given up by the time this answers.
            record.update(status=204, slept=args.sleep_seconds)
            receiver.write(record)
            time.sleep(args.sleep_seconds)
            self.answer(204)
            return
        else:
            status = 204
        record["status"] = status
        receiver.write(record)
        self.answer(status, extra)

    def do_GET(self):
        # A readiness probe; deliveries are POSTs.
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", "3")
        self.end_headers()
        self.wfile.write(b"ok\n")


def main():
    args = parse_args()
    Handler.receiver = Receiver(args)
    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.daemon_threads = True  # a sleeping handler must not hold up exit
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    print(f"PORT {server.server_address[1]}", flush=True)
    while not stop.wait(1.0):
        pass
    server.shutdown()
    server.server_close()
    Handler.receiver.log.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
