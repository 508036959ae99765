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
