"""`gate validate FILE` against checkov, the tool users pick today, on the same file:
`helm template` of bench/charts/big (2,002 objects), the whole command each time.

checkov runs as `checkov --framework kubernetes -f FILE --quiet --compact
--skip-download` (--skip-download: no call to its platform for policy metadata, which
this machine could not reach anyway), restricted with --check to its checks that match
gate's built-in pack: CKV_K8S_8 and CKV_K8S_9 (liveness and readiness probes: gate's
pack checks startupProbe, which checkov has no check for), CKV_K8S_10 to CKV_K8S_13
(cpu and memory requests and limits), CKV_K8S_14 (image tag not latest or blank) and
CKV_K8S_43 (image pinned by digest). The ids were read from checkov's own
checkov/kubernetes/checks/resource/k8s/. A second row runs every check of its
kubernetes framework.

Target (issue 13): gate at least 25 x faster than checkov (restricted). checkov lives
in its own virtual environment, .tools/checkov/ (`make bench-tools`); when it could
not be installed, its rows say so and are skipped.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from common import (
    BIG_CHART,
    REPO,
    Row,
    best_of,
    duration,
    emit,
    gate_command,
    helm_template,
    interleaved,
    scratch,
    timed,
)

CHECKOV = REPO / ".tools" / "checkov" / "bin" / "checkov"
CHECKS = [
    "CKV_K8S_8",
    "CKV_K8S_9",
    "CKV_K8S_10",
    "CKV_K8S_11",
    "CKV_K8S_12",
    "CKV_K8S_13",
    "CKV_K8S_14",
    "CKV_K8S_43",
]
RUNS = 3
TARGET = 25.0
WORKLOAD = "gate validate vs checkov, 2,002-object file"


def checkov(file: Path, home: Path, *extra: str) -> None:
    env = {**os.environ, "HOME": str(home), "BC_SKIP_MAPPING": "TRUE"}
    command = [str(CHECKOV), "--framework", "kubernetes", "-f", str(file)]
    command += ["--quiet", "--compact", "--skip-download", *extra]
    done = subprocess.run(command, cwd=file.parent, env=env, capture_output=True, check=False)
    # 1 is "some check failed" (the big chart has no liveness probes, no limits).
    if done.returncode not in (0, 1) or b"Traceback" in done.stderr:
        raise SystemExit(f"checkov exited {done.returncode}: {done.stderr.decode()[-2000:]}")


def gate_validate(file: Path) -> None:
    # In a folder without gate.yaml: the built-in pack and the schemas, as the rows compare.
    done = subprocess.run(
        [*gate_command(), "validate", str(file), "--quiet"],
        cwd=file.parent,
        capture_output=True,
        check=False,
    )
    if done.returncode not in (0, 1):
        raise SystemExit(f"gate validate exited {done.returncode}: {done.stderr.decode()}")


def main() -> int:
    with scratch("checkov") as root:
        file = root / "big.yaml"
        file.write_text(helm_template(BIG_CHART), encoding="utf-8")
        if not CHECKOV.exists():
            gate_seconds = best_of(RUNS, lambda: gate_validate(file))
            emit(
                [
                    Row(
                        key="checkov-restricted",
                        workload=WORKLOAD,
                        reference="checkov NOT INSTALLED: row skipped",
                        measured=f"gate validate {duration(gate_seconds)}",
                        figure=None,
                        target_text=f">= {TARGET:g}x faster",
                        note="checkov is not in .tools/checkov: `make bench-tools` could not "
                        "install it (see its message above)",
                    )
                ],
                ["checkov is not installed (.tools/checkov): its row is skipped"],
            )
            return 0
        version = subprocess.run(
            [str(CHECKOV), "--version"], capture_output=True, text=True, check=False
        ).stdout.strip()
        home = root / "home"
        home.mkdir()
        # Interleaved, so that both see the same load on a shared machine.
        seconds = interleaved(
            RUNS,
            {
                "gate": lambda: gate_validate(file),
                "checkov": lambda: checkov(file, home, "--check", ",".join(CHECKS)),
            },
        )
        gate_seconds, restricted = seconds["gate"], seconds["checkov"]
        everything = timed(lambda: checkov(file, home))

    rows = [
        Row(
            key="checkov-restricted",
            workload=f"{WORKLOAD} ({len(CHECKS)} equivalent checks)",
            reference=f"checkov {duration(restricted)}",
            measured=f"gate validate {duration(gate_seconds)}",
            figure=restricted / gate_seconds,
            unit="x faster",
            op=">=",
            target=TARGET,
            note=f"checkov {version}: --check {','.join(CHECKS)}",
            seconds={"reference": restricted, "measured": gate_seconds},
        ),
        Row(
            key="checkov-all",
            workload=f"{WORKLOAD} (every checkov k8s check)",
            reference=f"checkov {duration(everything)}",
            measured=f"gate validate {duration(gate_seconds)}",
            figure=everything / gate_seconds,
            unit="x faster",
            note=f"checkov {version}, every check of --framework kubernetes, one run",
            seconds={"reference": everything, "measured": gate_seconds},
        ),
    ]
    emit(rows, [f"checkov {version}, restricted to {','.join(CHECKS)}"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
