"""Run an emitted library over real rows: on the host, and on an emulated
core under qemu (bare metal, semihosting), with the same driver. The board (qemu machine,
memory map) and the toolchain are the ones the target's backend declares (``backend.emulator``,
``backend.toolchain``; tinyc_backends.arm for the Cortex-M boards).

The driver prints, per row, the predicted class (0 for regression) and every
score as the hex of its float32 bits, so two runs can be compared bit for
bit and against the numpy golden model.
"""
from __future__ import annotations

import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np

from .codegen.cgen import c_array
from .toolchain import STRICT, model_call

def _backend(target: str):
    from . import targets

    return targets.get(target)


LINKER_SCRIPT = """MEMORY {{
  FLASH (rx) : ORIGIN = {fo:#x}, LENGTH = {fl:#x}
  RAM (rwx) : ORIGIN = {ro:#x}, LENGTH = {rl:#x}
}}
_estack = ORIGIN(RAM) + LENGTH(RAM);
SECTIONS {{
  .text : {{ KEEP(*(.isr_vector)) *(.text*) *(.rodata*) . = ALIGN(4); }} > FLASH
  _sidata = LOADADDR(.data);
  .data : {{ _sdata = .; *(.data*) . = ALIGN(4); _edata = .; }} > RAM AT > FLASH
  .bss (NOLOAD) : {{ _sbss = .; *(.bss*) *(COMMON) . = ALIGN(4); _ebss = .; }} > RAM
}}
"""

# output helpers of the drivers: tinyc_print_row writes one line "head hex32(word)..." for n
# 4-byte words (float scores or int32 values, their bits as they are)
PRINT_HELPERS = """#include <string.h>
void tinyc_puts(const char *s);
void tinyc_print_row(int32_t head, const void *words, uint32_t n);

static char *hex32(char *out, uint32_t v)
{{
    static const char digits[] = "0123456789abcdef";
    int i;
    for (i = 7; i >= 0; --i) {{
        out[i] = digits[v & 0xFu];
        v >>= 4;
    }}
    return out + 8;
}}

static char *dec(char *out, int32_t v)
{{
    char tmp[12];
    int n = 0;
    if (v < 0) {{
        *out++ = '-';
        v = -v;
    }}
    do {{
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    }} while (v > 0);
    while (n > 0) {{
        *out++ = tmp[--n];
    }}
    return out;
}}

void tinyc_print_row(int32_t head, const void *words, uint32_t n)
{{
    static char line[16 + 9 * 32];
    const unsigned char *w = (const unsigned char *)words;
    char *o = dec(line, head);
    uint32_t k;
    for (k = 0; k < n; ++k) {{
        uint32_t bits;
        if (o + 10 > line + sizeof line - 2) {{ /* long rows go out in pieces of one line */
            *o = '\\0';
            tinyc_puts(line);
            o = line;
        }}
        memcpy(&bits, w + 4u * k, sizeof bits);
        *o++ = ' ';
        o = hex32(o, bits);
    }}
    *o++ = '\\n';
    *o = '\\0';
    tinyc_puts(line);
}}
"""

DRIVER = """#include <stdint.h>
#include <string.h>
#include "{p}.h"

{rows}

""" + PRINT_HELPERS + """
int main(void)
{{
    uint32_t r;
    for (r = 0; r < {n_rows}u; ++r) {{
        float s[{P}_N_OUTPUTS];
        int32_t cls = 0;
        float x[{P}_N_FEATURES];
        {p}_status st;
        memcpy(x, &tinyc_rows[r * {P}_N_FEATURES], sizeof x);
        st = {p}_scores(x, s);
        {classify}
        if (st != {P}_OK) {{
            cls = -1 - (int32_t)st;
            memset(s, 0, sizeof s);
        }}
        tinyc_print_row(cls, s, {P}_N_OUTPUTS);
    }}
    return 0;
}}
"""

HOST_SHIM = """#include <stdio.h>
void tinyc_puts(const char *s) { fputs(s, stdout); }
"""


