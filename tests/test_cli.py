"""The `nonlin` command: each subcommand runs and its output parses."""

import json
import subprocess
import sys

import pytest

import nonlin
from nonlin.cli import main


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_list_plain_and_json(capsys):
    code, out, err = run(capsys, "list")
    assert code == 0 and "relu" in out and f"{len(nonlin.names())} units" in err
    code, out, _ = run(capsys, "list", "--kind", "activation", "--json")
    rows = json.loads(out)
    assert [r["name"] for r in rows] == nonlin.names(kind="activation")
    code, out, _ = run(capsys, "list", "--family", "rectifiers", "--json")
    assert {r["family"] for r in json.loads(out)} == {"rectifiers"}


def test_list_bad_family_is_a_usage_error(capsys):
    code, _, err = run(capsys, "list", "--family", "rectifierz")
    assert code == 2 and "did you mean rectifiers" in err


def test_show(capsys):
    code, out, _ = run(capsys, "show", "leaky_relu")
    assert code == 0 and "negative_slope" in out and "Rectifier Nonlinearities" in out
    code, out, _ = run(capsys, "show", "lrelu", "--json")
    assert json.loads(out)["name"] == "leaky_relu"
    code, _, err = run(capsys, "show", "leakyrelu")
    assert code == 2 and "leaky_relu" in err


def test_catalog_writes_valid_json(tmp_path, capsys):
    path = tmp_path / "catalog.json"
    code, _, _ = run(capsys, "catalog", "-o", str(path))
    cat = json.loads(path.read_text())
    assert code == 0 and len(cat["units"]) == len(nonlin.names())
    for u in cat["units"]:
        for key in ("name", "aliases", "family", "formula", "reference", "properties", "params", "kind"):
            assert key in u
        assert u["reference"]["title"]


def test_plot_writes_png(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    path = tmp_path / "f.png"
    code, _, _ = run(capsys, "plot", "relu", "helu", "-o", str(path))
    assert code == 0 and path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    code, _, err = run(capsys, "plot", "relu", "-o", str(path), "--range", "1", "0")
    assert code == 2 and "LO < HI" in err


def test_perf_runs_on_a_small_tensor(tmp_path, capsys):
    out_json = tmp_path / "perf.json"
    code, out, _ = run(capsys, "perf", "relu_squared", "relu", "--numel", "4096", "--repeats", "1",
                       "--quiet", "--json", str(out_json))
    assert code == 0 and "| relu_squared | no |" in out and "geometric mean" in out
    rows = json.loads(out_json.read_text())["rows"]
    assert {r["unit"] for r in rows} == {"relu_squared", "relu"}
    # memory-lean: relu_squared saves only its input (4 bytes per float32 element)
    assert rows[0]["saved_bytes_per_elem"]["ours"] == pytest.approx(4.0)


def test_console_script_entry_point():
    r = subprocess.run([sys.executable, "-m", "nonlin.cli", "show", "relu"], capture_output=True, text=True)
    assert r.returncode == 0 and "max(0, x)" in r.stdout


def test_no_command_prints_help(capsys):
    code, out, _ = run(capsys)
    assert code == 2 and "usage" in out


def test_show_and_plot_bit_tables(tmp_path, capsys):
    from nonlin.cli import main

    assert main(["show", "relu", "--bits", "1"]) == 0
    out = capsys.readouterr().out
    # ReLU's derivative is a step: the 1-bit table is exact (border 0, levels 0 and 1)
    line = next(l for l in out.splitlines() if "1-bit table" in l)
    assert "+0.0000" in line and "relative derivative error 0" in line
    png = tmp_path / "t.png"
    assert main(["plot", "gelu", "--bits", "1,2", "-o", str(png)]) == 0
    assert png.stat().st_size > 5000
    assert main(["show", "swiglu", "--bits", "2"]) == 2
    assert "elementwise" in capsys.readouterr().err
    assert main(["plot", "gelu", "mish", "--bits", "2", "-o", str(png)]) == 2


def test_probe_units_with_parameters_and_network_probes(tmp_path, capsys):
    from nonlin.cli import main

    assert main(["probe", "snake(a=2)", "pau", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["unit"] for r in rows] == ["snake", "pau"]
    assert rows[0]["lipschitz"] == pytest.approx(2.0, rel=1e-3)  # snake(a=2)' = 1 + sin(4x) <= 2
    assert main(["probe", "snake(a=-1e999)"]) == 2  # -inf: refused before any work, naming the parameter
    assert "'a'" in capsys.readouterr().err
    assert main(["probe", "density", "--unit", "relu", "--task", "digits", "--epochs", "1",
                 "--out", str(tmp_path), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert 0 < out["value"] <= 1 and list(tmp_path.glob("density_relu_digits.png"))
