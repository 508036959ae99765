"""The typed IR of a spec.

Every node keeps the span of the source it came from, so that any later check
(the resolver, the data loader, the memory fitter) can point at the exact place
in the spec. Values the user did not write (defaults filled in by the resolver)
have ``span = None``.

The IR is plain data: frozen standard-library dataclasses with keyword
fields, no behaviour beyond small accessors. They are dataclasses rather than
pydantic models so that ``tinyc check`` starts fast enough to run on every save
(pydantic's import and model set-up took half of its start-up); the resolver,
not the classes, validates values. ``tinyc schema`` still prints the JSON
Schema pydantic derives from these classes (imported only there).
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from enum import Enum
from typing import Generic, Literal, TypeVar, Union

IR_VERSION = 1

T = TypeVar("T")


# Every IR class: immutable, keyword-only fields (a subclass adds required fields
# after the base's optional span), and no unknown fields in the JSON Schema.
_node = dataclass(frozen=True, kw_only=True)
_FORBID = {"extra": "forbid"}  # read by pydantic for the JSON Schema (additionalProperties false)


@_node
class Span:
    """A region of a source file. Lines and columns start at 1; ``start`` and
    ``end`` are character offsets (end exclusive)."""

    line: int
    column: int
    end_line: int
    end_column: int
    start: int
    end: int


@_node
class Node:
    __pydantic_config__ = _FORBID

    span: Span | None = None


@_node
class Located(Node, Generic[T]):
    """A single value with the place it was written."""

    value: T


class Task(str, Enum):
    classification = "classification"
    regression = "regression"
    anomaly = "anomaly"


class Metric(str, Enum):
    accuracy = "accuracy"
    balanced_accuracy = "balanced_accuracy"
    f1 = "f1"
    auc = "auc"
    rmse = "rmse"
    mae = "mae"
    r2 = "r2"


class Quantization(str, Enum):
    """The numeric form of a model: what the spec asks for (``auto`` lets the quantization pass
    choose), then what each model and each target's library is, down to the C. A member is its
    value wherever it is printed or written (JSON, C, messages)."""

    float32 = "float32"
    int16 = "int16"
    int8 = "int8"
    auto = "auto"

    def __str__(self) -> str:
        return self.value

    def __format__(self, spec: str) -> str:
        return format(self.value, spec)

    @property
    def integer(self) -> bool:
        return self in (Quantization.int8, Quantization.int16)


class Learn(str, Enum):
    """Where an anomaly detector learns its normal baseline."""

    offline = "offline"  # fitted by tinyc, shipped in flash; the device does not learn
    on_device = "on_device"  # shipped empty; the device learns from its own normal data
    both = "both"  # shipped fitted, and the device keeps learning


class MissingPolicy(str, Enum):
    """What to do with empty or NaN cells in feature columns."""

    median = "median"  # impute with the training median (default)
    mean = "mean"
    zero = "zero"
    drop = "drop"  # drop the rows
    error = "error"  # refuse the data


@_node
class Quantity(Node):
    """A number with its unit, as written (``32KB``) and normalised
    (``value`` in bytes, seconds, Hz or percent; ``unit`` canonical)."""

    text: str
    value: float
    unit: str

    def __post_init__(self):
        if type(self.value) is not float:  # an int from a default: kept a float, as written values are
            object.__setattr__(self, "value", float(self.value))


@_node
class Holdout(Node):
    """Either a share of the data (``percent``, unit ``%``) or a separate CSV file."""

    percent: Quantity | None = None
    path: str | None = None


@_node
class DataSource(Node):
    path: Located[str]
    label: Located[str] | None = None
    ignore: list[Located[str]] = field(default_factory=list)
    ignore_span: Span | None = None
    holdout: Holdout | None = None
    missing: Located[MissingPolicy] | None = None
    # task anomaly: label values of normal rows (others are anomalies); None: the label is 0/1
    normal: list[Located[str]] | None = None
    # rows of one recording, session or subject: the holdout and the cross-validation keep them together
    group: Located[str] | None = None


@_node
class InputRead(Node):
    """``read acc_x, acc_z: ARAW_X, ARAW_Z g``: features that are a sensor's raw-data register's
    reading, in the training data's ``unit`` (a target that reads its sensor converts the counts)."""

    features: list[Located[str]]
    registers: list[Located[str]]
    unit: Located[str] | None = None


@_node
class InputSupply(Node):
    """``supply ax_mean, ax_std: g``: features the integrator's code computes and hands to the
    model (a documented hook), in ``unit``."""

    features: list[Located[str]]
    unit: Located[str] | None = None


@_node
class Target(Node):
    name: Located[str]
    flash: Quantity | None = None
    ram: Quantity | None = None
    clock: Quantity | None = None
    # the longest a prediction may take on this target at its clock (seconds): a hard constraint
    latency: Quantity | None = None
    # a target that reads its sensor itself, with a feature table: where each input comes from,
    # and whether an input declared neither way stops the build ("strict") or is a notice
    reads: list[InputRead] = field(default_factory=list)
    supplies: list[InputSupply] = field(default_factory=list)
    inputs: Located[str] | None = None


@_node
class Scalar(Node):
    value: Union[int, float, str]


@_node
class ParamValue(Node):
    """A fixed value (``max_depth 4``), a range (``max_depth 2..8``) or a
    choice (``hidden 8, 16, 32``)."""

    kind: Literal["fixed", "range", "choice"]
    values: list[Scalar]


