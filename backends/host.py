from importlib import resources
from pathlib import Path

from .base import Backend, Caps, EmitRequest


class HostBackend(Backend):
    name = "host"
    description = "portable C99 for desktop and servers; used for the predict tool and parity tests"
    caps = Caps(fpu="double", dsp=False, hw_divide=True, word_bits=64, clock_hz=2e9,
                default_flash=64 * 1024 * 1024, default_ram=64 * 1024 * 1024, arch="host")

    def extra_files(self, req: EmitRequest, lib) -> dict[str, str]:
        """tools/predict.c: a command-line predictor over a CSV file laid out like the training data."""
        return {"tools/predict.c": lib_banner(lib) + predict_source(req)}

    def build_predict(self, folder: Path, out: Path, cc: str = "cc") -> Path:
        """Compile tools/predict.c with the library into ``out``."""
        import subprocess

        p = next((folder / "src").glob("*.c")).stem
        cmd = [cc, "-std=c99", "-O2", "-Wall", "-Wextra", "-I", str(folder / "src"),
               str(folder / "src" / f"{p}.c"), str(folder / "tools" / "predict.c"), "-o", str(out), "-lm"]
        subprocess.run(cmd, check=True, capture_output=True, text=True)
        return out


def lib_banner(lib) -> str:
    first = lib.source.split("*/", 1)[0]
    return first.replace(f"{lib.source_name}: inference for", "predict.c: command-line tool for") + "*/\n"


def predict_source(req: EmitRequest) -> str:
    """predict.c: the common part (arguments, CSV, metric) and the reading loop of the model's
    inputs, feature rows or raw samples (a signal model)."""
    from tinyc.codegen.cgen import c_string

    def template(name: str) -> str:
        return resources.files("tinyc_backends").joinpath(f"templates/{name}").read_text()

    p, task = req.name, req.model.task.value
    fe = getattr(req.model, "frontend", None)
    classes = ("normal", "anomaly") if task == "anomaly" else tuple(req.classes)
    if fe is None:
        body = template("predict_rows.c.in")
        decide = {"classification": f"        {{\n            int32_t c32 = 0;\n            (void){p}_predict(x, &c32);\n"
                                    f"            cls = (int)c32;\n        }}",
                  "regression": "        value = (double)s[0];",
                  "anomaly": f"        cls = s[0] > {p}_threshold() ? 1 : 0;"}[task]
        usage = (" * A row holds the model's features (the columns named in its feature_names); one prediction\n"
                 " * is printed per row: the class label, the value, or normal/anomaly.")
    else:
        body = template("predict_signal.c.in")
        decide = {"regression": f"        {{\n            float v = 0.0f;\n            (void){p}_predict_window_value(&v);\n"
                                f"            value = (double)v;\n        }}"}.get(
            task, f"        {{\n            int32_t c32 = -1;\n            (void){p}_predict_window(&c32);\n"
                  f"            cls = (int)c32;\n        }}")
        decide = "\n".join("    " + line for line in decide.split("\n"))  # inside the result's block
        wide = fe.wide_columns is not None
        cols = fe.wide_columns if wide else tuple((c,) for c in fe.channels)
        body = (body.replace("@WIDE@", "1" if wide else "0")
                .replace("@SAMPLES_PER_ROW@", str(len(cols[0])))
                .replace("@COLUMNS@", ", ".join("{ " + ", ".join(c_string(n) for n in names) + " }" for names in cols))
                .replace("@GROUP@", c_string(fe.group or ""))
                .replace("@TIME@", c_string(req.time_column or "")))
        usage = (" * Rows are raw samples as the model was trained on them (its channels: "
                 + ", ".join(fe.channels) + "),\n * pushed one at a time"
                 + (f", a new recording wherever '{fe.group}' changes" if fe.group else "")
                 + "; one prediction per completed window,\n * after the row (or time) where the window starts."
                 if not wide else
                 " * A row holds a window of raw samples (layout wide), as in the training data; one prediction\n"
                 " * per row.")
    label_columns = tuple(dict.fromkeys(c for c in (req.label_column, "label") if c))
    text = template("predict.c.in").replace("@BODY@", body.replace("@DECIDE@", decide))
    return (text.replace("@USAGE@", usage.replace("*/", "* /"))
            .replace("@LABEL_NAMES@", " or ".join(f"'{c}'" for c in label_columns).replace("*/", "* /"))
            .replace("@TASK_CLASSES@", "0" if task == "regression" else "1")
            .replace("@N_LABELS@", str(len(classes)))
            .replace("@LABELS@", ", ".join(c_string(c) for c in classes) if classes else "\"\"")
            .replace("@LABEL_COLUMNS@", ", ".join(c_string(c) for c in label_columns))
            .replace("@SIGNAL@", "1" if fe is not None else "0")
            .replace("@P_UPPER@", p.upper()).replace("@P@", p))