def driver_source(name: str, X: np.ndarray, classification: bool) -> str:
    rows = _rows_array(X)
    classify = f"if (st == {name.upper()}_OK) {{ st = {name}_predict(x, &cls); }}" if classification else ""
    return DRIVER.format(p=name, P=name.upper(), rows=rows, n_rows=len(X), classify=classify)


@dataclass(frozen=True)
class RunResult:
    classes: np.ndarray  # predicted class per row (negative: an error status)
    scores: np.ndarray  # float32 scores, (rows, outputs)
    text: str  # the raw output


def parse_output(text: str) -> RunResult:
    """Lines of "class hex32..." into arrays; a driver printing something else gets
    empty arrays and parses ``text`` itself."""
    classes, scores = [], []
    try:
        for line in text.strip().splitlines():
            parts = line.split()
            classes.append(int(parts[0]))
            scores.append([int(h, 16) for h in parts[1:]])
        bits = np.array(scores, dtype=np.uint32)
    except (ValueError, IndexError):
        return RunResult(np.zeros(0, dtype=np.int64), np.zeros((0, 0), dtype=np.float32), text)
    return RunResult(np.array(classes), bits.view(np.float32), text)


def run_host(folder: Path, name: str, X: np.ndarray, classification: bool, cc: str = "cc",
             extra_flags: tuple[str, ...] = (), driver: str | None = None) -> RunResult:
    """Compile the library with the driver for the host and run it."""
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        (tmp / "main.c").write_text(driver or driver_source(name, X, classification))
        (tmp / "shim.c").write_text(HOST_SHIM)
        exe = tmp / "run"
        cmd = [cc, *STRICT, "-O2", *extra_flags, "-I", str(folder / "src"), str(folder / "src" / f"{name}.c"),
               str(tmp / "main.c"), str(tmp / "shim.c"), "-o", str(exe), "-lm"]
        r = subprocess.run(cmd, capture_output=True, text=True)
        if r.returncode != 0:
            raise RuntimeError(f"host build failed:\n{r.stderr}")
        r = subprocess.run([str(exe)], capture_output=True, text=True, timeout=120)
        if r.returncode != 0:
            raise RuntimeError(f"host run failed ({r.returncode}):\n{r.stderr[-4000:]}")
        out = r.stdout
    return parse_output(out)


def available(target: str) -> str | None:
    """None when ``target`` can be emulated here, else what to install."""
    backend = _backend(target)
    if backend.emulator is None or backend.toolchain is None:
        return f"no emulator is declared for target '{target}'"
    if not backend.toolchain.available():
        return backend.toolchain.install
    if not backend.emulator.available():
        return backend.emulator.install
    return None


BENCH_DRIVER = """#include <math.h>
#include <stdint.h>
#include "{p}.h"

{rows}

volatile float tinyc_out;
volatile int32_t tinyc_class;
volatile uint32_t tinyc_n_rows = TINYC_ROWS;  /* volatile: the loop is not folded away when 0 */

int main(void)
{{
    uint32_t r;
    for (r = 0; r < tinyc_n_rows; ++r) {{
        /* the call reads its row where it is: no copy is counted with the prediction */
        const float *x = &tinyc_rows[r * {width}];
        float s[{P}_N_OUTPUTS];
        {call}
    }}
    return 0;
}}
"""


def _float_rows(X: np.ndarray) -> str:
    """The rows as a float array: hexadecimal literals (exact), NaN and infinities by name."""
    def literal(v: float) -> str:
        if np.isnan(v):
            return "NAN"
        if np.isinf(v):
            return "INFINITY" if v > 0 else "-INFINITY"
        return f"{float(v).hex()}f"

    values = np.ascontiguousarray(X, dtype=np.float32).ravel()
    return c_array("float", "tinyc_rows", values, fmt=literal, per_line=4)


