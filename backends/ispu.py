"""ST's ISPU (the processing unit inside LSM6DSO16IS / ISM330IS sensors).

Emits a complete ISPU project in ST's programming model: ``src/main.c`` with
the algorithm's init and per-sample entry points (``algo_00_init``,
``algo_00``) that read the sensor's raw-data registers, run the model and
write the result to the output registers and raise the interrupt flag;
``conf.txt`` (data rates, full scales, which algorithm and interrupt are
enabled), ``meta.txt`` (what the output registers hold), and a Makefile for
ST's ISPU toolchain (reisc-gcc; the start-up files come from ST's ISPU
template). Register addresses follow the ISPU's published register map.

A signal model reads the sensor as the spec declares it (``units`` and
``device`` in the signal block): the accelerometer's and the gyroscope's
channels, in the order of their ``device`` statement, are the registers' X, Y
and Z; their full scales and the output data rate (the model's rate, or the
``resample from`` rate) go into ``conf.txt``, and ``push_raw`` converts the raw
counts to the training data's units. A spec that does not declare them, asks
for a full scale or rate the sensor does not have, or a channel it does not
measure, is refused at ``tinyc check`` (E0209).

A tabular model's features whose names identify a sensor axis (``acc_x``,
``ax``, ``gyr_z``, ``gz``…) are read from the raw-data registers and scaled to
g and dps; any other feature is asked from ``tinyc_user_feature(i)``.

``-DTINYC_ISPU_HOST`` compiles the same project on a desktop against a
register array instead of the sensor's address space, which is how the tests
feed it real sensor samples.
"""
from __future__ import annotations

import re

from .base import Backend, Caps, EmitRequest

ACC_FS_G = 8  # conf.txt full scales of a tabular model; the raw→unit scales below must match them
GYR_FS_DPS = 2000
ACC_SCALE = 0.000244  # g per LSB at ±8 g
GYR_SCALE = 0.070  # dps per LSB at ±2000 dps

# what the sensor can do (LSM6DSO16IS / ISM330IS datasheets): output data rates and full scales
ODRS_HZ = (12.5, 26.0, 52.0, 104.0, 208.0, 416.0, 833.0, 1667.0, 3333.0, 6667.0)
RATE_TOLERANCE = 0.02  # a declared rate within 2% of an ODR runs at that ODR
FULL_SCALES = {"acceleration": ("g", 9.80665, (2, 4, 8, 16)),
               "angular rate": ("dps", 3.141592653589793 / 180.0, (125, 250, 500, 1000, 2000))}
REGISTER = {"acceleration": "ARAW", "angular rate": "GRAW"}

# feature name → raw-data register (case-insensitive full match)
AXIS_PATTERNS = [
    (r"(acc|accel|accelerometer|a)[_ ]?([xyz])(_.*)?", "ARAW", ACC_SCALE),
    (r"(gyr|gyro|gyroscope|g)[_ ]?([xyz])(_.*)?", "GRAW", GYR_SCALE),
]

