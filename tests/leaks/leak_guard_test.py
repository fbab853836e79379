#!/usr/bin/env python3
"""The leak guard itself: output passes through, a planted key or a canary piece in stdout or
stderr fails a passing command, the command's own status and signals are kept; and every key
the test sources plant ("PK..."/"SK..." literals, "...-secret-NNN") is on the guard's list.

  leak_guard_test.py LEAK_GUARD SOURCE_ROOT
"""
import importlib.util
import pathlib
import re
import subprocess
import sys

guard = sys.argv[1]
root = pathlib.Path(sys.argv[2])
failures = []

spec = importlib.util.spec_from_file_location("leak_guard", guard)
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
known = set(module.WHOLE) | set(module.CANARIES)
planted = re.compile(r'"((?:PK|SK)[A-Za-z0-9]{10,}|[a-z-]+-secret-[0-9]+)"')
for folder in ("tests", "bench", "fuzz"):
    for path in sorted((root / folder).rglob("*")):
        if path.suffix not in (".cpp", ".hpp", ".h") or not path.is_file():
            continue
        for key in planted.findall(path.read_text(errors="replace")):
            if key not in known:
                failures.append(f"{path.relative_to(root)}: the key {key[:4]}... is not on "
                                "leak_guard.py's list (WHOLE)")


def run(script):
    result = subprocess.run([sys.executable, guard, sys.executable, "-c", script],
                            capture_output=True, text=True)
    return result.returncode, result.stdout, result.stderr


def expect(name, got, wanted):
    if got != wanted:
        failures.append(f"{name}: got {got!r}, wanted {wanted!r}")


code, out, err = run("print('hello'); import sys; print('warn', file=sys.stderr)")
expect("clean output passes", (code, out, err), (0, "hello\n", "warn\n"))
code, out, err = run("print('key PKVENUE00000000000001')")
expect("a whole key in stdout fails", code, 1)
expect("the guard names the key by 4 characters", "PKVE..." in err and "PKVENUE0" not in err,
       True)
code, _, err = run("import sys; print('x SKLEAKCANARYsecr y', file=sys.stderr)")
expect("a canary piece in stderr fails", code, 1)
code, _, _ = run("print('****3210 masked is fine')")
expect("a masked key passes", code, 0)
code, _, _ = run("import sys; sys.exit(3)")
expect("a failing command keeps its status", code, 3)
code, _, _ = run("import os, signal; os.kill(os.getpid(), signal.SIGABRT)")
expect("a signal is reported as 128+N", code, 134)

for failure in failures:
    print(failure)
print(f"leak guard: {len(failures)} check(s) failed")
sys.exit(1 if failures else 0)
