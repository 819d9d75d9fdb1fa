#!/usr/bin/env python3
"""The lab's server: tells a client which namespace answered.

Usage: lab-server.py NAME [--http-port PORT] [--udp-port PORT] [ADDRESS ...]

Answers on each ADDRESS, by default 203.0.113.10 and 2001:db8:ffff::10 (which must exist, on lo);
0.0.0.0 and :: listen on every address of the namespace, also those added later:
  TCP 80  HTTP/1.0: any GET (or HEAD) gets "200 OK" with the body "NAME\\n"; other methods get 405,
          a malformed request 400; one request per connection. (--http-port PORT instead of 80.)
  UDP 7   every datagram is answered with "NAME\\n". (--udp-port PORT instead; 0: no UDP.)
One process, one selector loop, no threads. A bad or slow client costs one connection, never the
server: requests are capped at 8 KiB and idle connections are closed after 10 s.
Started by tools/lab.sh in each gateway namespace, and in the host namespace as "host" on TCP 8088
of every address (the service that inbound connections reach); stops on SIGTERM or SIGINT.
"""

import argparse
import selectors
import signal
import socket
import sys
import time

ADDRESSES = ("203.0.113.10", "2001:db8:ffff::10")
HTTP_PORT = 80
ECHO_PORT = 7
MAX_REQUEST = 8192
IDLE_TIMEOUT_S = 10.0


def log(message):
    print(f"lab-server: {message}", file=sys.stderr, flush=True)


def bound_socket(address, kind, port):
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    sock = socket.socket(family, kind)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if family == socket.AF_INET6:
        sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
    sock.bind((address, port))
    sock.setblocking(False)
    return sock


def http_response(status, reason, body, with_body=True):
    head = (
        f"HTTP/1.0 {status} {reason}\r\n"
        f"Content-Type: text/plain\r\n"
        f"Content-Length: {len(body)}\r\n"
        f"Connection: close\r\n\r\n"
    ).encode()
    return head + (body if with_body else b"")


class Connection:
    """One HTTP client: reads a request head, then writes the answer and closes."""

    def __init__(self, sock, peer):
        self.sock = sock
        self.peer = peer
        self.inbuf = b""
        self.outbuf = b""
        self.last_activity = time.monotonic()

    def answer_for(self, body):
        head = self.inbuf.split(b"\n", 1)[0].rstrip(b"\r")
        parts = head.split()
        if len(parts) not in (2, 3) or not parts[1].startswith((b"/", b"http")):
            return http_response(400, "Bad Request", b"bad request\n")
        method = parts[0]
        if method == b"GET":
            return http_response(200, "OK", body)
        if method == b"HEAD":
            return http_response(200, "OK", body, with_body=False)
        return http_response(405, "Method Not Allowed", b"method not allowed\n")


class Server:
    def __init__(self, name, addresses, http_port=HTTP_PORT, udp_port=ECHO_PORT):
        self.body = f"{name}\n".encode()
        self.selector = selectors.DefaultSelector()
        self.connections = {}
        self.stopping = False
        # UDP first: once TCP accepts (what lab.sh waits for), everything is bound.
        for address in addresses if udp_port else ():
            udp = bound_socket(address, socket.SOCK_DGRAM, udp_port)
            self.selector.register(udp, selectors.EVENT_READ, self.on_datagram)
        for address in addresses:
            tcp = bound_socket(address, socket.SOCK_STREAM, http_port)
            tcp.listen(64)
            self.selector.register(tcp, selectors.EVENT_READ, self.on_accept)
        udp_text = f"UDP {udp_port}" if udp_port else "no UDP"
        log(f"answering '{name}' on {', '.join(addresses)} (TCP {http_port}, {udp_text})")

    def on_datagram(self, sock, _events):
        while True:
            try:
                _data, peer = sock.recvfrom(65535)
            except (BlockingIOError, InterruptedError):
                return
            try:
                sock.sendto(self.body, peer)
            except OSError as error:
                log(f"udp reply to {peer}: {error}")

    def on_accept(self, sock, _events):
        while True:
            try:
                client, peer = sock.accept()
            except (BlockingIOError, InterruptedError):
                return
            except OSError as error:  # e.g. EMFILE: keep serving the others
                log(f"accept: {error}")
                return
            client.setblocking(False)
            self.connections[client] = Connection(client, peer)
            self.selector.register(client, selectors.EVENT_READ, self.on_client)

    def on_client(self, sock, events):
        conn = self.connections[sock]
        conn.last_activity = time.monotonic()
        if events & selectors.EVENT_READ:
            data = sock.recv(4096)
            if not data:
                self.close(sock)
                return
            conn.inbuf += data
            if b"\r\n\r\n" in conn.inbuf or b"\n\n" in conn.inbuf:
                conn.outbuf = conn.answer_for(self.body)
            elif len(conn.inbuf) > MAX_REQUEST:
                conn.outbuf = http_response(431, "Request Header Fields Too Large", b"too large\n")
            else:
                return
            self.selector.modify(sock, selectors.EVENT_WRITE, self.on_client)
            return
        sent = sock.send(conn.outbuf)
        conn.outbuf = conn.outbuf[sent:]
        if not conn.outbuf:
            self.close(sock)

    def close(self, sock):
        self.connections.pop(sock, None)
        try:
            self.selector.unregister(sock)
        except (KeyError, ValueError):
            pass
        sock.close()

    def close_idle(self):
        now = time.monotonic()
        for sock, conn in list(self.connections.items()):
            if now - conn.last_activity > IDLE_TIMEOUT_S:
                self.close(sock)

    def run(self):
        while not self.stopping:
            for key, events in self.selector.select(timeout=1.0):
                try:
                    key.data(key.fileobj, events)
                except Exception as error:  # one bad client costs its connection, never the server
                    log(f"client error: {error!r}")
                    if key.fileobj in self.connections:
                        self.close(key.fileobj)
            self.close_idle()


def port(text):
    value = int(text)
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"expected a port from 0 to 65535, got {text}")
    return value


def main(argv):
    parser = argparse.ArgumentParser(prog="lab-server.py", usage=__doc__.split("\n\n")[1].removeprefix("Usage: "))
    parser.add_argument("name")
    parser.add_argument("--http-port", type=port, default=HTTP_PORT)
    parser.add_argument("--udp-port", type=port, default=ECHO_PORT)
    parser.add_argument("addresses", nargs="*", default=list(ADDRESSES))
    args = parser.parse_intermixed_args(argv[1:])
    if not args.name or args.http_port == 0:
        parser.print_usage(sys.stderr)
        return 2
    server = Server(args.name, args.addresses, args.http_port, args.udp_port)

    def stop(_signum, _frame):
        server.stopping = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    server.run()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
