#!/usr/bin/python3
# A Python 3 client of the lab's servers (tests/integration/README.md, suite BrokerPython), made the
# ways Python programs make sockets, so that the preload shim meets CPython's own socket() calls
# (type | SOCK_CLOEXEC, its getsockopt checks) rather than a C program's:
#
#   python_client.py socket ADDRESS             socket.socket(), connect, GET / on port 80
#   python_client.py create_connection ADDRESS  socket.create_connection((ADDRESS, 80)), GET /
#   python_client.py udp ADDRESS                socket.socket(family, SOCK_DGRAM), one datagram to port 7
#   python_client.py flags ADDRESS              SOCK_NONBLOCK | SOCK_CLOEXEC asked for, then none of them
#
# Prints "device=DEV" (the socket's SO_BINDTODEVICE, "" when unbound) and "answer=NAME" (the server's
# name: which gateway answered), or for flags one line per socket with what the descriptor has.
# Exit 0; 1 with the exception on stderr. /usr/bin/python3 on purpose: Debian's CPython.
import fcntl
import os
import socket
import sys


def family_of(address):
    return socket.AF_INET6 if ":" in address else socket.AF_INET


def device(sock):
    return sock.getsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, 16).rstrip(b"\0").decode()


def http_get(sock, address):
    sock.sendall(b"GET / HTTP/1.0\r\nHost: lab\r\n\r\n")
    response = b""
    while chunk := sock.recv(4096):
        response += chunk
    return response.split(b"\r\n\r\n", 1)[1].decode().strip()


def tcp_by_socket(address):
    # Exactly `socket.socket()` for IPv4: the case that failed with EBADF.
    sock = socket.socket() if family_of(address) == socket.AF_INET else socket.socket(socket.AF_INET6)
    with sock:
        sock.settimeout(5)
        sock.connect((address, 80))
        return device(sock), http_get(sock, address)


def tcp_by_create_connection(address):
    with socket.create_connection((address, 80), timeout=5) as sock:
        return device(sock), http_get(sock, address)


def udp(address):
    with socket.socket(family_of(address), socket.SOCK_DGRAM) as sock:
        sock.settimeout(2)
        for _ in range(3):
            sock.sendto(b"which?", (address, 7))
            try:
                return device(sock), sock.recv(512).decode().strip()
            except socket.timeout:
                continue
        raise TimeoutError(f"no UDP answer from {address}")


def flags(address):
    lines = []
    for name, extra in (("nonblock+cloexec", socket.SOCK_NONBLOCK | socket.SOCK_CLOEXEC), ("none", 0)):
        with socket.socket(family_of(address), socket.SOCK_STREAM | extra) as sock:
            fd = sock.fileno()
            nonblocking = bool(fcntl.fcntl(fd, fcntl.F_GETFL) & os.O_NONBLOCK)
            cloexec = bool(fcntl.fcntl(fd, fcntl.F_GETFD) & fcntl.FD_CLOEXEC)
            lines.append(f"{name}: device={device(sock)} nonblocking={int(nonblocking)} cloexec={int(cloexec)} "
                         f"type={int(sock.type)} family={int(sock.family)} proto={sock.proto}")
    return lines


def main():
    mode, address = sys.argv[1], sys.argv[2]
    if mode == "flags":
        print("\n".join(flags(address)))
        return
    made = {"socket": tcp_by_socket, "create_connection": tcp_by_create_connection, "udp": udp}[mode]
    dev, answer = made(address)
    print(f"device={dev}")
    print(f"answer={answer}")


if __name__ == "__main__":
    main()
