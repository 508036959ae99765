"""The spec grammar, shipped as the package ``tinyc_grammar`` (tinyc.lark)."""
