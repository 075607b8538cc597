"""One step of `make test`, timed: `python3 tools/step.py run NAME -- COMMAND...` runs COMMAND with its output
shown and kept in reports/test/NAME.log, then appends NAME, exit status, wall time and CPU time (user + system of
the processes it waited for) to reports/test/steps.tsv. `python3 tools/step.py summary` prints that table and a
closing line with the tests counted in the pytest and forge logs. Standard library only (it times the set-up).
"""

import re
import resource
import subprocess
import sys
import time
from pathlib import Path

DIR = Path(__file__).resolve().parents[1] / "reports" / "test"
STEPS = DIR / "steps.tsv"
# pytest: "==== 3 failed, 1180 passed, 2 skipped, 3 warnings in 512.30s ====", forge: "... 3 passed; 0 failed; 0 skipped"
PYTEST_SUMMARY = re.compile(r"^=+ (.*\d+ (?:passed|failed|errors?|skipped).*) in [\d.]+s.* =+$")
FORGE_SUMMARY = re.compile(r"Suite result: \w+\. (\d+) passed; (\d+) failed; (\d+) skipped")


def run(name: str, command: list[str]) -> int:
    DIR.mkdir(parents=True, exist_ok=True)
    start = time.monotonic()
    with (DIR / f"{name}.log").open("wb") as log:
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        for line in process.stdout:
            sys.stdout.buffer.write(line)
            sys.stdout.flush()
            log.write(line)
        status = process.wait()
    wall = time.monotonic() - start
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    with STEPS.open("a") as steps:
        steps.write(f"{name}\t{status}\t{wall:.1f}\t{usage.ru_utime + usage.ru_stime:.1f}\n")
    return status


def counts(log: Path) -> dict[str, int]:
    """Tests passed, failed (failures and errors) and skipped in one step's log."""
    total = {"passed": 0, "failed": 0, "skipped": 0}
    for line in log.read_text(errors="replace").splitlines():
        if match := PYTEST_SUMMARY.match(line.strip()):
            for number, word in re.findall(r"(\d+) (passed|failed|errors?|skipped)", match.group(1)):
                total["passed" if word == "passed" else "skipped" if word == "skipped" else "failed"] += int(
                    number
                )
        elif match := FORGE_SUMMARY.search(line):
            for key, number in zip(("passed", "failed", "skipped"), match.groups(), strict=True):
                total[key] += int(number)
    return total


def summary() -> int:
    if not STEPS.exists():
        print("no steps recorded in reports/test/steps.tsv")
        return 1
    rows = [line.split("\t") for line in STEPS.read_text().splitlines() if line]
    total = {"passed": 0, "failed": 0, "skipped": 0}
    print(f"\n{'step':<16} {'result':<10} {'wall s':>8} {'cpu s':>8}  tests")
    for name, status, wall, cpu in rows:
        found = counts(DIR / f"{name}.log") if (DIR / f"{name}.log").exists() else {}
        for key in total:
            total[key] += found.get(key, 0)
        tests = ", ".join(f"{v} {k}" for k, v in found.items() if v)
        result = "ok" if status == "0" else f"FAILED {status}"
        print(f"{name:<16} {result:<10} {float(wall):>8.1f} {float(cpu):>8.1f}  {tests}")
    print(f"\ntests: {total['passed']} passed, {total['failed']} failed, {total['skipped']} skipped")
    return 0


if __name__ == "__main__":
    if sys.argv[1:2] == ["run"] and "--" in sys.argv:
        split = sys.argv.index("--")
        sys.exit(run(sys.argv[2], sys.argv[split + 1 :]))
    if sys.argv[1:] == ["summary"]:
        sys.exit(summary())
    sys.exit("usage: python3 tools/step.py run NAME -- COMMAND... | python3 tools/step.py summary")
