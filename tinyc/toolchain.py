"""A target's cross toolchain, measured: how much flash and RAM the inference entry point of an
emitted library really takes on a core. The toolchain (compiler, size, nm, link flags) is the one
the target's backend declares (``backend.toolchain``, e.g. tinyc_backends.arm.ARM_TOOLCHAIN).

The library is linked twice with ``--gc-sections`` into a bare image whose
entry calls the model (and once into the same image without the call); the
difference of the ``size`` tool's figures is what the model costs,
library code it pulls in (soft-float, libm) included. Symbols from libgcc /
libm are listed separately.
"""
from __future__ import annotations

import re
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

STRICT = ("-std=c99", "-Wall", "-Wextra", "-Werror", "-pedantic")


@dataclass(frozen=True)
class Measured:
    flash: int  # text + data of the model's part of the image
    ram: int  # data + bss of the model's part
    library_symbols: tuple[str, ...]  # soft-float / libm routines linked in
    library_bytes: int = 0  # of ``flash``, how much is library code (libgcc, libm, libc)

    @property
    def soft_float(self) -> bool:
        return any(re.match(r"__aeabi_[fd]", s) for s in self.library_symbols)


DRIVER = """#include <stdint.h>
#include "{p}.h"
volatile {xt} tinyc_in[{n}];
volatile {st} tinyc_out;
volatile int32_t tinyc_class;
void tinyc_entry(void);
void tinyc_entry(void)
{{
    {xt} x[{n}];
    {st} s[{P}_N_OUTPUTS];
    unsigned i;
    for (i = 0; i < {n}; ++i) {{
        x[i] = tinyc_in[i];
    }}
    {call}
}}
"""


ANOMALY_DRIVER = """#include <stdint.h>
#include "{p}.h"
volatile float tinyc_in[{P}_N_FEATURES];
volatile float tinyc_out;
volatile int32_t tinyc_flag;
uint8_t tinyc_blob[{P}_STATE_SIZE]; /* the caller's buffer for a saved state: not the library's RAM */
void tinyc_entry(void);
void tinyc_entry(void)
{{
    float x[{P}_N_FEATURES];
    float s = 0.0f;
    int32_t flag = 0;
    unsigned i;
    for (i = 0; i < {P}_N_FEATURES; ++i) {{
        x[i] = tinyc_in[i];
    }}
    {call}
}}
"""


SIGNAL_DRIVER = """#include <stdint.h>
#include "{p}.h"
volatile float tinyc_in[{P}_N_CHANNELS];
volatile int16_t tinyc_raw[{P}_N_CHANNELS];
volatile int32_t tinyc_out;
volatile float tinyc_value;
void tinyc_entry(void);
void tinyc_entry(void)
{{
    float x[{P}_N_CHANNELS];
    int32_t ready = 0, cls = 0;
    float value = 0.0f;
    unsigned i;
    for (i = 0; i < {P}_N_CHANNELS; ++i) {{
        x[i] = tinyc_in[i];
    }}
    {call}
    tinyc_out = cls + ready;
    tinyc_value = value;
}}
"""


def signal_calls(name: str, classification: bool, detector_learns: bool = False, raw: bool = False,
                 raw_source: str = "tinyc_raw[k]") -> str:
    """What firmware with a signal front end calls: push a sample (``raw``: a device reading of
    ``raw_source``'s counts, through push_raw), predict when a window is ready (an anomaly detector
    that learns on the device also learns the window and saves its state)."""
    predict = f"(void){name}_predict_window(&cls);" if classification else \
        f"(void){name}_predict_window_value(&value);"
    if detector_learns:
        predict += (f"\n        (void){name}_learn_window();\n        {{\n            static uint8_t blob[{name.upper()}"
                    f"_STATE_SIZE];\n            (void){name}_save(blob, sizeof blob);\n            (void){name}_restore("
                    f"blob, sizeof blob);\n        }}")
    push = f"(void){name}_push_sample(x, &ready);"
    if raw:
        n = f"{name.upper()}_N_CHANNELS"
        push = (f"{{\n        int16_t r[{n}];\n        unsigned k;\n        for (k = 0; k < {n}; ++k) {{\n"
                f"            r[k] = {raw_source};\n        }}\n        (void)x;\n        (void){name}_push_raw(r, &ready);\n    }}")
    return f"{push}\n    if (ready) {{\n        {predict}\n    }}"


