"""C identifiers and literals.

Small, doctested helpers; backends build their output from these so that
every target formats numbers and names the same, byte for byte.
"""
from __future__ import annotations

import re

# C99 keywords plus the C11 ones a C99 compiler may still reserve.
C_KEYWORDS = frozenset("""
auto break case char const continue default do double else enum extern float for goto if
inline int long register restrict return short signed sizeof static struct switch typedef
union unsigned void volatile while _Bool _Complex _Imaginary _Alignas _Alignof _Atomic
_Generic _Noreturn _Static_assert _Thread_local
""".split())


# Headers a generated <model>.h must not shadow (the library's folder is on the include path, and
# case-insensitive file systems fold Math.h onto math.h): the C standard library's, glibc's and
# newlib's features.h, and POSIX's most common; and main (main.c is the firmware's own file).
RESERVED_FILE_NAMES = frozenset("""
assert complex ctype errno fenv float inttypes iso646 limits locale math setjmp signal stdalign stdarg
stdatomic stdbool stddef stdint stdio stdlib stdnoreturn string tgmath threads time uchar wchar wctype
features alloca unistd fcntl strings malloc endian main
""".split())


# the C test that a float's bits (in a uint32_t ``u``) are NaN or infinite: exponent all ones
NON_FINITE_BITS = "(u & 0x7F800000u) == 0x7F800000u"


def float_bits(src: str, indent: str) -> str:
    """C lines that put the bits of the float ``src`` into ``uint32_t u`` through a union
    (C99 TC3 6.5.2.3): a load, where memcpy from a pointer becomes a call to the
    library's memcpy on Armv6-M (144 bytes of flash on a Cortex-M0+)."""
    return (f"{indent}union {{\n{indent}    float f;\n{indent}    uint32_t u;\n{indent}}} bits;\n"
            f"{indent}bits.f = {src};\n{indent}u = bits.u;\n")


def is_c_identifier(name: str) -> bool:
    """
    >>> is_c_identifier("wine_v2"), is_c_identifier("2wine"), is_c_identifier("int")
    (True, False, False)
    """
    return re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name) is not None and name not in C_KEYWORDS


def suggest_identifier(name: str) -> str:
    """A C identifier close to ``name``.

    >>> suggest_identifier("wine-classifier")
    'wine_classifier'
    >>> suggest_identifier("2nd model")
    'm_2nd_model'
    >>> suggest_identifier("int")
    'int_model'
    """
    ident = re.sub(r"[^A-Za-z0-9_]", "_", name)
    if not ident or ident[0].isdigit():
        ident = "m_" + ident
    if ident in C_KEYWORDS:
        ident += "_model"
    return ident


def c_float(v) -> str:
    """A float32 value as the shortest C literal that reads back to the same float.

    >>> c_float(0.1), c_float(2.0), c_float(-1.5e-07), c_float(123456789.0)
    ('0.1f', '2.0f', '-1.5e-07f', '1.2345679e+08f')
    """
    import numpy as np

    f = np.float32(v)
    if not np.isfinite(f):
        raise ValueError(f"cannot emit non-finite value {v!r}")
    text = np.format_float_positional(f, unique=True, trim="0") if 1e-4 <= abs(f) < 1e7 or f == 0 else \
        np.format_float_scientific(f, unique=True, trim="0", exp_digits=2)
    if "." not in text and "e" not in text:
        text += ".0"
    return text.replace(".e", ".0e") + "f"


def c_int(v) -> str:
    """
    >>> c_int(5), c_int(-3)
    ('5', '-3')
    """
    return str(int(v))


def c_string(s: str) -> str:
    r"""A C string literal of any text: ASCII, escaped, no trigraph. Bytes outside printable
    ASCII (UTF-8 of non-ASCII text, control characters) become hex escapes; where a hex digit
    follows one, the literal is split (``"\xc3" "A"`` reads as two characters, not one
    escape). ``?`` is escaped so that no ``??/`` trigraph forms under -std=c99. A NUL would
    end the C string early: refused.

    >>> print(c_string('say "hi"\n'))
    "say \"hi\"\n"
    >>> print(c_string("??/ é1"))
    "\?\?/ \xc3\xa9" "1"
    """
    if "\0" in s:
        raise ValueError(f"text {s!r} holds a NUL character, which a C string cannot hold")
    out, after_hex = [], False
    for ch in s:
        if after_hex and ch in "0123456789abcdefABCDEF":
            out.append('" "')
        after_hex = False
        if ch in '"\\?':
            out.append("\\" + ch)
        elif ch == "\n":
            out.append("\\n")
        elif 32 <= ord(ch) < 127:
            out.append(ch)
        else:
            out.extend(f"\\x{b:02x}" for b in ch.encode("utf-8", "surrogatepass"))
            after_hex = True
    return '"' + "".join(out) + '"'


def int_type(lo: int, hi: int) -> str:
    """Narrowest stdint type holding lo..hi.

    >>> int_type(0, 200), int_type(-5, 100), int_type(0, 70000), int_type(-40000, 3)
    ('uint8_t', 'int8_t', 'uint32_t', 'int32_t')
    """
    if lo >= 0:
        for bits in (8, 16, 32):
            if hi < 2**bits:
                return f"uint{bits}_t"
    for bits in (8, 16, 32):
        if -(2 ** (bits - 1)) <= lo and hi < 2 ** (bits - 1):
            return f"int{bits}_t"
    raise ValueError(f"range {lo}..{hi} does not fit 32 bits")


def c_array(ctype: str, name: str, values, fmt=None, per_line: int = 8, static: bool = True) -> str:
    """A const array definition, ``per_line`` values a line.

    >>> print(c_array("int8_t", "a", [1, -2, 3], per_line=2))
    static const int8_t a[3] = {
        1, -2,
        3
    };
    """
    fmt = fmt or (c_float if "float" in ctype else c_int)
    vals = [fmt(v) for v in values]
    if not vals:
        vals = ["0"]  # C forbids empty arrays; a placeholder never read
    lines = [", ".join(vals[i:i + per_line]) for i in range(0, len(vals), per_line)]
    body = ",\n    ".join(lines)
    return f"{'static ' if static else ''}const {ctype} {name}[{len(vals)}] = {{\n    {body}\n}};"


def c_comment(text: str) -> str:
    """Text safe inside a C block comment (data strings may hold anything).

    >>> c_comment("a */ b\\nc ??/ \\x00d")
    'a * / b c ? ?/ d'
    """
    text = "".join(" " if ord(ch) < 32 or ord(ch) == 127 else ch for ch in str(text))
    while "??" in text:  # a trigraph (??/ would splice lines); -Wtrigraphs flags them
        text = text.replace("??", "? ?")
    return " ".join(text.replace("*/", "* /").replace("/*", "/ *").split())
