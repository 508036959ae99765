"""The build-system packages of a target folder: the same two files (``src/<model>.h`` and
``src/<model>.c``) dropped into each consumer's real layout.

- CMake: ``CMakeLists.txt`` (``add_subdirectory``), and for a cross target a toolchain file
  ``toolchain-<target>.cmake``; configured with the host's compiler instead, it stops with a
  message naming that file.
- Make: ``<model>.mk``, a fragment to include.
- Arduino (library format 1.5): ``library.properties`` and ``examples/<model>/<model>.ino``;
  Arduino compiles ``src/`` with only ``src/`` on the include path, which is why the header
  lives there for every build system.
- PlatformIO: ``library.json`` (``build.srcDir`` and ``includeDir`` are ``src``).
- Zephyr: a module (``zephyr/module.yml``, ``zephyr/CMakeLists.txt``, ``zephyr/Kconfig``).
- ``README.md``: how to add the folder to each, in a line apiece.

Every file is a pure function of the request: the same build writes the same bytes.
"""
from __future__ import annotations

import json
import re

import numpy as np

from tinyc.codegen.cgen import c_comment

DEFAULT_VERSION = "1.0.0"  # the library version until the spec declares one (package { version })
NO_AUTHOR = "unknown (package { author } in the spec)"


def package_fields(req) -> dict:
    """Version, author, maintainer and url of the manifests: the spec's package block, or the
    placeholders the build notes (no url at all: there is none to give)."""
    pk = req.package or {}
    author = pk.get("author", NO_AUTHOR)
    return {"version": pk.get("version", DEFAULT_VERSION), "author": author,
            "maintainer": pk.get("maintainer", author), "url": pk.get("url")}


def missing_package_note(package: dict | None) -> str | None:
    """The note a build with Arduino/PlatformIO manifests prints when the spec gives no package block."""
    missing = [k for k in ("version", "author", "url") if not (package or {}).get(k)]
    if not missing:
        return None
    return (f"the Arduino and PlatformIO manifests have no {', '.join(missing)} from the spec (version "
            f"{DEFAULT_VERSION} until given): add e.g. package {{ version \"1.0.0\" author \"You <you@example.com>\" "
            f"url \"https://example.com/model\" }}")


def cmake(req, backend) -> str:
    p = req.name
    flags = " ".join(backend.cflags)
    guard = ""
    if backend.compiler != "cc":
        guard = f"""if(NOT CMAKE_CROSSCOMPILING)
  message(FATAL_ERROR "The '{p}' library is for {backend.name} ({backend.compiler}), but CMake is set up for "
    "this computer's compiler (${{CMAKE_C_COMPILER}}). Configure with the toolchain file beside this file:\\n"
    "  cmake -B build -DCMAKE_TOOLCHAIN_FILE=${{CMAKE_CURRENT_LIST_DIR}}/toolchain-{backend.name}.cmake\\n"
    "or add this folder to a firmware project that already cross-compiles.")
endif()
"""
    return f"""# CMake glue for the tinyc model '{p}' ({backend.name}). Use it with
#   add_subdirectory(<this folder>) and target_link_libraries(<your target> {p})
cmake_minimum_required(VERSION 3.13)
project({p} C)
{guard}add_library({p} STATIC src/{p}.c)
target_include_directories({p} PUBLIC src)
set_target_properties({p} PROPERTIES C_STANDARD 99 C_STANDARD_REQUIRED ON C_EXTENSIONS OFF)
# -ffp-contract=off: no fused multiply-add, so results match tinyc's reference model bit for bit
target_compile_options({p} PRIVATE -Wall -Wextra -ffp-contract=off{(' ' + flags) if flags else ''})
"""


def toolchain_file(backend) -> str:
    """A CMake toolchain file for the target's cross compiler."""
    prefix = backend.compiler[:-len("gcc")]
    return f"""# CMake toolchain file for {backend.name} ({backend.description}).
#   cmake -B build -DCMAKE_TOOLCHAIN_FILE=<this file>
set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_SYSTEM_PROCESSOR arm)
set(CMAKE_C_COMPILER {backend.compiler})
set(CMAKE_CXX_COMPILER {prefix}g++)
set(CMAKE_ASM_COMPILER {backend.compiler})
set(CMAKE_AR {prefix}ar)
set(CMAKE_OBJCOPY {prefix}objcopy)
set(CMAKE_SIZE {prefix}size)
# no operating system to link a test program against: CMake's compiler checks build a library
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)
set(CMAKE_C_FLAGS_INIT "{' '.join(backend.cflags)}")
set(CMAKE_CXX_FLAGS_INIT "{' '.join(backend.cflags)}")
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
"""


def makefile(req, backend) -> str:
    p = req.name
    P = p.upper()
    return f"""# Makefile fragment for the tinyc model '{p}' ({backend.name}). In your Makefile:
#   {P}_DIR := path/to/this/folder
#   include $({P}_DIR)/{p}.mk
#   CFLAGS += $({P}_CFLAGS)   and add $({P}_SRCS) to your sources
{P}_DIR ?= $(dir $(lastword $(MAKEFILE_LIST)))
{P}_SRCS := $({P}_DIR)src/{p}.c
{P}_CFLAGS := -I$({P}_DIR)src -std=c99 -ffp-contract=off{(' ' + ' '.join(backend.cflags)) if backend.cflags else ''}
{P}_LDLIBS :=
"""