def firmware_calls(name: str, model, raw_source: str = "tinyc_raw[k]") -> dict:
    """The ``signal`` / ``anomaly`` arguments of :func:`measure` for what firmware calls of
    ``model``'s library: push_sample and predict_window with a signal front end, a detector's
    score and flag (learning too when it learns on the device), else the prediction."""
    from .spec.ir import Task

    detector = model.task == Task.anomaly
    learns = detector and model.learns_on_device
    if getattr(model, "frontend", None) is not None:
        raw = model.frontend.device is not None
        return {"signal": signal_calls(name, model.task != Task.regression, learns, raw, raw_source), "anomaly": None}
    return {"signal": None, "anomaly": anomaly_calls(name, learns) if detector else None}


def anomaly_calls(name: str, learns: bool) -> str:
    """What firmware calls of a detector: score and flag; with learning on the
    device also learn, save and restore (the state blob in a static buffer)."""
    call = f"(void){name}_is_anomaly(x, &flag, &s);\n    tinyc_out = s;\n    tinyc_flag = flag;\n    tinyc_blob[0] = 0u;"
    if learns:
        call += (f"\n    (void){name}_learn(x);\n    (void){name}_save(tinyc_blob, sizeof tinyc_blob);"
                 f"\n    (void){name}_restore(tinyc_blob, sizeof tinyc_blob);")
    return call


def _size(tc, elf: Path) -> tuple[int, int, int]:
    out = subprocess.run([tc.size, "-B", str(elf)], check=True, capture_output=True, text=True).stdout
    text, data, bss = (int(v) for v in out.splitlines()[1].split()[:3])
    return text, data, bss


def _library_bytes(map_file: Path) -> int:
    """Bytes the linker took from static libraries (libgcc.a, libm.a, libc.a), from its map."""
    total = 0
    text = map_file.read_text(errors="replace")
    text = text.split("Linker script and memory map", 1)[-1]  # not the discarded sections listed before it
    for m in re.finditer(r"^ \.(?:text|rodata|data)\S*\s+0x[0-9a-f]+\s+0x([0-9a-f]+)\s+\S+\.a\(",
                         text, flags=re.MULTILINE):
        total += int(m.group(1), 16)
    return total


# the C library's block routines: GCC turns a loop that zeroes or copies an array into a call
MEMORY_ROUTINES = ("memcpy", "memmove", "memset")


def _library_symbols(tc, elf: Path) -> tuple[str, ...]:
    out = subprocess.run([tc.nm, "--defined-only", str(elf)], check=True, capture_output=True, text=True).stdout
    names = {line.split()[-1] for line in out.splitlines() if line.strip()}
    return tuple(sorted(n for n in names if n.startswith(("__aeabi_", "__arm_", "__gnu_", "tanhf", "expf",
                                                          "__ieee", "__kernel")) or re.fullmatch(r"__\w+[sd]f\d", n)
                        or n in MEMORY_ROUTINES))


def model_call(folder: Path, name: str, types: dict | None = None, integer: bool = False) -> str:
    """C statements that make the prediction a firmware makes, on ``float x[]`` (with a
    scores buffer ``s[]`` and volatile sinks ``tinyc_class``, ``tinyc_out`` in scope):
    ``<name>_predict`` of a classifier (class index) or a detector (flag),
    ``<name>_predict_value`` of a regressor; with ``integer``, the integer scores
    ``<name>_scores_q`` of an integer model on codes ``x[]``. Read off the emitted header."""
    types = types or {"fn": f"{name}_scores"}
    header = (folder / "src" / f"{name}.h").read_text()
    if not integer and f"{name}_status {name}_predict(const float *x" in header:
        return f"{{\n        int32_t c = 0;\n        (void){name}_predict(x, &c);\n        tinyc_class = c;\n    }}\n    (void)s;"
    if not integer and f"{name}_status {name}_predict_value(const float *x" in header:
        return f"(void){name}_predict_value(x, &s[0]);\n    tinyc_out = s[0];"
    return f"(void){types['fn']}(x, s);\n    tinyc_out = s[0];"


