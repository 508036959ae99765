"""Property tests: the formatter's laws on random valid specs, and the parser
never failing with anything but SpecError on random input."""
import string

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tinyc.codegen.cgen import C_KEYWORDS, RESERVED_FILE_NAMES
from tinyc.spec import SpecError, parse
from tinyc.spec.fmt import fmt
from tinyc.spec.ir import strip_spans
from tinyc.spec.vocab import FAMILIES, METRICS_FOR_TASK, SENSOR_UNITS

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

word = st.from_regex(r"[A-Za-z_][A-Za-z0-9_\-]{0,10}", fullmatch=True).filter(lambda w: w not in ("families", "trials"))
ident = st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,10}", fullmatch=True).filter(
    lambda w: w not in C_KEYWORDS and w.lower() not in RESERVED_FILE_NAMES)
quoted = st.text(alphabet=string.ascii_letters + string.digits + " ./_-#{};,", min_size=1, max_size=12).map(
    lambda s: f'"{s}"')
name = st.one_of(word, quoted)
number = st.one_of(st.integers(0, 10**6).map(str),
                   st.floats(0.001, 1e6, allow_nan=False).map(lambda f: f"{f:.4g}".replace("e+", "e")))
# within every bound a spec checks (budget at most 720h, sizes 4096MB, clocks 10GHz)
positive = st.one_of(st.integers(1, 700).map(str), st.sampled_from(["0.5", "1.25", "2e2", "7.0"]))
comment = st.text(alphabet=string.printable.replace("\n", "").replace("\r", "").replace("\x0b", "")
                  .replace("\x0c", ""), max_size=15).map(lambda t: "#" + t)


@st.composite
def separator(draw):
    """Whitespace between tokens, sometimes with a comment (which ends the line)."""
    ws = draw(st.sampled_from([" ", "  ", "\n", "\n\n", "\t", " \n  "]))
    if draw(st.integers(0, 6)) == 0:
        return f" {draw(comment)}\n"
    return ws


def join(draw, tokens):
    return "".join(t + draw(separator()) for t in tokens)


def semi(draw):
    return [";"] if draw(st.booleans()) else []


@st.composite
def block(draw, head, items):
    inner = []
    for it in items:
        inner += it + semi(draw)
    return head + ["{"] + inner + ["}"]


