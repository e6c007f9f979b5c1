#!/usr/bin/env python3
"""TollGuard chat relay: receives TollGuard's signed webhook events and posts each as a chat
message to Slack or Mattermost (an incoming-webhook URL) or to a Matrix room.

    TOLLGUARD_RELAY_SECRET=... CHAT_URL=https://hooks.slack.com/services/... \
        chat-relay.py --listen 127.0.0.1:9480

    # Matrix: CHAT_URL=https://matrix.example.net MATRIX_ROOM='!abc:example.net' MATRIX_TOKEN=... \
    #     chat-relay.py --listen 127.0.0.1:9480 --matrix

and in tollguard.toml:

    [[hooks]]
    name = "chat"
    type = "webhook"
    url = "http://127.0.0.1:9480/"
    secret_env = "TOLLGUARD_RELAY_SECRET"
    events = ["alert", "suspend", "unsuspend", "quota_warning"]

Only events signed with the shared secret (X-TollGuard-Signature: sha256=<HMAC of the body>) are
relayed; anything else is answered 401 and dropped. The message is built from the event's
fields as plain text (JSON-encoded for the chat service, never interpreted): an account or caller
name cannot turn into a mention, a link or markup beyond what the chat shows as text. A chat
that does not answer within CHAT_TIMEOUT seconds (default 10) is answered 502, and TollGuard
retries the delivery. Python's standard library only.
"""
import argparse
import hashlib
import hmac
import json
import os
import sys
import urllib.request
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MAX_BODY = 1 << 20


def clean(value, limit=300):
    text = "".join(ch for ch in str(value) if ch.isprintable())
    return text[:limit]


def message(event):
    """The chat text of one event."""
    subject = event.get("subject") or {}
    lines = [
        "TollGuard %s: %s %s" % (clean(event.get("type", "event")), clean(subject.get("type", "")),
                                 clean(subject.get("value", ""))),
        clean(event.get("reason", "")),
    ]
    if event.get("severity"):
        lines.append("severity: %s" % clean(event["severity"]))
    figures = event.get("figures") or {}
    if figures.get("calls"):
        lines.append("calls: %s, %s %s" % (clean(figures.get("calls")), clean(figures.get("cost", "")),
                                           clean(figures.get("currency", ""))))
    suspension = event.get("suspension") or {}
    if suspension.get("id") is not None:
        lines.append("suspension %s%s" % (clean(suspension["id"]), "" if suspension.get("enforced", True)
                                          else " (report-only)"))
    return "\n".join(line for line in lines if line)


def post(url, body, method="POST", token=None):
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method=method)
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", "Bearer " + token)
    with urllib.request.urlopen(request, timeout=Relay.timeout) as answer:
        return answer.status


class Relay(BaseHTTPRequestHandler):
    secret = b""
    chat_url = ""
    timeout = 10.0
    matrix = None  # (room, token)

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        if length <= 0 or length > MAX_BODY:
            return self.answer(413 if length > MAX_BODY else 400)
        body = self.rfile.read(length)
        expected = "sha256=" + hmac.new(self.secret, body, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, self.headers.get("X-TollGuard-Signature", "")):
            return self.answer(401)
        try:
            event = json.loads(body)
        except ValueError:
            return self.answer(400)
        text = message(event)
        try:
            if self.matrix:
                room, token = self.matrix
                url = "%s/_matrix/client/v3/rooms/%s/send/m.room.message/%s" % (
                    self.chat_url.rstrip("/"), urllib.request.quote(room, safe=""), uuid.uuid4().hex)
                post(url, {"msgtype": "m.text", "body": text}, method="PUT", token=token)
            else:
                post(self.chat_url, {"text": text})
        except Exception as error:  # the chat is down: TollGuard retries the delivery
            print("chat-relay: the chat refused the message: %s" % error, file=sys.stderr)
            return self.answer(502)
        self.answer(200)

    def answer(self, status):
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


def main():
    parser = argparse.ArgumentParser(description="Relay TollGuard's signed events to a chat.")
    parser.add_argument("--listen", default="127.0.0.1:9480", help="address:port to listen on (port 0: any)")
    parser.add_argument("--matrix", action="store_true", help="post to the Matrix room MATRIX_ROOM")
    options = parser.parse_args()
    secret = os.environ.get("TOLLGUARD_RELAY_SECRET", "")
    chat_url = os.environ.get("CHAT_URL", "")
    if not secret or not chat_url:
        sys.exit("chat-relay: set TOLLGUARD_RELAY_SECRET and CHAT_URL")
    Relay.secret = secret.encode()
    Relay.chat_url = chat_url
    try:
        Relay.timeout = float(os.environ.get("CHAT_TIMEOUT", "10"))
    except ValueError:
        sys.exit("chat-relay: CHAT_TIMEOUT must be a number of seconds")
    if options.matrix:
        room, token = os.environ.get("MATRIX_ROOM", ""), os.environ.get("MATRIX_TOKEN", "")
        if not room or not token:
            sys.exit("chat-relay: --matrix needs MATRIX_ROOM and MATRIX_TOKEN")
        Relay.matrix = (room, token)
    host, _, port = options.listen.rpartition(":")
    server = ThreadingHTTPServer((host or "127.0.0.1", int(port)), Relay)
    print("chat-relay: listening on %s:%d" % server.server_address[:2], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
