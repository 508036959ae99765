"""tinyc's built-in backends (installed as the package ``tinyc_backends``).

One module per target. Each is registered in pyproject.toml under the
``tinyc.backends`` entry-point group, exactly as a third-party package would
register its own; tinyc finds them all through that group.
"""