def _what(req) -> str:
    task = req.model.task.value
    signal = getattr(req.model, "frontend", None) is not None
    return f"{req.model.family} {'anomaly detector' if task == 'anomaly' else task + ' model'}" + \
        (" on raw sensor samples" if signal else "")


def _line(text: str) -> str:
    """A value of library.properties: one line (a file name may hold a line break)."""
    return " ".join(str(text).splitlines())


def library_properties(req, backend) -> str:
    p = req.name
    prov = req.provenance
    pk = {k: _line(v) if v else v for k, v in package_fields(req).items()}
    return "\n".join([
        f"name={p}",
        f"version={pk['version']}",
        f"author={pk['author']}",
        f"maintainer={pk['maintainer']}",
        f"sentence=The tinyc {_what(req)} '{p}' for {backend.name}.",
        f"paragraph=Generated by tinyc {prov.tinyc_version} from {_line(prov.spec_file)} (model {prov.model_id}): "
        f"C99, no heap, weights in flash.",
        "category=Data Processing",
        f"url={pk['url'] or ''}",
        f"architectures={getattr(backend, 'arduino_architectures', '*')}",
        f"includes={p}.h",
        "",
    ])


def library_json(req, backend) -> str:
    p = req.name
    pk = package_fields(req)
    manifest = {
        "name": p,
        "version": pk["version"],
        "description": f"The tinyc {_what(req)} '{p}' for {backend.name} (model {req.provenance.model_id}).",
        "keywords": ["tinyml", "machine-learning", "tinyc", req.model.task.value],
        **({"authors": _authors(pk)} if req.package and req.package.get("author") else {}),
        **({"homepage": pk["url"]} if pk["url"] else {}),
        "frameworks": "*",
        "platforms": "*",
        "build": {"srcDir": "src", "includeDir": "src", "flags": ["-ffp-contract=off"]},
        "examples": [{"name": p, "base": f"examples/{p}", "files": [f"{p}.ino"]}],
        "export": {"exclude": ["zephyr", "CMakeLists.txt", f"{p}.mk", "toolchain-*.cmake"]},
    }
    return json.dumps(manifest, indent=2) + "\n"


def _person(text: str, maintainer: bool) -> dict:
    """A PlatformIO author entry of "Name <email>" (or a name alone)."""
    m = re.fullmatch(r"\s*(.*?)\s*<([^<>]+)>\s*", text)
    entry = {"name": m.group(1), "email": m.group(2)} if m else {"name": text.strip()}
    return {**entry, "maintainer": maintainer}


def _authors(pk: dict) -> list[dict]:
    if pk["maintainer"] == pk["author"]:
        return [_person(pk["author"], True)]
    return [_person(pk["author"], False), _person(pk["maintainer"], True)]


def zephyr_files(req) -> dict[str, str]:
    p = req.name
    sym = f"TINYC_{p.upper()}"
    return {
        "zephyr/module.yml": f"name: {p}\nbuild:\n  cmake: zephyr\n  kconfig: zephyr/Kconfig\n",
        "zephyr/Kconfig": (f"config {sym}\n\tbool \"tinyc model {p}\"\n\thelp\n"
                           f"\t  The tinyc {_what(req)} '{p}': src/{p}.c and src/{p}.h.\n"),
        "zephyr/CMakeLists.txt": f"""# Zephyr module glue for the tinyc model '{p}': enable it with CONFIG_{sym}=y in prj.conf
if(CONFIG_{sym})
  zephyr_library()
  zephyr_library_sources(${{CMAKE_CURRENT_LIST_DIR}}/../src/{p}.c)
  zephyr_include_directories(${{CMAKE_CURRENT_LIST_DIR}}/../src)
  # no fused multiply-add, so results match tinyc's reference model bit for bit
  zephyr_library_compile_options(-ffp-contract=off)
endif()
""",
    }


