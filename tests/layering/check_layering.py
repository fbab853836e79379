#!/usr/bin/env python3
"""Issue 12 item 6: the layers depend downward only, checked on every include of the library and
of trader-data, and on what the built trader-data links.

  check_layering.py SOURCE_ROOT [TRADER_DATA_BINARY]

A file of layer L (libtrader/include/trader/L/... or libtrader/src/L/...) may include a header of
layer M (<trader/M/...> or "M/...") only when M is L or below it. tools/trader-data includes
nothing of the backtest driver, and the built trader-data refers to no symbol of
trader::backtest (libtrader is one shared library: "does not link the backtest driver" means the
dynamic linker resolves none of the driver's symbols for it). Prints every violation; exit 1 when
there is one.
"""
import pathlib
import re
import subprocess
import sys

# Lowest first; layers of one rank may include each other.
RANKS = {
    "core": 0, "calendar": 0, "config": 0, "log": 0,  # foundation
    "data": 1,
    "strategy": 2, "orders": 2, "risk": 2, "broker": 2,  # domain
    "engine": 3,
    "store": 4, "net": 4, "alpaca": 4,  # adapters (and their transport) and storage
    "marketdata": 5,
    "backtest": 6, "runtime": 6, "sweep": 6,  # drivers
}
DRIVERS = {"backtest", "runtime", "sweep"}
INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]', re.MULTILINE)


def included_layer(bracket, path):
    parts = path.split("/")
    if bracket == "<" and len(parts) > 2 and parts[0] == "trader":
        return parts[1]
    if bracket == '"' and len(parts) > 1 and parts[0] in RANKS:
        return parts[0]
    return None


def check_library(root, problems):
    for base in (root / "libtrader/include/trader", root / "libtrader/src"):
        for path in sorted(base.rglob("*")):
            if path.suffix not in (".hpp", ".cpp", ".h") or not path.is_file():
                continue
            layer = path.relative_to(base).parts[0]
            if layer not in RANKS:
                problems.append(f"{path.relative_to(root)}: layer '{layer}' is not in the table")
                continue
            for bracket, included in INCLUDE.findall(path.read_text(errors="replace")):
                other = included_layer(bracket, included)
                if other is None or other not in RANKS:
                    continue
                if RANKS[other] > RANKS[layer]:
                    problems.append(f"{path.relative_to(root)}: {layer} includes {included} "
                                    f"({other} is above {layer})")


def check_trader_data(root, binary, problems):
    for path in sorted((root / "tools/trader-data").rglob("*")):
        if not path.is_file():
            continue
        for bracket, included in INCLUDE.findall(path.read_text(errors="replace")):
            if included_layer(bracket, included) in DRIVERS:
                problems.append(f"{path.relative_to(root)}: trader-data includes {included} "
                                "(a driver)")
    if binary:
        symbols = subprocess.run(["nm", "-D", "-C", "--undefined-only", binary], check=True,
                                 capture_output=True, text=True).stdout
        for line in symbols.splitlines():
            if any(f"trader::{driver}::" in line for driver in DRIVERS):
                problems.append(f"{binary} links a driver symbol: {line.strip()}")


def main():
    root = pathlib.Path(sys.argv[1])
    binary = sys.argv[2] if len(sys.argv) > 2 else None
    problems = []
    check_library(root, problems)
    check_trader_data(root, binary, problems)
    for p in problems:
        print(p)
    print(f"{len(problems)} layering problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
