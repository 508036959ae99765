"""tinyc: a compiler for tiny machine-learning models."""
import time

from . import blas

blas.pin()  # before anything imports numpy: the same model on every x86-64 machine (tinyc.blas)

# when the process imported tinyc (its first step): a build's budget counts from here, so the
# interpreter's start-up and the imports of numpy and scikit-learn are part of the time it promises
STARTED = time.monotonic()


def __getattr__(name: str):
    # The version is looked up only when asked for: reading the installed metadata costs
    # tens of milliseconds, and `tinyc check` must start fast enough for every save.
    if name == "__version__":
        from importlib.metadata import PackageNotFoundError, version

        try:
            v = version("tinyc")
        except PackageNotFoundError:  # running from a source tree that is not installed
            v = "0.0.0+unknown"
        globals()["__version__"] = v
        return v
    raise AttributeError(f"module 'tinyc' has no attribute {name!r}")
