"""A target folder dropped into each consumer's real layout compiles there, with the real cross
compiler: as an Arduino library (only `src/` on the include path, the sketch as C++), through
its CMake glue with the generated toolchain file, as a Zephyr module, through its Makefile
fragment; and its PlatformIO manifest passes PlatformIO's own validation. The example sketch,
run on this computer, prints what the Python model predicts."""
import csv
import json
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import ROOT, tinyc_exe
from tinyc_backends.arm import ARM_TOOLCHAIN

SHIM = ROOT / "tests" / "fixtures" / "arduino"
needs_arm = pytest.mark.skipif(not ARM_TOOLCHAIN.available(), reason=ARM_TOOLCHAIN.install)
needs_cmake = pytest.mark.skipif(shutil.which("cmake") is None,
                                 reason="cmake not found: apt-get install --no-install-recommends cmake")
needs_gxx = pytest.mark.skipif(shutil.which("g++") is None,
                               reason="g++ not found: apt-get install --no-install-recommends g++")
CFLAGS = {"cortex-m0plus": ["-mcpu=cortex-m0plus", "-mthumb", "-mfloat-abi=soft"],
          "cortex-m4": ["-mcpu=cortex-m4", "-mthumb", "-mfloat-abi=hard", "-mfpu=fpv4-sp-d16"]}
WARN = ["-Wall", "-Wextra", "-Werror"]


