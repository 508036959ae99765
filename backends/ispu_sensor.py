"""What ST's ISPU sensors (LSM6DSO16IS / ISM330IS) can read, from their datasheets: output data rates,
full scales and each one's sensitivity, the raw-data registers, the ISPU's register map; the
checks of a signal block against them; and where a feature-table model's inputs come from on
the sensor (the spec's `read` and `supply` statements), for the ISPU backend (backends/ispu.py)."""
from __future__ import annotations

# what the sensor can do (LSM6DSO16IS / ISM330IS datasheets): output data rates, and each full
# scale's sensitivity (one count, in g and dps). The gyroscope's is not full scale / 2^15: at
# ±2000 dps a count is 70 mdps, not 61.04.
ODRS_HZ = (12.5, 26.0, 52.0, 104.0, 208.0, 416.0, 833.0, 1667.0, 3333.0, 6667.0)
RATE_TOLERANCE = 0.02  # a declared rate within 2% of an ODR runs at that ODR
SENSITIVITY = {"acceleration": ("g", {2: 0.061e-3, 4: 0.122e-3, 8: 0.244e-3, 16: 0.488e-3}),
               "angular rate": ("dps", {125: 4.375e-3, 250: 8.75e-3, 500: 17.5e-3, 1000: 35e-3, 2000: 70e-3})}
SENSITIVITY_TOLERANCE = 0.005  # a declared count within 0.5% of a sensitivity reads at that full scale
REGISTER = {"acceleration": "ARAW", "angular rate": "GRAW"}
DEVICE_NAME = {"acceleration": "accelerometer", "angular rate": "gyroscope"}
INPUT_REGISTERS = {f"{reg}_{axis}": quantity for quantity, reg in REGISTER.items() for axis in "XYZ"}

ACC_FS_G = 8  # conf.txt full scales of a tabular model: what a `read` register's counts are worth
GYR_FS_DPS = 2000
ACC_SCALE = SENSITIVITY["acceleration"][1][ACC_FS_G]  # g a count at ±8 g
GYR_SCALE = SENSITIVITY["angular rate"][1][GYR_FS_DPS]  # dps a count at ±2000 dps

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


def full_scale_of(quantity: str, per_count: float) -> int | None:
    """The full scale at which one count of the sensor's ``quantity`` is ``per_count`` (g or dps),
    or None."""
    _, table = SENSITIVITY[quantity]
    return next((fs for fs, s in table.items() if abs(per_count / s - 1) <= SENSITIVITY_TOLERANCE), None)


def _declare(quantity: str, fs: int) -> str:
    """How to declare the sensor's ``quantity`` read at full scale ``fs``."""
    unit, table = SENSITIVITY[quantity]
    if full_scale_of(quantity, fs / 32768) == fs:
        return f"e.g. full_scale {fs}{unit}"
    return f"e.g. scale {table[fs] * 1e3:g}m{unit} (a count at ±{fs} {unit})"


def sensor_setup(req) -> tuple[float, int, int]:
    """(output data rate in Hz, accelerometer full scale in g, gyroscope full scale in dps) of the
    sensor: a signal model's from its declared device (checked at resolve), a tabular model's the
    fixed set-up its register scales assume."""
    from tinyc.spec.vocab import SENSOR_UNITS

    fe = getattr(req.model, "frontend", None)
    if fe is None or fe.device is None:
        return 26.0, ACC_FS_G, GYR_FS_DPS
    dev = fe.device
    fs = {"acceleration": ACC_FS_G, "angular rate": GYR_FS_DPS}
    for c in range(len(fe.channels)):
        quantity = dev.quantity(c)
        native = SENSITIVITY[quantity][0]
        per_count = dev.scales[c] * SENSOR_UNITS[dev.units[c]][1] / SENSOR_UNITS[native][1]
        fs[quantity] = full_scale_of(quantity, per_count) or fs[quantity]
    return nearest_odr(dev.device_rate_hz or fe.rate_hz), fs["acceleration"], fs["angular rate"]