def measure(folder: Path, name: str, backend,
            integer: bool = False, anomaly: str | None = None, signal: str | None = None) -> Measured:
    """Compile ``folder/src/<name>.c`` for ``backend``'s core with its toolchain strictly (-Werror -pedantic, -Os) and measure
    what a prediction adds to an image (``<name>_predict`` of a classifier,
    ``<name>_predict_value`` of a regressor; ``integer``: the integer-code entry point
    ``<name>_scores_q`` of an integer model; ``anomaly``:
    the calls of a detector library, see :func:`anomaly_calls`; ``signal``: the calls of a
    model with a signal front end, see :func:`signal_calls`)."""
    P = name.upper()
    types = (dict(xt=f"{name}_input_t", st="int32_t", n=f"{P}_N_CODES", fn=f"{name}_scores_q", zero="0") if integer
             else dict(xt="float", st="float", n=f"{P}_N_FEATURES", fn=f"{name}_scores", zero="0.0f"))
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        tc = backend.toolchain
        link = [*tc.link, "-Wl,-e,tinyc_entry"]
        common = [tc.gcc, *backend.cflags, *tc.compile_flags(link), *STRICT, "-Os", "-ffunction-sections",
                  "-fdata-sections", "-I", str(folder / "src")]
        sizes, lib = [], []
        variants = ((("with", anomaly), ("without", "(void)x;\n    tinyc_out = s;\n    tinyc_flag = flag;\n    tinyc_blob[0] = 0u;"))
                    if anomaly is not None else
                    (("with", signal), ("without", "(void)x;")) if signal is not None else
                    (("with", model_call(folder, name, types, integer)),
                     ("without", f"(void)x;\n    (void)s;\n    tinyc_out = {types['zero']};")))
        for variant, call in variants:
            drv = tmp / f"{variant}.c"
            drv.write_text(ANOMALY_DRIVER.format(p=name, P=P, call=call) if anomaly is not None else
                           SIGNAL_DRIVER.format(p=name, P=P, call=call) if signal is not None else
                           DRIVER.format(p=name, P=P, call=call, xt=types["xt"], st=types["st"], n=types["n"]))
            elf = tmp / f"{variant}.elf"
            cmd = [*common, str(drv), str(folder / "src" / f"{name}.c"), *link, "-o", str(elf),
                   f"-Wl,-Map={tmp / (variant + '.map')}"]
            r = subprocess.run(cmd, capture_output=True, text=True)
            if r.returncode != 0:
                raise RuntimeError(f"{tc.gcc} failed for {folder}:\n{r.stderr}")
            sizes.append(_size(tc, elf))
            lib.append(_library_bytes(tmp / f"{variant}.map"))
            if variant == "with":
                symbols = _library_symbols(tc, elf)
        (t1, d1, b1), (t0, d0, b0) = sizes
        return Measured(flash=(t1 + d1) - (t0 + d0), ram=(d1 + b1) - (d0 + b0), library_symbols=symbols,
                        library_bytes=lib[0] - lib[1])


def compile_strict(folder: Path, name: str, backend) -> None:
    """Compile the library alone with the strict flags; raises with the compiler's output."""
    gcc = backend.toolchain.gcc
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [gcc, *backend.cflags, *backend.toolchain.compile, *STRICT, "-Os", "-I", str(folder / "src"), "-c",
               str(folder / "src" / f"{name}.c"), "-o", str(Path(tmp) / "m.o")]
        r = subprocess.run(cmd, capture_output=True, text=True)
        if r.returncode != 0:
            raise RuntimeError(f"{gcc} failed for {folder}:\n{r.stderr}")


def stack_depth(folder: Path, name: str, backend, entry: str | None = None) -> tuple[int, tuple[str, ...]]:
    """Deepest stack of the prediction entry point (``entry``: another function of the library, e.g.
    a detector's ``<name>_is_anomaly``), from GCC's call-graph and stack-usage output
    (-fcallgraph-info=su). Returns (bytes, calls that leave the library, e.g. tanhf, whose own
    stack is not included)."""
    folder = Path(folder).resolve()  # GCC runs in the temporary folder
    gcc = backend.toolchain.gcc
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        cmd = [gcc, *backend.cflags, *backend.toolchain.compile, *STRICT, "-Os", "-fcallgraph-info=su", "-I", str(folder / "src"), "-c",
               str(folder / "src" / f"{name}.c"), "-o", str(tmp / "m.o")]
        r = subprocess.run(cmd, capture_output=True, text=True, cwd=tmp)
        if r.returncode != 0:
            raise RuntimeError(f"{gcc} failed for {folder}:\n{r.stderr}")
        text = next(tmp.glob("*.ci")).read_text()
    frames: dict[str, int] = {}
    for title, label in re.findall(r'node: \{ title: "([^"]+)" label: "([^"]+)"', text):
        m = re.search(r"\\n(\d+) bytes", label)
        frames[title.split(":")[-1]] = int(m.group(1)) if m else 0
    calls: dict[str, list[str]] = {}
    for src, dst in re.findall(r'edge: \{ sourcename: "([^"]+)" targetname: "([^"]+)"', text):
        calls.setdefault(src.split(":")[-1], []).append(dst.split(":")[-1])
    entry = entry or (f"{name}_predict" if f"{name}_predict" in frames else f"{name}_predict_value")
    external: set[str] = set()

    def depth(fn: str) -> int:  # the generated code has no recursion: a plain walk terminates
        if fn not in frames:
            external.add(fn)
            return 0
        return frames[fn] + max((depth(c) for c in calls.get(fn, [])), default=0)

    return depth(entry), tuple(sorted(external))
