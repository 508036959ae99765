"""An emitted ISPU project compiled with host gcc against the register shim
(TINYC_ISPU_HOST) and fed raw int16 accelerometer + gyroscope samples through the
sensor's registers: what the ISPU tests share."""
import subprocess
from pathlib import Path

STRICT = ["cc", "-std=c99", "-Wall", "-Wextra", "-Werror", "-pedantic", "-fno-strict-aliasing", "-DTINYC_ISPU_HOST"]

REGISTERS = ("ARAW_X", "ARAW_Y", "ARAW_Z", "GRAW_X", "GRAW_Y", "GRAW_Z")


def driver(model: str, raw_rows, before: str = "", after: str = "") -> str:
    """main(): for every sample, ``before``, the six raw registers written, algo_00(), ``after``
    (C statements; ``i`` is the sample index)."""
    rows = ",\n".join("{" + ", ".join(str(int(v)) for v in r) + "}" for r in raw_rows)
    feed = "".join(f"        TINYC_REG(int16_t, TINYC_ISPU_{reg}) = samples[i][{j}];\n"
                   for j, reg in enumerate(REGISTERS))
    return (f'#include <stdio.h>\n#include <stdint.h>\n#include <string.h>\n#include "tinyc_ispu.h"\n'
            f'#include "{model}.h"\n'
            "volatile uint32_t tinyc_ispu_regs[TINYC_ISPU_REG_SPACE / 4u];\n"
            "void algo_00_init(void);\nvoid algo_00(void);\n"
            f"static const int16_t samples[][6] = {{\n{rows}\n}};\n"
            "int main(void)\n{\n    unsigned i;\n    algo_00_init();\n"
            "    for (i = 0; i < sizeof samples / sizeof samples[0]; ++i) {\n"
            f"{before}{feed}        algo_00();\n{after}    }}\n    return 0;\n}}\n")


def run(folder: Path, model: str, driver_source: str, defines=()) -> list[str]:
    """Compile the project in ``folder`` with ``driver_source`` and run it: its output lines."""
    (folder / "driver.c").write_text(driver_source)
    exe = folder / "ispu_host"
    r = subprocess.run([*STRICT, *defines, "-I", str(folder / "src"),
                        str(folder / "src" / "main.c"), str(folder / "src" / f"{model}.c"), str(folder / "driver.c"),
                        "-o", str(exe), "-lm"], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    return subprocess.run([str(exe)], check=True, capture_output=True, text=True).stdout.split("\n")[:-1]