REGISTERS = """/* ISPU register addresses (LSM6DSO16IS / ISM330IS datasheet, ISPU control registers) */
#define TINYC_ISPU_CTRL_BASE 0x6800u
#define TINYC_ISPU_GLB_CALL_EN (TINYC_ISPU_CTRL_BASE + 0x00u)
#define TINYC_ISPU_STATUS (TINYC_ISPU_CTRL_BASE + 0x04u)
#define TINYC_ISPU_DOUT(n) (TINYC_ISPU_CTRL_BASE + 0x10u + 2u * (n))
#define TINYC_ISPU_INT1_CTRL (TINYC_ISPU_CTRL_BASE + 0x50u)
#define TINYC_ISPU_INT2_CTRL (TINYC_ISPU_CTRL_BASE + 0x54u)
#define TINYC_ISPU_INT_STATUS (TINYC_ISPU_CTRL_BASE + 0x58u)
#define TINYC_ISPU_INT_PIN (TINYC_ISPU_CTRL_BASE + 0x5Cu)
#define TINYC_ISPU_ALGO (TINYC_ISPU_CTRL_BASE + 0x70u)
#define TINYC_ISPU_ARAW_X (TINYC_ISPU_CTRL_BASE + 0x80u)
#define TINYC_ISPU_ARAW_Y (TINYC_ISPU_CTRL_BASE + 0x84u)
#define TINYC_ISPU_ARAW_Z (TINYC_ISPU_CTRL_BASE + 0x88u)
#define TINYC_ISPU_GRAW_X (TINYC_ISPU_CTRL_BASE + 0x8Cu)
#define TINYC_ISPU_GRAW_Y (TINYC_ISPU_CTRL_BASE + 0x90u)
#define TINYC_ISPU_GRAW_Z (TINYC_ISPU_CTRL_BASE + 0x94u)
#define TINYC_ISPU_CALL_EN (TINYC_ISPU_CTRL_BASE + 0xB8u)
#define TINYC_ISPU_REG_SPACE 0x100u

#ifdef TINYC_ISPU_HOST
/* desktop build: the registers are an array the test driver fills and reads */
extern volatile uint32_t tinyc_ispu_regs[TINYC_ISPU_REG_SPACE / 4u];
#define TINYC_REG(type, addr) \
    (*(volatile type *)(volatile void *)((volatile uint8_t *)tinyc_ispu_regs + ((addr) - TINYC_ISPU_CTRL_BASE)))
#define TINYC_SIGNAL
#else
#define TINYC_REG(type, addr) (*(volatile type *)(addr))
#define TINYC_SIGNAL __attribute__((signal))
extern volatile uint8_t STOP_CLOCK; /* provided by ST's ISPU linker script */
#endif
"""


def nearest_odr(rate_hz: float) -> float | None:
    """The sensor's output data rate within RATE_TOLERANCE of ``rate_hz``, or None."""
    best = min(ODRS_HZ, key=lambda o: abs(o - rate_hz))
    return best if abs(best / rate_hz - 1) <= RATE_TOLERANCE else None


def channel_registers(fe) -> list[str]:
    """The raw-data register of each channel of a signal model: its quantity's register, the axis
    of its place in its `device` statement."""
    dev = fe.device
    return [f"{REGISTER[dev.quantity(c)]}_{'XYZ'[dev.axes[c]]}" for c in range(len(fe.channels))]


def sensor_setup(req: EmitRequest) -> tuple[float, int, int]:
    """(output data rate in Hz, accelerometer full scale in g, gyroscope full scale in dps) of the
    sensor: a signal model's from its declared device (checked at resolve), a tabular model's the
    fixed set-up its register scales assume."""
    fe = getattr(req.model, "frontend", None)
    if fe is None or fe.device is None:
        return 26.0, ACC_FS_G, GYR_FS_DPS
    dev = fe.device
    fs = {"acceleration": ACC_FS_G, "angular rate": GYR_FS_DPS}
    for c in range(len(fe.channels)):
        _, si, allowed = FULL_SCALES[dev.quantity(c)]
        value = dev.full_scale_si(c) / si
        fs[dev.quantity(c)] = min(allowed, key=lambda a: abs(a - value))
    return nearest_odr(dev.device_rate_hz or fe.rate_hz), fs["acceleration"], fs["angular rate"]


def sensor_source(feature: str) -> tuple[str, float] | None:
    """The raw-data register and scale of a feature named after a sensor axis.

    >>> sensor_source("acc_x"), sensor_source("gz"), sensor_source("alcohol")
    (('ARAW_X', 0.000244), ('GRAW_Z', 0.07), None)
    """
    for pattern, reg, scale in AXIS_PATTERNS:
        m = re.fullmatch(pattern, feature.strip(), flags=re.IGNORECASE)
        if m:
            return f"{reg}_{m.group(2).upper()}", scale
    return None


