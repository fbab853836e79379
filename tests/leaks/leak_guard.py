#!/usr/bin/env python3
"""Every test of the suite runs under this wrapper (meson's 'default' test setup): it passes the
test's output through unchanged and fails the test when any of it holds an API key or secret the
suite plants (issue 13: "a test greps every output of the suite for the keys"). That covers the
doctest suites' log lines, the tools the end-to-end tests start (their output reaches the test's
own output only when a check fails, which is then a failure anyway, so the tools' own tests check
their captured output too: support/secret_canary.hpp) and the Python checks.

  leak_guard.py COMMAND [ARG]...

Exit status: the command's, or 1 when it passed but its output held a secret (the message names
the secret by its first four characters only).
"""
import os
import selectors
import subprocess
import sys

# Every credential the tests and doubles use, whole; and the two canaries of
# support/secret_canary.hpp, any 8-character piece of which counts (a masked value shows 4).
WHOLE = [
    "PKVENUE00000000000001", "venue-secret-00000000000000000000000001",
    "PKDOUBLE0000000000001", "double-secret-0000000000000000000000000001",
    "PKNETTEST00000000001", "net-secret-00000000000000000000000000001",
    "PKPROCESS00000000001", "process-secret-000000000000000000000001",
    "PKTEST00000000000001", "secret-000000000000000000000000000000001",
    "wrong-secret-0000000000000000000000000009", "PKFROMSETTINGS000001",
    "secret-from-settings", "PKLQZZGHJKMNPQRSTVWYZ", "PKZZGHJKLMNPQRSTVWYZ",
    "PKTESTKEY12345678", "PKTESTKEY0123456789AB", "PKTESTKEY0000WXYZ", "PKABCDEFGH1234",
    "SKwrongwrongwrongwrongwrong", "testSECRET0123456789abcdefghijklmnopqrst",
    "PKRUNTEST0000000001", "run-test-secret-000000000000000001",
]
CANARIES = ["PKLEAKCANARY0123456789", "SKLEAKCANARYsecretvalue9876543210"]
WINDOW = 8


def pieces():
    for secret in WHOLE:
        yield secret, secret
    for canary in CANARIES:
        for at in range(len(canary) - WINDOW + 1):
            yield canary, canary[at:at + WINDOW]


def leaks(data):
    found = []
    for secret, piece in pieces():
        if piece.encode() in data and secret not in found:
            found.append(secret)
    return found


def main():
    if len(sys.argv) < 2:
        print("usage: leak_guard.py COMMAND [ARG]...", file=sys.stderr)
        return 2
    try:
        child = subprocess.Popen(sys.argv[1:], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    except OSError as error:
        print(f"leak_guard.py: cannot start {sys.argv[1]}: {error}", file=sys.stderr)
        return 127
    outputs = {child.stdout: (sys.stdout.buffer, bytearray()),
               child.stderr: (sys.stderr.buffer, bytearray())}
    selector = selectors.DefaultSelector()
    for stream in outputs:
        selector.register(stream, selectors.EVENT_READ)
    while selector.get_map():
        for key, _ in selector.select():
            chunk = os.read(key.fileobj.fileno(), 65536)
            if not chunk:
                selector.unregister(key.fileobj)
                continue
            sink, kept = outputs[key.fileobj]
            sink.write(chunk)
            sink.flush()
            kept += chunk
    status = child.wait()
    found = leaks(bytes(outputs[child.stdout][1]) + b"\n" + bytes(outputs[child.stderr][1]))
    for secret in found:
        print(f"leak_guard.py: the output of {os.path.basename(sys.argv[1])} holds a planted "
              f"secret ({secret[:4]}...)", file=sys.stderr)
    if status < 0:
        return 128 - status  # a signal: as a shell reports it
    return status if status != 0 or not found else 1


if __name__ == "__main__":
    sys.exit(main())