def _build(spec: Path, out: Path) -> Path:
    r = subprocess.run([tinyc_exe(), "build", str(spec), "-o", str(out), "--trials", "3"],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    return out


@pytest.fixture(scope="module")
def builds(tmp_path_factory, sklearn_data):
    """One build per kind of model: classification (wine: Cortex-M0+, M4, host), regression,
    anomaly detector, signal model (raw samples in)."""
    tmp = tmp_path_factory.mktemp("packages")
    return {
        "classification": _build(ROOT / "specs" / "wine.tml", tmp / "wine"),
        "regression": _build(ROOT / "examples" / "diabetes" / "progression.tml", tmp / "progression"),
        "anomaly": _build(ROOT / "examples" / "ecg_anomaly" / "ecg.tml", tmp / "ecg"),
        "signal": _build(ROOT / "examples" / "basic_motions" / "activity.tml", tmp / "activity"),
    }


def _name(out: Path) -> str:
    return json.loads((out / "report.json").read_text())["model_name"]


def _arduino_layout(folder: Path, name: str, sketchbook: Path) -> Path:
    """The folder as a user installs it: <sketchbook>/libraries/<name>/."""
    lib = sketchbook / "libraries" / name
    shutil.copytree(folder, lib)
    return lib


def _compile_arduino(lib: Path, name: str, cc: str, cxx: str, flags: list[str], work: Path) -> list[Path]:
    """Compile as the Arduino builder does: every .c/.cpp under src/ with only src/ on the library's
    include path, and the example sketch as C++ (with the test's Arduino.h)."""
    objs = []
    for src in sorted((lib / "src").rglob("*.c")):
        obj = work / (src.stem + ".o")
        r = subprocess.run([cc, *flags, "-std=gnu11", "-Os", *WARN, "-I", str(lib / "src"), "-c", str(src),
                            "-o", str(obj)], capture_output=True, text=True)
        assert r.returncode == 0, r.stderr
        objs.append(obj)
    sketch = lib / "examples" / name / f"{name}.ino"
    for src in (sketch, SHIM / "main.cpp"):
        obj = work / (src.stem + "_ino.o")
        r = subprocess.run([cxx, *flags, "-std=gnu++11", "-Os", "-fno-exceptions", "-fno-rtti", *WARN,
                            "-I", str(SHIM), "-I", str(lib / "src"), "-x", "c++", "-c", str(src), "-o", str(obj)],
                           capture_output=True, text=True)
        assert r.returncode == 0, r.stderr
        objs.append(obj)
    return objs


@needs_arm
@pytest.mark.parametrize("kind", ["classification", "regression", "anomaly", "signal"])
def test_arduino_library_compiles_for_cortex_m0plus_and_m4(kind, builds, tmp_path):
    out = builds[kind]
    name = _name(out)
    props = dict(line.split("=", 1) for line in (out / "cortex-m4" / "library.properties").read_text().splitlines())
    assert props["name"] == name and props["includes"] == f"{name}.h"
    assert {"version", "author", "maintainer", "sentence", "paragraph", "category", "url", "architectures"} <= set(props)
    assert "example.invalid" not in props["url"]
    for target in ("cortex-m0plus", "cortex-m4"):
        if not (out / target).is_dir():
            continue
        work = tmp_path / target
        work.mkdir()
        lib = _arduino_layout(out / target, name, work / "sketchbook")
        assert not (lib / "include").exists()  # Arduino would not see it
        objs = _compile_arduino(lib, name, ARM_TOOLCHAIN.gcc, "arm-none-eabi-g++", CFLAGS[target], work)
        exe = work / "sketch.elf"
        r = subprocess.run([ARM_TOOLCHAIN.gcc, *CFLAGS[target], "--specs=nosys.specs", *map(str, objs),
                            "-o", str(exe), "-lm"], capture_output=True, text=True)
        assert r.returncode == 0, r.stderr


@needs_gxx
@pytest.mark.parametrize("kind", ["classification", "regression"])
def test_the_example_sketch_prints_what_the_model_predicts(kind, builds, tmp_path):
    """The sketch run on this computer (Serial as standard input and output): the embedded holdout
    row's result first, then one per row sent over Serial, each the Python model's prediction."""
    out = builds[kind]
    name = _name(out)
    rep = json.loads((out / "report.json").read_text())
    # holdout_predictions.csv is the model's main form: a target that got it (another may get float32)
    target = next(t for t in ("cortex-m4", "cortex-m0plus")
                  if rep["targets"].get(t, {}).get("quantization") == rep["model"]["quantization"])
    lib = _arduino_layout(out / target, name, tmp_path / "sketchbook")
    objs = _compile_arduino(lib, name, "cc", "g++", [], tmp_path)
    exe = tmp_path / "sketch"
    subprocess.run(["g++", *map(str, objs), "-o", str(exe), "-lm"], check=True)
    with open(out / "artifacts" / "holdout.csv", newline="") as f:
        rows = [r[:-1] for r in list(csv.reader(f))[1:]]
    expected = (out / "artifacts" / "holdout_predictions.csv").read_text().split("\n")[1:-1]
    sent = rows[1:8]
    r = subprocess.run([str(exe)], input="".join(",".join(row) + "\n" for row in sent), capture_output=True,
                       text=True, check=True)
    printed = r.stdout.split("\n")[:-1]
    assert len(printed) == 1 + len(sent)
    if kind == "classification":
        assert printed == [expected[0], *expected[1:1 + len(sent)]]
    else:
        assert [round(float(v), 4) for v in printed] == [round(float(v), 4) for v in expected[:1 + len(sent)]]


@needs_arm
@needs_cmake
def test_cmake_with_the_generated_toolchain_file_builds_and_the_wrong_compiler_is_explained(builds, tmp_path):
    out = builds["classification"]
    folder = out / "cortex-m4"
    r = subprocess.run(["cmake", "-S", str(folder), "-B", str(tmp_path / "host-cc")], capture_output=True, text=True)
    assert r.returncode != 0
    assert "toolchain-cortex-m4.cmake" in r.stderr and "CMAKE_TOOLCHAIN_FILE" in r.stderr
    b = tmp_path / "arm"
    r = subprocess.run(["cmake", "-S", str(folder), "-B", str(b),
                        f"-DCMAKE_TOOLCHAIN_FILE={folder / 'toolchain-cortex-m4.cmake'}"], capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    r = subprocess.run(["cmake", "--build", str(b)], capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    lib = b / "libwine.a"
    dump = subprocess.run(["arm-none-eabi-objdump", "-f", str(lib)], capture_output=True, text=True, check=True).stdout
    assert "elf32-littlearm" in dump
    host = tmp_path / "host"  # the host target's folder builds with this computer's compiler
    assert subprocess.run(["cmake", "-S", str(out / "host"), "-B", str(host)], capture_output=True).returncode == 0
    assert subprocess.run(["cmake", "--build", str(host)], capture_output=True).returncode == 0


# Zephyr's build system, reduced to plain CMake: what the module's CMakeLists.txt calls
ZEPHYR_SHIM = """cmake_minimum_required(VERSION 3.13)
project(app C)
add_library(zephyr_interface INTERFACE)
macro(zephyr_library)
  set(ZEPHYR_CURRENT_LIBRARY module_lib)
  add_library(module_lib STATIC)
endmacro()
function(zephyr_library_sources)
  target_sources(${ZEPHYR_CURRENT_LIBRARY} PRIVATE ${ARGN})
endfunction()
function(zephyr_include_directories)
  target_include_directories(zephyr_interface INTERFACE ${ARGN})
  target_include_directories(${ZEPHYR_CURRENT_LIBRARY} PUBLIC ${ARGN})
endfunction()
function(zephyr_library_compile_options)
  target_compile_options(${ZEPHYR_CURRENT_LIBRARY} PRIVATE ${ARGN})
endfunction()
set(CONFIG_TINYC_WINE y)
add_subdirectory(${MODULE}/zephyr module)
add_executable(app main.c)
target_link_libraries(app PRIVATE module_lib zephyr_interface)
target_link_options(app PRIVATE --specs=nosys.specs)
"""


@needs_arm
@needs_cmake
def test_zephyr_module_builds_into_an_app(builds, tmp_path):
    folder = builds["classification"] / "cortex-m4"
    module = yaml_load(folder / "zephyr" / "module.yml")
    assert module == {"name": "wine", "build": {"cmake": "zephyr", "kconfig": "zephyr/Kconfig"}}
    assert "config TINYC_WINE\n\tbool" in (folder / "zephyr" / "Kconfig").read_text()
    app = tmp_path / "app"
    app.mkdir()
    (app / "CMakeLists.txt").write_text(ZEPHYR_SHIM)
    (app / "main.c").write_text('#include "wine.h"\nint main(void)\n{\n    static const float x[WINE_N_FEATURES];\n'
                                '    int32_t c = 0;\n    return (int)wine_predict(x, &c) + (int)c;\n}\n')
    b = tmp_path / "b"
    r = subprocess.run(["cmake", "-S", str(app), "-B", str(b), f"-DMODULE={folder}",
                        f"-DCMAKE_TOOLCHAIN_FILE={folder / 'toolchain-cortex-m4.cmake'}"], capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    r = subprocess.run(["cmake", "--build", str(b), "--verbose"], capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "-ffp-contract=off" in r.stdout and (b / "app").exists()


def yaml_load(path: Path):
    import yaml

    return yaml.safe_load(path.read_text())


@needs_arm
def test_makefile_fragment_builds_the_library(builds, tmp_path):
    folder = builds["classification"] / "cortex-m0plus"
    (tmp_path / "Makefile").write_text(f"WINE_DIR := {folder}/\ninclude $(WINE_DIR)wine.mk\n"
                                       "CC := arm-none-eabi-gcc\n"
                                       "wine.o: $(WINE_SRCS)\n\t$(CC) $(WINE_CFLAGS) -Wall -Wextra -Werror -Os -c $< -o $@\n")
    r = subprocess.run(["make", "-C", str(tmp_path), "wine.o"], capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "-mcpu=cortex-m0plus" in r.stdout and "-ffp-contract=off" in r.stdout


def test_platformio_manifest_passes_platformio_validation(builds, tmp_path):
    parser = pytest.importorskip("platformio.package.manifest.parser",
                                 reason="PlatformIO is not installed: pip install platformio")
    from platformio.package.manifest.schema import ManifestSchema

    for kind, out in builds.items():
        name = _name(out)
        folder = out / "cortex-m4"
        text = (folder / "library.json").read_text()
        data = parser.ManifestParserFactory.new(text, parser.ManifestFileType.LIBRARY_JSON).as_dict()
        checked = ManifestSchema().load_manifest(data)  # raises ManifestValidationError when invalid
        assert checked["name"] == name and checked["version"]
        build = json.loads(text)["build"]
        assert build["srcDir"] == build["includeDir"] == "src"
        for example in checked["examples"]:
            for f in example["files"]:
                assert (folder / example["base"] / f).is_file()


def test_the_spec_package_block_fills_the_manifests_and_its_absence_is_noted(tmp_path, sklearn_data):
    text = (ROOT / "specs" / "wine.tml").read_text().replace('data "data/wine.csv"', f'data "{sklearn_data}/wine.csv"')
    (tmp_path / "plain.tml").write_text(text)
    (tmp_path / "named.tml").write_text(text + '\npackage {\n  version "2.1.0"\n  author "Jane Doe <jane@example.com>"\n'
                                        '  url "https://example.com/wine"\n}\n')
    runs = {}
    for name in ("plain", "named"):
        runs[name] = subprocess.run([tinyc_exe(), "build", f"{name}.tml", "-o", name, "--trials", "2"], cwd=tmp_path,
                                    capture_output=True, text=True)
        assert runs[name].returncode == 0, runs[name].stderr
    assert "note: the Arduino and PlatformIO manifests have no version, author, url from the spec" in runs["plain"].stderr
    assert "manifests" not in runs["named"].stderr
    props = dict(line.split("=", 1) for line in (tmp_path / "named" / "cortex-m4" / "library.properties")
                 .read_text().splitlines())
    assert (props["version"], props["author"], props["maintainer"], props["url"]) == (
        "2.1.0", "Jane Doe <jane@example.com>", "Jane Doe <jane@example.com>", "https://example.com/wine")
    manifest = json.loads((tmp_path / "named" / "cortex-m4" / "library.json").read_text())
    assert manifest["authors"] == [{"name": "Jane Doe", "email": "jane@example.com", "maintainer": True}]
    assert manifest["homepage"] == "https://example.com/wine" and manifest["version"] == "2.1.0"
    parser = pytest.importorskip("platformio.package.manifest.parser")
    from platformio.package.manifest.schema import ManifestSchema

    ManifestSchema().load_manifest(parser.ManifestParserFactory.new(
        json.dumps(manifest), parser.ManifestFileType.LIBRARY_JSON).as_dict())


ARDUINO_BUILDER = shutil.which("arduino-builder")
ARDUINO_HARDWARE = Path("/usr/share/arduino/hardware")


@pytest.mark.skipif(ARDUINO_BUILDER is None or not ARDUINO_HARDWARE.is_dir(),
                    reason="apt-get install --no-install-recommends arduino-builder arduino-core-avr")
@pytest.mark.parametrize("kind", ["classification", "regression", "anomaly", "signal"])
def test_the_arduino_builder_finds_compiles_and_links_the_library_and_its_example(kind, builds, tmp_path):
    """Arduino's own build engine (Debian's arduino-builder with its AVR core, for an Uno; the
    signal model, whose spec allows 8 KB of RAM, for a Mega 2560, which has them): it finds the
    library from the sketch's #include, compiles it and the example, and links them. (Debian's AVR
    core needs DECIMAL_DIG defined for its own WString.cpp; no Arm core is packaged.)"""
    out = builds[kind]
    name = _name(out)
    lib = _arduino_layout(out / "cortex-m4", name, tmp_path / "sketchbook")
    sketch = tmp_path / name
    shutil.copytree(lib / "examples" / name, sketch)
    (tmp_path / "build").mkdir()
    r = subprocess.run([ARDUINO_BUILDER, "-compile", "-hardware", str(ARDUINO_HARDWARE), "-hardware",
                        "/usr/share/arduino-builder", "-tools", "/usr/bin", "-libraries", str(tmp_path / "sketchbook" /
                                                                                              "libraries"),
                        "-fqbn", "arduino:avr:mega:cpu=atmega2560" if kind == "signal" else "arduino:avr:uno", "-prefs", "compiler.cpp.extra_flags=-DDECIMAL_DIG=9",
                        "-build-path", str(tmp_path / "build"), str(sketch / f"{name}.ino")],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    assert (tmp_path / "build" / "libraries" / name / f"{name}.c.o").exists()  # found through the #include
    assert "Sketch uses" in r.stdout and (tmp_path / "build" / f"{name}.ino.hex").exists()