def register_scale(register: str, unit: str) -> float:
    """The data's ``unit`` per count of a raw-data register at the tabular set-up (±8 g, ±2000 dps),
    as the float32 the device multiplies by.

    >>> [c_float(register_scale(r, u)) for r, u in (("ARAW_X", "g"), ("GRAW_Z", "dps"), ("ARAW_Y", "m/s2"))]
    ['0.000244f', '0.07f', '0.0023928226f']
    """
    from tinyc.spec.vocab import SENSOR_UNITS

    import numpy as np  # not at import: `tinyc check` loads the backends without numpy

    quantity = INPUT_REGISTERS[register]
    native = SENSITIVITY[quantity][0]
    per_count = ACC_SCALE if quantity == "acceleration" else GYR_SCALE
    return float(np.float32(per_count * SENSOR_UNITS[native][1] / SENSOR_UNITS[unit][1]))


def c_float(x: float) -> str:
    """A float32 constant as the shortest C literal that reads back as the same float."""
    import numpy as np

    return np.format_float_positional(np.float32(x), unique=True, trim="0") + "f"


def check_signal(sig) -> list[tuple[str, object, str]]:
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
        if quantity not in SENSITIVITY:
            out.append((f"the sensor measures acceleration and angular rate, not {quantity or d.unit.value}",
                        d.unit.span, "declare only accelerometer and gyroscope channels for target ispu"))
            continue
        per_quantity.setdefault(quantity, []).extend(loc.value for loc in d.channels)
        unit, table = SENSITIVITY[quantity]
        per_count = spec_units.scale(d, unit)  # g or dps a count, as declared
        if full_scale_of(quantity, per_count) is not None:
            continue
        fs = per_count * 32768  # the ± range the declaration implies
        named = ", ".join(loc.value for loc in d.channels)
        near = min(table, key=lambda a: abs(a / fs - 1))
        if abs(near / fs - 1) <= SENSITIVITY_TOLERANCE:  # a full scale it has, at a count it does not read
            out.append((f"at ±{near} {unit} a count of the sensor's {DEVICE_NAME[quantity]} is {table[near] * 1e3:g} m{unit} "
                        f"(its datasheet sensitivity), not {near}/32768 = {per_count * 1e3:.4g} m{unit}",
                        d.amount.span, f"declare the count: device {named}: int16 scale {table[near] * 1e3:g}m{unit}"))
        else:
            out.append((f"the sensor's {quantity} full scales are ±{', ±'.join(map(str, table))} {unit}; "
                        f"this reading is ±{fs:.4g} {unit}", d.amount.span,
                        _declare(quantity, next((a for a in table if a >= fs), max(table)))))
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


def inputs_readme(sources: list[dict]) -> str:
    """The generated README's table of where each input comes from, and what the integrator owes."""
    rows = []
    for src in sources:
        unit = src["unit"] or "the training data's unit"
        if src["source"] == "register":
            where = f"register `{src['register']}` × {c_float(src['scale'])[:-1]} ({unit})"
        else:
            where = (f"your code: `tinyc_user_feature({src['index']})`, in {unit}"
                     + ("" if src["declared"] else " (**not declared in the spec**)"))
        rows.append(f"| {src['index']} | `{src['feature']}` | {where} |")
    owed = [s["feature"] for s in sources if s["source"] == "integrator"]
    text = "Inputs (where `main.c` takes each model input from, as the spec's target block declares):\n\n"
    if owed:
        text += (f"**Your code supplies {len(owed)} of {len(sources)} inputs** through `float "
                 f"tinyc_user_feature(uint16_t i)`: {', '.join(f'`{f}`' for f in owed)}. The sensor does not "
                 "compute them; return each computed exactly as the training data's column was (same definition, "
                 "same units), or the model sees inputs unlike its training data. To have the sensor compute "
                 "window features itself, give the spec a signal block.\n\n")
    return text + "| # | input | source |\n|---|---|---|\n" + "\n".join(rows)