@st.composite
def spec_text(draw):
    stmts = []
    stmts.append(["model", draw(ident)])
    task = draw(st.sampled_from(list(METRICS_FOR_TASK)))
    stmts.append(["task", task.value])
    if draw(st.booleans()):
        stmts.append(["metric", draw(st.sampled_from(METRICS_FOR_TASK[task])).value])
    if draw(st.booleans()):
        stmts.append(["budget", draw(positive) + draw(st.sampled_from(["s", "m", "h", "ms", "S", "min"]))])
    if draw(st.booleans()):
        stmts.append(["seed", str(draw(st.integers(0, 2**32 - 1)))])
    if draw(st.booleans()):
        stmts.append(["quantize", draw(st.sampled_from(["float32", "int16", "int8", "auto"]))])
    data_items = []
    if draw(st.booleans()):
        data_items.append(["label", draw(name)])
    if draw(st.booleans()):
        cols = draw(st.lists(name, min_size=1, max_size=4))
        data_items.append(["ignore", ", ".join(cols)])
    if draw(st.booleans()):
        data_items.append(["holdout", draw(st.one_of(st.integers(1, 99).map(lambda i: f"{i}%"), quoted))])
    if draw(st.booleans()):
        data_items.append(["missing", draw(st.sampled_from(["median", "mean", "zero", "drop", "error"]))])
    data_items = draw(st.permutations(data_items))
    path = draw(quoted)
    stmts.append(draw(block(["data", path], data_items)) if data_items or draw(st.booleans()) else ["data", path])
    for tname in draw(st.lists(word, max_size=3, unique=True)):
        items = []
        for key, units in (("flash", ["B", "KB", "kb", "KiB", "MB"]), ("ram", ["B", "KB", "KiB"]),
                           ("clock", ["Hz", "kHz", "MHz", "mhz"])):
            if draw(st.booleans()):
                items.append([key, draw(positive) + draw(st.sampled_from(units))])
        items = draw(st.permutations(items))
        stmts.append(draw(block(["target", tname], items)) if items or draw(st.booleans()) else ["target", tname])
    if draw(st.booleans()):
        items = []
        if draw(st.booleans()):
            items.append(["families", ", ".join(draw(st.lists(st.sampled_from(list(FAMILIES)), min_size=1,
                                                                  max_size=3, unique=True)))])
        if draw(st.booleans()):
            items.append(["trials", str(draw(st.integers(1, 1000)))])
        for fam in draw(st.lists(word, max_size=2, unique=True)):
            params = []
            for pname in draw(st.lists(word, max_size=3, unique=True)):
                kind = draw(st.sampled_from(["fixed", "range", "choice", "word"]))
                if kind == "fixed":
                    params.append([pname, draw(number)])
                elif kind == "range":
                    params.append([pname, f"{draw(number)}..{draw(number)}"])
                elif kind == "choice":
                    params.append([pname, ", ".join(draw(st.lists(st.one_of(number, word), min_size=2, max_size=3)))])
                else:
                    params.append([pname, draw(word)])
            items.append(draw(block([fam], params)))
        stmts.append(draw(block(["search"], draw(st.permutations(items)))))
    if draw(st.booleans()):  # a signal block with sensor units (the formatter's laws hold for any names)
        chans = draw(st.lists(name, min_size=1, max_size=3))
        unit = st.sampled_from(list(SENSOR_UNITS))
        items = [["channels", ", ".join(chans)], ["rate", draw(positive) + "Hz"]]
        for _ in range(draw(st.integers(0, 2))):
            items.append(["units", ", ".join(draw(st.lists(name, min_size=1, max_size=2))) + ":", draw(unit)])
        for _ in range(draw(st.integers(0, 2))):
            u = draw(unit)
            amount = draw(positive) + (u if u.isalpha() and draw(st.booleans()) else " " + u)
            items.append(["device", ", ".join(draw(st.lists(name, min_size=1, max_size=2))) + ":", "int16",
                          draw(st.sampled_from(["scale", "full_scale"])), amount])
        if draw(st.booleans()):
            items.append(["resample", "from", draw(positive) + "Hz"])
        stmts.append(draw(block(["signal"], draw(st.permutations(items)))))
    if draw(st.booleans()):
        items = [[key, draw(quoted)] for key in ("version", "author", "maintainer", "url") if draw(st.booleans())]
        stmts.append(draw(block(["package"], draw(st.permutations(items)))))
    tokens = []
    for s in draw(st.permutations(stmts)):
        tokens += s + semi(draw)
    lead = draw(st.sampled_from(["", "\n", f"{draw(comment)}\n"]))
    return lead + join(draw, tokens)


@SETTINGS
@given(spec_text())
def test_fmt_laws_on_random_valid_specs(text):
    original = parse(text)
    once = fmt(text)
    assert strip_spans(parse(once)) == strip_spans(original)
    assert fmt(once) == once


@SETTINGS
@given(spec_text())
def test_fmt_keeps_every_comment(text):
    once = fmt(text)
    import re
    def comments(t):
        return sorted(c.rstrip() for c in re.findall(r'#[^\n]*', re.sub(r'"[^"\n]*"', '""', t)))
    assert comments(once) == comments(text)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=200))
def test_random_bytes_only_raise_spec_error(data):
    text = data.decode("utf-8", errors="replace")
    try:
        parse(text)
    except SpecError as e:
        assert e.diagnostics and e.render()


@SETTINGS
@given(spec_text(), st.data())
def test_mutated_valid_specs_only_raise_spec_error(text, data):
    pos = data.draw(st.integers(0, max(len(text) - 1, 0)))
    op = data.draw(st.sampled_from(["delete", "insert", "replace"]))
    ch = data.draw(st.sampled_from(list('{}";,.#%-+0aZ\n@\t') + ["..", "1e", "\x00"]))
    if op == "delete":
        mutated = text[:pos] + text[pos + 1:]
    elif op == "insert":
        mutated = text[:pos] + ch + text[pos:]
    else:
        mutated = text[:pos] + ch + text[pos + 1:]
    try:
        parse(mutated)
    except SpecError as e:
        rendered = e.render()
        assert "error[" in rendered