@_node
class Param(Node):
    name: Located[str]
    value: ParamValue


@_node
class FamilyConfig(Node):
    family: Located[str]
    params: list[Param] = field(default_factory=list)


@_node
class Search(Node):
    families: list[Located[str]] | None = None
    families_span: Span | None = None
    trials: Located[int] | None = None  # most candidates to try (the search is reproducible when it ends here)
    configs: list[FamilyConfig] = field(default_factory=list)
    grow: Located[bool] | None = None  # grow the best candidates into the room left (default on)
    prune: Located[bool] | None = None  # stop candidates clearly behind the best early (default on)
    distill: Located[bool] | None = None  # candidates may learn from a teacher's synthetic rows (default off)
    qat: Located[bool] | None = None  # fine-tune an MLP for its integer form when CV says so (default on)
    select: Located[bool] | None = None  # input-bound candidates may read only the best columns (default off)


class Layout(str, Enum):
    long = "long"  # one CSV row per sample
    wide = "wide"  # one CSV row per window: columns c0, c1, ... per channel c


@_node
class Magnitude(Node):
    """A derived channel: the Euclidean norm of some channels (e.g. the accelerometer's axes)."""

    name: Located[str]
    channels: list[Located[str]]


@_node
class ChannelUnits(Node):
    """``units acc_x, acc_y: m/s2``: the channels' units in the training data."""

    channels: list[Located[str]]
    unit: Located[str]


@_node
class DeviceFormat(Node):
    """``device acc_x, acc_y: int16 full_scale 8g``: how a device delivers the channels, as raw
    counts (``type``), each worth ``amount`` ``unit`` (``scale``) or ``amount`` ``unit`` / 2^15
    (``full_scale``, the ± range of a signed 16-bit reading)."""

    channels: list[Located[str]]
    type: Located[str]
    kind: Literal["scale", "full_scale"]
    amount: Located[float]
    unit: Located[str]


@_node
class Signal(Node):
    """A signal front end: raw samples (one CSV row each) cut into windows whose
    features the model sees. ``window`` and ``hop`` are a time (unit s) or a number
    of samples (unit ``samples``)."""

    channels: list[Located[str]] = field(default_factory=list)
    channels_span: Span | None = None
    group: Located[str] | None = None  # rows of one recording: windows never cross recordings
    time: Located[str] | None = None  # timestamps (seconds), checked against the rate
    rate: Quantity | None = None
    window: Quantity | None = None
    hop: Quantity | None = None
    features: list[Located[str]] | None = None
    features_span: Span | None = None
    bands: Located[int] | None = None
    magnitudes: list[Magnitude] = field(default_factory=list)
    layout: Located[Layout] | None = None
    highpass: Quantity | None = None  # first-order IIR filters on every raw channel (Hz)
    lowpass: Quantity | None = None
    units: list[ChannelUnits] = field(default_factory=list)  # the training data's units, per channel
    device: list[DeviceFormat] = field(default_factory=list)  # raw readings of the device, per channel
    resample_from: Quantity | None = None  # the device's sample rate, when it is not `rate` (Hz)


@_node
class Package(Node):
    """What the library's Arduino and PlatformIO manifests say about it."""

    version: Located[str] | None = None  # semantic version, e.g. 1.2.0
    author: Located[str] | None = None  # "Name <email>"
    maintainer: Located[str] | None = None  # default: the author
    url: Located[str] | None = None


@_node
class Spec(Node):
    """A whole spec file. Optional fields are None when the statement is absent;
    :func:`tinyc.spec.resolve.resolve` fills defaults and checks the values."""

    ir_version: int = IR_VERSION
    file: str = "<spec>"
    model: Located[str] | None = None
    data: DataSource | None = None
    task: Located[Task] | None = None
    metric: Located[Metric] | None = None
    budget: Quantity | None = None
    seed: Located[int] | None = None
    quantize: Located[Quantization] | None = None
    # quantize auto within N%: the metric loss allowed for an integer model
    quantize_tolerance: Quantity | None = None
    targets: list[Target] = field(default_factory=list)
    search: Search | None = None
    # task anomaly only: the false-alarm rate the threshold is set for, and where it learns
    false_alarms: Quantity | None = None
    learn: Located[Learn] | None = None
    # "weak": ship a model that is not clearly better than the trivial baseline (tinyc.quality)
    allow: Located[str] | None = None
    signal: Signal | None = None
    package: Package | None = None


def to_json(obj):
    """The IR as JSON-ready data (dicts in field order, enums as their values)."""
    if dataclasses.is_dataclass(obj):
        return {f.name: to_json(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if isinstance(obj, Enum):
        return obj.value
    if isinstance(obj, list):
        return [to_json(v) for v in obj]
    return obj


def json_schema() -> dict:
    """The JSON Schema of a spec's IR, as pydantic derives it from the classes."""
    from pydantic import TypeAdapter

    return TypeAdapter(Spec).json_schema()


def strip_spans(obj):
    """The IR as plain data without any span or file: two specs that mean the
    same thing compare equal after this, wherever they were written."""
    if dataclasses.is_dataclass(obj):
        obj = to_json(obj)
    if isinstance(obj, dict):
        return {
            k: strip_spans(v)
            for k, v in obj.items()
            if k not in ("file",) and not (k == "span" or k.endswith("_span"))
        }
    if isinstance(obj, list):
        return [strip_spans(v) for v in obj]
    return obj