class IspuBackend(Backend):
    name = "ispu"
    description = ("ST ISPU, the processing unit inside LSM6DSO16IS / ISM330IS sensors: "
                   "32 KB program memory, 8 KB data RAM (stack included)")
    caps = Caps(fpu="single", dsp=False, hw_divide=True, word_bits=32, clock_hz=10e6,
                default_flash=32 * 1024, default_ram=8 * 1024,
                max_flash=32 * 1024, max_ram=8 * 1024, arch="ispu")
    compiler = "reisc-gcc"
    cflags = ("-mcpu=reiscl", "-mfp32-format=ieee")
    uncalibrated = ("costed with the Cortex-M4's tables at the ISPU's clock: the ISPU's toolchain and an "
                    "emulator are not available here to measure it")

    # -- what the sensor can read (checked when a spec is resolved) --------
    def check_signal(self, sig) -> list[tuple[str, object, str]]:
        """(message, span, hint) of each way the signal block asks what the sensor cannot do."""
        from tinyc.spec import units as spec_units
        from tinyc.spec.vocab import SENSOR_UNITS

        if not sig.device:
            return [("the ISPU reads the sensor's registers itself, but the signal block does not say how the "
                     "sensor delivers its channels", sig.span,
                     "declare it, e.g. units acc_x, acc_y, acc_z: m/s2 and device acc_x, acc_y, acc_z: int16 "
                     "full_scale 8g")]
        out = []
        per_quantity: dict[str, list[str]] = {}
        for d in sig.device:
            quantity = SENSOR_UNITS.get(d.unit.value, (None,))[0]
            if quantity not in FULL_SCALES:
                out.append((f"the sensor measures acceleration and angular rate, not {quantity or d.unit.value}",
                            d.unit.span, "declare only accelerometer and gyroscope channels for target ispu"))
                continue
            per_quantity.setdefault(quantity, []).extend(loc.value for loc in d.channels)
            unit, si, allowed = FULL_SCALES[quantity]
            fs = spec_units.scale(d, unit) * 32768  # the ± range of an int16 reading, in g or dps
            if not any(abs(fs / a - 1) <= 0.005 for a in allowed):
                out.append((f"the sensor's {quantity} full scales are ±{', ±'.join(map(str, allowed))} {unit}; "
                            f"this reading is ±{fs:.4g} {unit}", d.amount.span,
                            f"e.g. full_scale {next((a for a in allowed if a >= fs), allowed[-1])}{unit}"))
        for quantity, chans in per_quantity.items():
            if len(chans) > 3:
                out.append((f"the sensor has three {quantity} axes; the device statements give {len(chans)} channels",
                            sig.device[0].span, "one channel per axis, X, Y, Z in the order written"))
        rate = sig.resample_from or sig.rate
        if rate is not None and nearest_odr(rate.value) is None:
            above = next((o for o in ODRS_HZ if o >= rate.value), ODRS_HZ[-1])
            out.append((f"the sensor samples at {', '.join(f'{o:g}' for o in ODRS_HZ)} Hz, none within "
                        f"{RATE_TOLERANCE:.0%} of {rate.text}", rate.span,
                        f"run the sensor at {above:g} Hz and let the library resample: resample from {above:g}Hz"
                        if sig.resample_from is None else f"e.g. resample from {above:g}Hz"))
        return out

    def extra_files(self, req: EmitRequest, lib) -> dict[str, str]:
        return {
            "src/tinyc_ispu.h": self._registers_header(),
            "src/main.c": self._main(req),
            "conf.txt": self._conf(req),
            "meta.txt": self._meta(req),
            "make/Makefile": self._makefile(req),
            "README.md": self._readme(req),
        }

    # -------------------------------------------------------------------
    def _registers_header(self) -> str:
        return ("/* tinyc_ispu.h: register access for the ISPU project generated by tinyc */\n"
                "#ifndef TINYC_ISPU_H\n#define TINYC_ISPU_H\n\n#include <stdint.h>\n\n"
                + REGISTERS + "\n#endif /* TINYC_ISPU_H */\n")

    def _outputs(self, req: EmitRequest) -> list[tuple[str, str, int, str]]:
        """(name, type, DOUT word, description) of each output."""
        from tinyc.codegen.library import n_outputs

        outs = []
        if getattr(req.model, "frontend", None) is not None:
            what = ("1 = the last window is an anomaly, 0 = normal" if req.model.task.value == "anomaly" else
                    "predicted class index of the last window (-1 for regression): " +
                    ", ".join(f"{i}={c}" for i, c in enumerate(req.classes)))
            outs.append(("class", "int16", 0, what))
            outs.append(("status", "int16", 1, "0 = ok, else the model's status code"))
            outs.append(("value", "float", 2, "predicted value of the last window (regression)"))
            return outs
        if req.model.task.value == "anomaly":
            outs.append(("anomaly", "int16", 0, "1 = anomaly (score above the threshold), 0 = normal"))
            outs.append(("status", "int16", 1, "0 = ok, else the model's status code"))
            outs.append(("score", "float", 2, "anomaly score (see the model header)"))
            return outs
        k = n_outputs(req.model)
        if req.model.task.value == "classification":
            outs.append(("class", "int16", 0, "predicted class index: " +
                         ", ".join(f"{i}={c}" for i, c in enumerate(req.classes))))
            outs.append(("status", "int16", 1, "0 = ok, else the model's status code"))
            for j in range(k):
                outs.append((f"score_{j}", "float", 2 + 2 * j, f"raw score {j} (see the model header)"))
        else:
            outs.append(("value", "float", 0, "predicted value"))
            outs.append(("status", "int16", 2, "0 = ok, else the model's status code"))
        return outs

    def _main(self, req: EmitRequest) -> str:
        from tinyc.codegen.cgen import c_comment

        p, P = req.name, req.name.upper()
        reads = []
        user = False
        fe = getattr(req.model, "frontend", None)
        if fe is not None and fe.device is None:
            raise ValueError("an ISPU project of a signal model needs the device's readings declared "
                             "(units and device in the signal block)")
        if fe is not None:  # the channels as the spec declares them: raw counts into push_raw
            for i, (reg, f) in enumerate(zip(channel_registers(fe), fe.channels)):
                reads.append(f"    raw[{i}] = TINYC_REG(int16_t, TINYC_ISPU_{reg}); /* {c_comment(f)} */")
        for i, f in enumerate(req.features if fe is None else ()):
            src = sensor_source(f)
            if src is None:
                reads.append(f"    x[{i}] = tinyc_user_feature({i}u); /* {c_comment(f)} */")
                user = True
            else:
                reg, scale = src
                reads.append(f"    x[{i}] = (float)TINYC_REG(int16_t, TINYC_ISPU_{reg}) * {scale!r}f; /* {c_comment(f)} */")
        learns = req.model.task.value == "anomaly" and req.model.learns_on_device
        # a detector that learns on the device first learns TINYC_LEARN normal windows (samples)
        learn_first = (f"""#if TINYC_LEARN > 0
        if (tinyc_learned < TINYC_LEARN) {{
            st = {p}_learn{'_window()' if fe is not None else '(x)'};
            ++tinyc_learned;
            TINYC_REG(int16_t, TINYC_ISPU_DOUT(0)) = -1;
            TINYC_REG(int16_t, TINYC_ISPU_DOUT(1)) = (int16_t)(st == {P}_OK ? TINYC_LEARNING : st);
            tinyc_int_status |= 0x1u;
            return;
        }}
#endif
""" if learns else "")
        if fe is not None:  # raw samples into the front end; a result when a window completes
            predict = (f"{p}_predict_window_value(&y)" if req.model.task.value == "regression" else
                       f"{p}_predict_window(&cls)")  # a detector's is its 0/1 flag
            write = f"""    {{
        int32_t ready = 0, cls = -1;
        float y = 0.0f;
        {p}_status st = {p}_push_raw(raw, &ready);
        if (st != {P}_OK || !ready) {{
            return; /* no new result: the interrupt is not raised */
        }}
{learn_first}        st = {predict};
        TINYC_REG(int16_t, TINYC_ISPU_DOUT(0)) = (int16_t)cls;
        TINYC_REG(int16_t, TINYC_ISPU_DOUT(1)) = (int16_t)st;
        TINYC_REG(float, TINYC_ISPU_DOUT(2)) = y;
    }}"""
        elif req.model.task.value in ("classification", "anomaly"):  # a detector's predict is its 0/1 flag
            write = f"""    {{
        float s[{P}_N_OUTPUTS];
        int32_t cls = -1;
        int k;
        {p}_status st;
{learn_first}        st = {p}_scores(x, s);
        if (st == {P}_OK) {{
            st = {p}_predict(x, &cls);
        }}
        TINYC_REG(int16_t, TINYC_ISPU_DOUT(0)) = (int16_t)cls;
        TINYC_REG(int16_t, TINYC_ISPU_DOUT(1)) = (int16_t)st;
        for (k = 0; k < {P}_N_OUTPUTS; ++k) {{
            TINYC_REG(float, TINYC_ISPU_DOUT(2 + 2 * k)) = (st == {P}_OK) ? s[k] : 0.0f;
        }}
    }}"""
        else:
            write = f"""    {{
        float y = 0.0f;
        {p}_status st = {p}_predict_value(x, &y);
        TINYC_REG(float, TINYC_ISPU_DOUT(0)) = y;
        TINYC_REG(int16_t, TINYC_ISPU_DOUT(2)) = (int16_t)st;
    }}"""
        learn_decl = (f"""/* learning phase: the first TINYC_LEARN {'windows' if fe is not None else 'samples'} are learned as normal data
 * ({p}_learn), reported with DOUT_00 = -1 and DOUT_01 = TINYC_LEARNING; then the detector
 * flags. Define TINYC_LEARN 0 to skip it (the detector then starts from its shipped baseline). */
#ifndef TINYC_LEARN
#define TINYC_LEARN {256 if req.model.n == 0 else 0}u
#endif
#define TINYC_LEARNING 100
#if TINYC_LEARN > 0
static uint32_t tinyc_learned = 0;
#endif

""" if learns else "")
        user_decl = ("/* Features that are not a sensor axis: provide this function (e.g. from your own\n"
                     " * feature computation). Index i is the feature's position in m_feature_names. */\n"
                     "float tinyc_user_feature(uint16_t i);\n\n") if user else ""
        return f"""/* main.c: ISPU algorithm running the tinyc model '{p}' on every sensor sample.
 * generated by tinyc {req.provenance.tinyc_version} from {c_comment(req.provenance.spec_file)}. */
#include <stdint.h>

#include "tinyc_ispu.h"
#include "{p}.h"

{user_decl}{learn_decl}static volatile uint32_t tinyc_int_status;

void TINYC_SIGNAL algo_00_init(void);
void TINYC_SIGNAL algo_00(void);

void TINYC_SIGNAL algo_00_init(void)
{{
    tinyc_int_status = 0;
}}

void TINYC_SIGNAL algo_00(void)
{{
    {f'int16_t raw[{P}_N_CHANNELS];' if fe is not None else f'float x[{P}_N_FEATURES];'}
{chr(10).join(reads)}
{write}
    tinyc_int_status |= 0x1u; /* algorithm 0 has a new result */
}}

#ifndef TINYC_ISPU_HOST
int main(void)
{{
    /* tell the sensor the ISPU has booted, and let it call the algorithms */
    TINYC_REG(uint8_t, TINYC_ISPU_STATUS) = (uint8_t)(TINYC_REG(uint8_t, TINYC_ISPU_STATUS) | 0x04u);
    TINYC_REG(uint8_t, TINYC_ISPU_GLB_CALL_EN) = 0x01u;
    for (;;) {{
        (void)STOP_CLOCK; /* sleep until the next sample's start pulse */
        __asm__("");
        tinyc_int_status = 0;
        TINYC_REG(uint32_t, TINYC_ISPU_INT_STATUS) = 0;
        TINYC_REG(uint8_t, TINYC_ISPU_INT_PIN) = 0;
        /* run the algorithms enabled for this time slot, then wait for them */
        TINYC_REG(uint32_t, TINYC_ISPU_CALL_EN) = TINYC_REG(uint32_t, TINYC_ISPU_ALGO) << 1;
        while (TINYC_REG(uint32_t, TINYC_ISPU_CALL_EN) != 0u) {{
        }}
        TINYC_REG(uint32_t, TINYC_ISPU_INT_STATUS) = tinyc_int_status;
        TINYC_REG(uint8_t, TINYC_ISPU_INT_PIN) = (uint8_t)(
            (((tinyc_int_status & TINYC_REG(uint32_t, TINYC_ISPU_INT1_CTRL)) != 0u) ? 1u : 0u) |
            (((tinyc_int_status & TINYC_REG(uint32_t, TINYC_ISPU_INT2_CTRL)) != 0u) ? 2u : 0u));
    }}
}}
#endif
"""

    def _conf(self, req: EmitRequest) -> str:
        odr, acc_fs, gyr_fs = sensor_setup(req)
        return f"""acc_odr {odr:g}
acc_fs {acc_fs}
acc_mode high_performance
gyr_odr {odr:g}
gyr_fs {gyr_fs}
gyr_mode high_performance

ispu_irq_rate {odr:g}
ispu_int1 enable
ispu_latch disable

algo 0 enable
algo_int1 0 enable
"""

    def _meta(self, req: EmitRequest) -> str:
        lines = [f"# outputs of the tinyc model '{req.name}' (ISPU algorithm 0), little endian",
                 "# name type DOUT-register description"]
        for name, typ, word, desc in self._outputs(req):
            lines.append(f"output {name} {typ} DOUT_{word:02d} {desc}")
        lines.append("interrupt algo 0 -> INT1 when a new result is written")
        return "\n".join(lines) + "\n"

    def _makefile(self, req: EmitRequest) -> str:
        p = req.name
        return f"""# Build the ISPU firmware with ST's ISPU toolchain (reisc-gcc and ispu_gen from ST's ISPU SDK).
# ISPU_UTILS must point at the ispu_utils folder of ST's ISPU template project
# (crt0.S, global.S, boot.ld), e.g. from ST's ispu-examples repository.
ISPU_UTILS ?= ../ispu_utils
CC = reisc-gcc
OBJCOPY = reisc-objcopy
SIZE = reisc-size
ISPU_GEN = ispu_gen
CFLAGS = {' '.join(self.cflags)} -Os -std=c99 -specs=nano.specs -ffunction-sections -fdata-sections -Wl,--gc-sections
SRC = $(ISPU_UTILS)/crt0.S ../src/main.c ../src/{p}.c
INCS = -I../src -I$(ISPU_UTILS)

bin/ispu: $(SRC)
\tmkdir -p bin
\t$(CC) $(CFLAGS) $(INCS) -o $@ $(SRC) -T $(ISPU_UTILS)/boot.ld -lm
\t$(SIZE) $@
\t$(OBJCOPY) -O srec $@ bin/ispu.srec
\t$(ISPU_GEN) -b -c -s ../conf.txt -d imu_22 -n ispu_conf bin/ispu.srec > bin/ispu.h
\t$(ISPU_GEN) -b -s ../conf.txt -d imu_22 -n ispu_conf bin/ispu.srec > bin/ispu.ucf

clean:
\trm -rf bin

.PHONY: clean
"""

    def _readme(self, req: EmitRequest) -> str:
        fe = getattr(req.model, "frontend", None)
        odr, acc_fs, gyr_fs = sensor_setup(req)
        if fe is not None:
            dev = fe.device
            rows = [f"| {i} | `{c}` | `{reg}` | {dev.device_units[i]} | × {dev.scales[i]:.7g} → {dev.units[i]} |"
                    for i, (c, reg) in enumerate(zip(fe.channels, channel_registers(fe)))]
            resample = (f" The library resamples the {odr:g} Hz readings to the model's {fe.rate_hz:g} Hz."
                        if dev.resamples else "")
            inputs = ("Channels (read every sample by `push_raw`, which converts them to the training data's "
                      f"units):{resample}\n\n| # | channel | register | reading | conversion |\n|---|---|---|---|---|\n"
                      + "\n".join(rows))
        else:
            sources = []
            for i, f in enumerate(req.features):
                src = sensor_source(f)
                sources.append(f"| {i} | `{f}` | " + (f"`{src[0]}` × {src[1]}" if src else "`tinyc_user_feature()`")
                               + " |")
            inputs = "Feature sources:\n\n| # | feature | source |\n|---|---|---|\n" + "\n".join(sources)
        outs = "\n".join(f"| `DOUT_{w:02d}` | {n} | {t} | {d} |" for n, t, w, d in self._outputs(req))
        return f"""# ISPU project for the tinyc model '{req.name}'

Build with ST's ISPU toolchain: `cd make && make ISPU_UTILS=<ST template>/ispu_utils`. The result
(`bin/ispu.ucf` / `bin/ispu.h`) is loaded into the sensor by the host MCU as ST describes.

Sensor set-up is in `conf.txt`: accelerometer ±{acc_fs} g and gyroscope ±{gyr_fs} dps at {odr:g} Hz.
Outputs (also in `meta.txt`):

| register | output | type | meaning |
|---|---|---|---|
{outs}

{inputs}
"""
