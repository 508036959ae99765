"""How each figure of a report is obtained and how far it can be off: report.json's ``figures``,
rendered by report.md and report.html. The bounds are those the held-out corpus holds the estimates
to (tinyc.models.costs; tinyc.calibration.heldout, benchmarks/ESTIMATES.md)."""
from __future__ import annotations

from ..models.costs import CYCLES_PER_INSTRUCTION, FLASH, FLASH_BYTES, IF_ELSE_BOUND, INSTRUCTIONS, \
    INSTRUCTIONS_WORST, RAM, RAM_BYTES


def figures(task: str, signal: bool, uncalibrated: bool) -> list[dict]:
    """One entry per figure the report shows: ``figure``, how it was ``obtained``, its ``bound``."""
    what = "window" if signal else "prediction"
    metric = ("false alarms on the held-out normal rows (and the labelled anomalies' recall where the data "
              "has them)" if task == "anomaly" else "the metric on the holdout rows")
    out = [
        {"figure": "holdout metric", "obtained": f"measured: {metric}, computed by the golden model",
         "bound": "exact for the C too: every library is checked bit for bit against the golden model"},
        {"figure": "flash (estimate)", "obtained": "estimated: the model's weights counted, its code from the "
                                                   "core's calibrated profile",
         "bound": f"within {FLASH:.0%} or {FLASH_BYTES} B of the linked image (trees as if-else code: "
                  f"{IF_ELSE_BOUND:.0%})"},
        {"figure": "flash (linked)", "obtained": "linked: what the prediction adds to an image built with the "
                                                 "target's cross compiler (-Os, unused sections dropped)",
         "bound": "exact for that compiler and those flags; other flags link to other sizes"},
        {"figure": "RAM (estimate)", "obtained": "estimated: the caller's float inputs, the library's static "
                                                 "buffers, the scores on the stack and the core's calibrated "
                                                 "stack frame",
         "bound": f"within {RAM:.0%} or {RAM_BYTES} B of the linked static RAM + GCC's stack usage + the inputs "
                  f"(trees as if-else code: up to {IF_ELSE_BOUND:.0%} over)"},
        {"figure": f"instructions per {what} (estimate)",
         "obtained": "estimated: the model's units of work priced by the core's calibrated profile",
         "bound": f"within {INSTRUCTIONS:.0%} of qemu's count for most models, {INSTRUCTIONS_WORST:.0%} for every "
                  f"one"},
        {"figure": "latency (µs)", "obtained": f"estimated: instructions x {CYCLES_PER_INSTRUCTION} cycles at the "
                                               "target's clock",
         "bound": "none stated: qemu counts instructions, not cycles (an assumption about the core)"},
    ]
    out.append({"figure": f"instructions per {what} (qemu)",
                "obtained": f"counted by `tinyc verify` under qemu (once it has run): one {what}, the mean over "
                            "the rows run",
                "bound": "exact for those rows and that compiler"})
    if uncalibrated:
        out.append({"figure": "estimates on an uncalibrated target",
                    "obtained": "estimated with another core's profile (the target names why)",
                    "bound": "none stated until `tinyc calibrate` fits the target's own"})
    return out