def _rows_array(X: np.ndarray) -> str:
    # rows as float32 bit patterns: exact, and NaN or infinities are fine too
    bits = np.ascontiguousarray(X, dtype=np.float32).view(np.uint32)
    return c_array("uint32_t", "tinyc_rows", bits.ravel(), fmt=lambda v: f"0x{int(v):08x}u", per_line=6)


def board_files(out: Path, target: str) -> tuple[list[str], Path]:
    """The board's image link flags (with the linker script tinyc writes for it, when it does)
    and its compiled start-up object, written into ``out``."""
    backend = _backend(target)
    board = backend.emulator
    out.mkdir(parents=True, exist_ok=True)
    link = board.link_flags()
    if board.linker_script:
        ld = out / "board.ld"
        ld.write_text(LINKER_SCRIPT.format(fo=board.flash[0], fl=board.flash[1], ro=board.ram[0], rl=board.ram[1]))
        link += ["-T", str(ld)]
    (out / "startup.c").write_text(resources.files("tinyc.runtime").joinpath(board.runtime).read_text())
    # the start-up code needs inline assembly and a vector table of function pointers:
    # GNU C, compiled on its own (the library and the driver are compiled strictly)
    startup_obj = out / "startup.o"
    r = subprocess.run([backend.toolchain.gcc, *backend.cflags, *backend.toolchain.compile, "-std=gnu99", "-Wall", "-Os", "-c",
                        str(out / "startup.c"), "-o",
                        str(startup_obj)], capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(f"compiling the {target} start-up code failed:\n{r.stderr}")
    return link, startup_obj


def unavailable(where: str) -> str | None:
    """None when generated C can run on ``where`` here ("host": the host C compiler, else an
    emulated target), else what is missing."""
    if where == "host":
        return None if shutil.which("cc") else "no host C compiler (cc)"
    return available(where)


def run(where: str, folder: Path, name: str, X: np.ndarray, classification: bool, driver: str,
        workdir: Path, extra_flags: tuple[str, ...] = ()) -> RunResult:
    """Run ``driver`` with the library on the host, or in a bare-metal image under qemu
    (``extra_flags``: after tinyc's, e.g. a user's -std=gnu11 -O2 -ffp-contract=fast)."""
    if where == "host":
        return run_host(folder, name, X, classification, driver=driver, extra_flags=extra_flags)
    elf = build_image(folder, name, X, classification, where, workdir, driver=driver, extra_flags=extra_flags)
    return run_qemu(elf, where)


def build_image(folder: Path, name: str, X: np.ndarray, classification: bool, target: str, out: Path,
                driver: str | None = None, defines: tuple[str, ...] = (), extra_flags: tuple[str, ...] = ()) -> Path:
    backend = _backend(target)
    link, startup_obj = board_files(out, target)
    (out / "main.c").write_text(driver or driver_source(name, X, classification))
    elf = out / "image.elf"
    tc = backend.toolchain
    cmd = [tc.gcc, *backend.cflags, *tc.compile_flags(link), *STRICT, *defines, *backend.emulator.driver_flags,
           "-Os", *extra_flags, "-ffunction-sections", "-fdata-sections", "-I", str(folder / "src"), str(startup_obj),
           str(folder / "src" / f"{name}.c"), str(out / "main.c"),
           *link, "-o", str(elf)]
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(f"linking the {target} image failed:\n{r.stderr}")
    return elf


def run_qemu(elf: Path, target: str, timeout: float = 120.0, plugin: Path | None = None) -> RunResult:
    """Run the image; semihosting output is captured through a file chardev
    (qemu would otherwise mix it into its own stderr)."""
    board = _backend(target).emulator
    out = elf.with_suffix(".out")
    cmd = [board.qemu, "-M", board.machine, *board.args, "-display", "none", "-monitor", "none", "-serial", "null",
           "-chardev", f"file,id=semihost,path={out}",
           "-semihosting-config", "enable=on,target=native,chardev=semihost", "-kernel", str(elf)]
    if plugin is not None:
        cmd += ["-plugin", f"{plugin},out={elf.with_suffix('.insns')}"]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    text = out.read_text() if out.exists() else ""
    if r.returncode != 0:
        raise RuntimeError(f"qemu ({board.machine}) exited with {r.returncode}:\n{r.stderr}{text[-2000:]}")
    return parse_output(text)


def run_emulated(folder: Path, name: str, X: np.ndarray, classification: bool, target: str,
                 extra_flags: tuple[str, ...] = ()) -> RunResult:
    with tempfile.TemporaryDirectory() as tmp:
        elf = build_image(folder, name, X, classification, target, Path(tmp), extra_flags=extra_flags)
        return run_qemu(elf, target)


def _plugin(workdir: Path) -> Path:
    """The instruction-counting qemu plugin, compiled for this host."""
    src = resources.files("tinyc.runtime").joinpath("insn_count.c").read_text()
    (workdir / "insn_count.c").write_text(src)
    lib = workdir / "insn_count.so"
    cc = shutil.which("cc") or shutil.which("gcc")
    if cc is None:
        raise RuntimeError("a host C compiler (cc) is needed to build the qemu instruction-counting plugin")
    r = subprocess.run([cc, "-shared", "-fPIC", "-O2", str(workdir / "insn_count.c"), "-o", str(lib)],
                       capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(f"building the qemu plugin failed:\n{r.stderr}")
    return lib


def synthetic_samples(n: int, channels: int, rate_hz: float, seed: int = 0) -> np.ndarray:
    """``n`` samples of ``channels`` channels: a few sinusoids per channel plus noise, seeded."""
    rng = np.random.default_rng(seed)
    t = np.arange(n)[:, None] / rate_hz
    f = rng.uniform(0.05, 0.45, (3, channels)) * rate_hz
    x = sum(np.sin(2 * np.pi * f[i] * t + rng.uniform(0, 6.3, channels)) / (i + 1) for i in range(3))
    return (x + 0.1 * rng.standard_normal((n, channels))).astype(np.float32)


def instructions_per_window(folder: Path, name: str, target: str, fe, call: str) -> float:
    """Guest instructions per window of a library with a signal front end ``fe``: ``call``
    pushes one sample (and predicts when a window is ready) per row of a synthetic stream;
    two stream lengths, ``a`` and ``a + 4`` hops past the first window, differ by four hops of
    pushed samples and four windows. With a device input, the rows are its raw readings (at its
    own rate when it resamples) and ``call`` pushes them through push_raw."""
    counts = []
    for hops in (2, 6):
        X = synthetic_samples(fe.window + hops * fe.hop, len(fe.channels), fe.rate_hz)
        if fe.device is not None:
            X = fe.device.readings(X).astype(np.float32)
        counts.append(instructions_per_inference(folder, name, X, target, call=call,
                                                 width=f"{name.upper()}_N_CHANNELS") * len(X))
    return (counts[1] - counts[0]) / 4


def instructions_per_inference(folder: Path, name: str, X: np.ndarray, target: str,
                               call: str | None = None, width: str | None = None) -> float:
    """Guest instructions per prediction, the call whose flash :func:`toolchain.measure`
    reports (``<name>_predict`` of a classifier or detector, ``<name>_predict_value`` of
    a regressor): (count over N rows - count over 0 rows) / N, counted by a TCG plugin
    (qemu has no cycle counter). ``call``: other C statements to count instead, on rows of
    ``width`` floats (a C expression; by default the model's features)."""
    counts = []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        plugin = _plugin(tmp)
        driver = BENCH_DRIVER.format(p=name, P=name.upper(), rows=_float_rows(X), width=width or f"{name.upper()}_N_FEATURES",
                                     call=(call or model_call(folder, name)).replace("\n", "\n        "))
        for n in (len(X), 0):
            elf = build_image(folder, name, X, False, target, tmp / f"n{n}", driver=driver,
                              defines=(f"-DTINYC_ROWS={n}",))
            run_qemu(elf, target, plugin=plugin)
            counts.append(int(elf.with_suffix(".insns").read_text().split()[1]))
    return (counts[0] - counts[1]) / len(X)
