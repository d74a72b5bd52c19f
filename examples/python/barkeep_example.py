#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Barkeep local API from Python, standard library only.

Lists providers, fetches bars (paging with `next`), starts a backfill and follows its
progress, and streams live bars over the WebSocket /api/v1/stream.

    BARKEEP_URL=http://127.0.0.1:8765 python3 barkeep_example.py

The token: --token-file FILE, else BARKEEP_API_TOKEN, else BARKEEP_API_TOKEN_FILE, else
~/.config/barkeep/api-token (a token given with --token is visible to other users in ps).
Options: --url (else BARKEEP_URL), --token, --token-file, --stream-seconds N (default 5).
"""
import argparse
import base64
import json
import os
import socket
import struct
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

JAN_2024 = 1704067200000
MINUTE = 60_000


class Api:
    def __init__(self, url, token):
        self.url = url.rstrip("/")
        self.token = token

    def call(self, method, path, query=None, body=None):
        url = self.url + path
        if query:
            url += "?" + urllib.parse.urlencode(query)
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(url, data=data, method=method)
        req.add_header("Authorization", "Bearer " + self.token)
        if data is not None:
            req.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(req, timeout=60) as r:
                return r.status, json.loads(r.read() or b"{}")
        except urllib.error.HTTPError as e:
            # Errors are {"error": {"code", "message"}} with a fitting status.
            return e.code, json.loads(e.read() or b"{}")


def bars(api, market, provider, symbol, timeframe, since, until, limit=500):
    """All bars of [since, until), following `next` from page to page."""
    out = []
    while since is not None and since < until:
        status, page = api.call("GET", "/api/v1/ohlcv", {
            "market": market, "provider": provider, "symbol": symbol,
            "timeframe": timeframe, "since": since, "until": until, "limit": limit})
        if status != 200:
            raise RuntimeError(f"ohlcv: {status} {page}")
        out += page["bars"]
        since = page.get("next")
    return out


class WebSocket:
    """A minimal RFC 6455 client: text frames, masking, ping/close; enough for the stream."""

    def __init__(self, url, token, timeout=10):
        u = urllib.parse.urlparse(url)
        self.sock = socket.create_connection((u.hostname, u.port or 80), timeout=timeout)
        key = base64.b64encode(os.urandom(16)).decode()
        path = (u.path or "/") + "?" + urllib.parse.urlencode({"token": token})
        self.sock.sendall((f"GET {path} HTTP/1.1\r\nHost: {u.hostname}:{u.port}\r\n"
                           f"Upgrade: websocket\r\nConnection: Upgrade\r\n"
                           f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n").encode())
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = self.sock.recv(4096)
            if not chunk:
                raise RuntimeError("connection closed during the handshake")
            head += chunk
        head, self.buf = head.split(b"\r\n\r\n", 1)
        if not head.startswith(b"HTTP/1.1 101"):
            raise RuntimeError("upgrade refused: " + head.split(b"\r\n")[0].decode())

    def _read(self, n):
        while len(self.buf) < n:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("closed")
            self.buf += chunk
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def send(self, obj, opcode=1):
        payload = json.dumps(obj).encode() if opcode == 1 else obj
        mask = os.urandom(4)
        n = len(payload)
        head = bytes([0x80 | opcode])
        if n < 126:
            head += bytes([0x80 | n])
        elif n < 65536:
            head += bytes([0x80 | 126]) + struct.pack(">H", n)
        else:
            head += bytes([0x80 | 127]) + struct.pack(">Q", n)
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        self.sock.sendall(head + mask + masked)

    def recv(self):
        """The next text message as JSON (handles fragments and pings)."""
        message = b""
        while True:
            b0, b1 = self._read(2)
            opcode, n = b0 & 0x0F, b1 & 0x7F
            if n == 126:
                n = struct.unpack(">H", self._read(2))[0]
            elif n == 127:
                n = struct.unpack(">Q", self._read(8))[0]
            payload = self._read(n)
            if opcode == 9:  # ping
                self.send(payload, opcode=10)
                continue
            if opcode == 8:
                raise ConnectionError("closed by the server")
            message += payload
            if b0 & 0x80:
                return json.loads(message)

    def close(self):
        try:
            self.send(b"\x03\xe8", opcode=8)
        finally:
            self.sock.close()


def api_token(args):
    """The token, by the same names barkeep itself reads."""
    if args.token:
        return args.token
    path = args.token_file
    if not path:
        if os.environ.get("BARKEEP_API_TOKEN"):
            return os.environ["BARKEEP_API_TOKEN"]
        config = os.environ.get("XDG_CONFIG_HOME") or os.path.expanduser("~/.config")
        path = os.environ.get("BARKEEP_API_TOKEN_FILE") or os.path.join(config, "barkeep", "api-token")
    try:
        with open(path, encoding="utf-8") as f:
            return f.readline().strip()
    except OSError:
        return ""


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--url", default=os.environ.get("BARKEEP_URL", "http://127.0.0.1:8765"))
    p.add_argument("--token", default=None)
    p.add_argument("--token-file", default=None)
    p.add_argument("--stream-seconds", type=float, default=5)
    args = p.parse_args()
    args.token = api_token(args)
    api = Api(args.url, args.token)

    status, health = api.call("GET", "/api/v1/health")
    print("health:", health.get("status"), health.get("version"))

    status, providers = api.call("GET", "/api/v1/providers")
    if status != 200:
        sys.exit(f"providers: {status} {providers}")
    print("providers:", ", ".join(f"{p['market']}/{p['id']}" for p in providers["providers"]))

    got = bars(api, "crypto", "demo", "BTC/USDT", "1m", JAN_2024, JAN_2024 + 1200 * MINUTE)
    print(f"bars: {len(got)} first={got[0]} last={got[-1]}")

    status, job = api.call("POST", "/api/v1/backfills", body={
        "market": "crypto", "provider": "demo", "symbol": "ETH/USDT",
        "since": JAN_2024, "until": JAN_2024 + 2 * 86_400_000})
    if status == 202:
        deadline = time.time() + 120
        while True:
            _, job = api.call("GET", f"/api/v1/backfills/{job['id']}")
            print(f"backfill: {job['id']} {job['state']} {job['progress']:.0%} {job['barsWritten']} bars")
            if job["state"] in ("done", "failed", "cancelled") or time.time() > deadline:
                break
            time.sleep(0.5)
    else:
        print(f"backfill: not started ({status} {job.get('error', {}).get('message')})")

    ws_url = args.url.replace("http://", "ws://") + "/api/v1/stream"
    ws = WebSocket(ws_url, args.token)
    ws.send({"op": "subscribe", "id": "btc", "market": "crypto", "provider": "demo",
             "symbol": "BTC/USDT", "timeframe": "1m", "limit": 5})
    snapshot = ws.recv()
    if snapshot.get("type") != "snapshot":
        sys.exit(f"stream: expected a snapshot, got {snapshot}")
    print(f"snapshot: {len(snapshot['bars'])} bars, last {snapshot['bars'][-1] if snapshot['bars'] else None}")
    ws.sock.settimeout(args.stream_seconds)
    try:
        end = time.time() + args.stream_seconds
        while time.time() < end:
            m = ws.recv()
            if m.get("type") == "bar":
                print(f"bar: {m['bar']} final={m['final']}")
    except (socket.timeout, TimeoutError):
        pass
    ws.sock.settimeout(10)
    ws.send({"op": "unsubscribe", "id": "btc"})
    ws.close()
    print("stream: done")


if __name__ == "__main__":
    main()
