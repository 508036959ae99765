from importlib import resources
from pathlib import Path

from .base import Backend, Caps, EmitRequest


class HostBackend(Backend):
    name = "host"
    description = "portable C99 for desktop and servers; used for the predict tool and parity tests"
    caps = Caps(fpu="double", dsp=False, hw_divide=True, word_bits=64, clock_hz=2e9,
                default_flash=64 * 1024 * 1024, default_ram=64 * 1024 * 1024, arch="host")

    def extra_files(self, req: EmitRequest, lib) -> dict[str, str]:
        """tools/predict.c: a command-line predictor over a CSV file."""
        template = resources.files("tinyc_backends").joinpath("templates/predict.c.in").read_text()
        p = req.name
        if req.model.task.value == "anomaly":
            show = f"            printf(\"%s\\n\", s[0] > {p}_threshold() ? \"anomaly\" : \"normal\");"
        elif req.model.task.value == "classification":
            show = (f"            {{\n                int32_t c = 0;\n                (void){p}_predict(x, &c);\n"
                    f"                printf(\"%s\\n\", {p}_class_label(c));\n            }}")
        else:
            show = "            printf(\"%.9g\\n\", (double)s[0]);"
        text = template.replace("@P_UPPER@", p.upper()).replace("@P@", p).replace("@PRINT@", show)
        return {"tools/predict.c": lib_banner(lib) + text}

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
