#!/usr/bin/env python3
"""The repository stands alone, and its decision ids resolve (issue 12 item 9).

Usage: check_docs.py SOURCE_ROOT

1. Every decision id cited anywhere (N1.., F1..: `// F1: ...`, test names, docs) is defined in
   docs/decisions.md as a list entry starting "- **F1: ".
2. Every test docs/decisions.md names as `file: "case"` exists: tests/<file> has that
   TEST_CASE.
3. No file refers to something outside the repository: no relative path that climbs above the
   repository's root, no absolute path into a developer's machine, no citation of sections of
   documents that are not here (a "§" sign, the names of the outside specification files).

Prints every finding and exits 1 when there is one. Reads the files git tracks when the source
is a git checkout, otherwise every file except build directories (the test image has no .git).
"""

import os
import re
import subprocess
import sys
from pathlib import Path

ID = re.compile(r"\b([NF])([1-9][0-9]?)\b")
DEFINED = re.compile(r"^- \*\*([NF][1-9][0-9]?): ", re.MULTILINE)
CITED_TEST = re.compile(r'`([\w/]+_test\.cpp): "((?:[^"\\]|\\.)*)"`')
RELATIVE_PATH = re.compile(r"(?:\.\./)+[\w.\-/]*")
# Documents that live outside this repository, and how code used to cite them.
OUTSIDE = re.compile(
    r"§|\bDECISIONS\.md|\bARCHITECTURE(?:\.md|\b)|\bSTYLE\.md|golden-scenario\.md|"
    r"strategy-backtest\.md|orders-broker-config-db\.md|engine-docker\.md|"
    r"alpaca-wire-protocol\.md|docker-env|/work/|\bspec (?:orders|backtest|[0-9])|wire spec\b"
)
TEXT_SUFFIXES = {
    ".cpp", ".hpp", ".h", ".py", ".md", ".build", ".txt", ".in", ".css", ".yaml", ".yml",
    ".json", ".sh", ".csv", ".example", ".toml", ".cfg", ".dict", "",
}
SKIP_DIRS = {".git", "subprojects", ".cache"}
THIS_FILE = Path("tests/docs/check_docs.py")


def repository_files(root: Path) -> list[Path]:
    try:
        listed = subprocess.run(
            ["git", "-C", str(root), "ls-files", "-z"], check=True, capture_output=True
        ).stdout.decode().split("\0")
        return [Path(p) for p in listed if p and (root / p).is_file()]
    except (OSError, subprocess.CalledProcessError):
        files = []
        for directory, subdirs, names in os.walk(root):
            rel = Path(directory).relative_to(root)
            subdirs[:] = [
                d for d in subdirs
                if d not in SKIP_DIRS and not (rel == Path(".") and d.startswith("build"))
            ]
            files += [rel / n for n in names]
        return files


def read_text(root: Path, path: Path) -> str | None:
    if path.suffix not in TEXT_SUFFIXES and path.name not in {"Dockerfile", ".clang-tidy"}:
        return None
    try:
        return (root / path).read_text(encoding="utf-8")
    except (UnicodeDecodeError, OSError):
        return None


def main() -> int:
    root = Path(sys.argv[1]).resolve()
    decisions_path = root / "docs" / "decisions.md"
    decisions = decisions_path.read_text(encoding="utf-8")
    defined = set(DEFINED.findall(decisions))
    problems: list[str] = []

    for path in repository_files(root):
        text = read_text(root, path)
        if text is None or path == THIS_FILE:
            continue
        for number, line in enumerate(text.splitlines(), 1):
            where = f"{path}:{number}"
            for letter, digits in ID.findall(line):
                if letter + digits not in defined:
                    problems.append(f"{where}: {letter}{digits} is not defined in docs/decisions.md")
            outside = OUTSIDE.search(line)
            if outside:
                problems.append(
                    f"{where}: cites {outside.group(0)!r}, which is not in this repository "
                    "(cite a decision id or a docs/ section)"
                )
            for relative in RELATIVE_PATH.findall(line):
                target = (root / path.parent / relative).resolve()
                if not target.is_relative_to(root):
                    problems.append(f"{where}: {relative!r} points outside the repository")

    tests_root = root / "tests"
    for file, case in CITED_TEST.findall(decisions):
        test_file = tests_root / file
        if not test_file.is_file():
            problems.append(f"docs/decisions.md: tests/{file} does not exist")
            continue
        pattern = r'TEST_CASE\(\s*"' + re.escape(case) + '"'
        if not re.search(pattern, test_file.read_text(encoding="utf-8")):
            problems.append(f'docs/decisions.md: tests/{file} has no TEST_CASE("{case}")')

    for problem in problems:
        print(problem)
    print(f"{len(problems)} problem(s); {len(defined)} decisions defined")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