def readme(req, backend, packages) -> str:
    p = req.name
    P = p.upper()
    lines = [f"# {p} for {backend.name}", "",
             f"The tinyc {_what(req)} '{p}': `src/{p}.h` and `src/{p}.c` (C99, no heap). To add it to a firmware:",
             ""]
    if "arduino" in packages:
        lines.append(f"- **Arduino**: copy this folder to your sketchbook's `libraries/{p}/` (or zip it and use Sketch → "
                     f"Include Library → Add .ZIP Library); the example is under File → Examples → {p}.")
    if "platformio" in packages:
        lines.append(f"- **PlatformIO**: copy it into your project's `lib/` (or `lib_deps = symlink://<path>`) and "
                     f"`#include \"{p}.h\"`.")
    if "zephyr" in packages:
        lines.append(f"- **Zephyr**: `list(APPEND ZEPHYR_EXTRA_MODULES <path>)` before `find_package(Zephyr)` and "
                     f"`CONFIG_TINYC_{P}=y` in `prj.conf`.")
    cross = (f"; on its own: `cmake -B build -DCMAKE_TOOLCHAIN_FILE=toolchain-{backend.name}.cmake`"
             if "toolchain" in packages else "")
    lines.append(f"- **CMake**: `add_subdirectory(<path>)` and `target_link_libraries(<app> PRIVATE {p})`{cross}.")
    lines.append(f"- **Make**: `{P}_DIR := <path>/`, `include $({P}_DIR){p}.mk`, then add `$({P}_SRCS)` to the "
                 f"sources and `$({P}_CFLAGS)` to `CFLAGS`.")
    lines += ["", "The sources forbid fused multiply-adds themselves (a pragma GCC, Clang and Arm's compiler "
              "honour), so the results match tinyc's reference model bit for bit under your project's flags "
              "(tested with GCC's -std=gnu11 -O2 -ffp-contract=fast); the glue above passes -ffp-contract=off too.",
              ""]
    return "\n".join(lines)


def _number(v: float) -> str:
    """A float32 as the shortest C literal that reads back exactly."""
    return np.format_float_positional(np.float32(v), unique=True, trim="0") + "f"


def arduino_sketch(req) -> str:
    """``examples/<p>/<p>.ino``: the model run on a holdout row at start (when the build gives one),
    then on the rows (or, for a signal model, the raw samples) sent over Serial as lines of
    comma-separated numbers; each result printed over Serial."""
    p = req.name
    P = p.upper()
    task = req.model.task.value
    signal = getattr(req.model, "frontend", None) is not None
    n, what = (f"{P}_N_CHANNELS", "sample") if signal else (f"{P}_N_FEATURES", "row")
    if task == "anomaly":
        result = (["    int32_t flag = 0;", f"    {p}_status st = {p}_predict_window(&flag);"] if signal else
                  ["    int32_t flag = 0;", "    float score = 0.0f;",
                   f"    {p}_status st = {p}_is_anomaly(x, &flag, &score);"])
        show = ['        Serial.println(flag ? "anomaly" : "normal");']
    elif task == "classification":
        result = ["    int32_t c = 0;", f"    {p}_status st = {p}_predict{'_window' if signal else ''}"
                                        f"({'' if signal else 'x, '}&c);"]
        show = [f"        Serial.println({p}_class_label(c));"]
    else:
        result = ["    float y = 0.0f;", f"    {p}_status st = {p}_predict{'_window' if signal else ''}_value"
                                         f"({'' if signal else 'x, '}&y);"]
        show = ["        Serial.println(y, 6);"]
    out = [f"/* {p}.ino: the tinyc model '{p}' on an Arduino board, its results printed over Serial.",
           f" * Send {what}s over Serial (115200 baud), one per line: {n} numbers separated by commas,",
           (f" * {c_comment(', '.join(req.model.frontend.channels))}, at {req.model.frontend.rate_hz:g} Hz and in the "
            f"units of the training data." if signal else f" * in the order of {p}_feature_names."),
           " * Generated by tinyc; edit freely. */",
           "#include <Arduino.h>", f'#include "{p}.h"', ""]
    example = getattr(req, "example", None)
    if example is not None and not signal:
        row, expected = example
        out += [f"/* a holdout row of the training data: the model predicts {c_comment(expected)} for it */",
                f"static const float example_row[{P}_N_FEATURES] = {{",
                "    " + ",\n    ".join(", ".join(_number(v) for v in row[i:i + 6]) for i in range(0, len(row), 6)),
                "};", ""]
    # a signal model's result comes with a completed window; a row's with every row
    if signal:
        out += ["static void print_result(void)", "{"]
    else:
        out += ["static void print_result(const float *x)", "{"]
    out += [*result,
            f"    if (st == {P}_OK) {{",
            *show,
            "    } else {",
            '        Serial.print("error: ");',
            f"        Serial.println({p}_status_str(st));",
            "    }",
            "}", "",
            "void setup()", "{", "    Serial.begin(115200);"]
    if example is not None and not signal:
        out += ["    print_result(example_row);"]
    out += ["}", "",
            "void loop()", "{",
            f"    static float v[{n}];",
            "    uint16_t i;",
            "    if (Serial.available() <= 0) {",
            "        return;",
            "    }",
            f"    for (i = 0; i < {n}; ++i) {{",
            "        v[i] = Serial.parseFloat();",
            "    }",
            "    while (Serial.available() > 0 && Serial.read() != '\\n') {",
            "    }"]
    if signal:
        out += ["    {",
                "        int32_t ready = 0;",
                f"        {p}_status st = {p}_push_sample(v, &ready);",
                f"        if (st != {P}_OK) {{",
                '            Serial.print("error: ");',
                f"            Serial.println({p}_status_str(st));",
                "        } else if (ready) {",
                "            print_result();",
                "        }",
                "    }"]
    else:
        out += ["    print_result(v);"]
    out += ["}", ""]
    return "\n".join(out)
