"""`nonlin perf` for layer units: every kind has baselines that compute what they claim, the rows carry
consistent ratios with their spread, and bad names or kinds fail before any timing."""

import pytest
import torch

from nonlin import cli, registry
from nonlin.bench import perf, perf_layers

ONE_PER_KIND = {"learnable": "pau", "gated": "swiglu", "kan": "kan_bspline", "neuron": "lif"}


def test_every_layer_unit_has_a_baseline_and_naive_baselines_compute_the_same_function():
    """A naive baseline is the unit's own function written plainly: same outputs (eval mode, so
    stateful training-time updates such as k-winners' duty cycles do not differ between calls)."""
    assert set(perf_layers.names()) == {n for k in perf_layers.KINDS for n in registry.names(kind=k)}
    for name in perf_layers.names():
        s = perf_layers.setup(name, "tiny")
        assert s.kind == registry.spec(name).kind and "ours" in s.cases
        baselines = {k: c for k, c in s.cases.items() if k != "ours"}
        assert baselines, f"{name} has no baseline"
        for c in s.cases.values():
            if c.module is not None:
                c.module.eval()
        with torch.no_grad():
            ours = perf_layers._first(s.cases["ours"].fn(s.x))
            for k, c in baselines.items():
                assert c.role in ("naive", "peer") and c.about, (name, k)
                out = perf_layers._first(c.fn(s.x))
                assert out.shape == ours.shape, (name, k)
                if c.role == "naive":
                    torch.testing.assert_close(out, ours, rtol=1e-4, atol=1e-5, msg=f"{name} vs {k}")


def test_kinds_get_the_baselines_the_docs_promise():
    kan = perf_layers.setup("kan_bspline", "tiny")
    assert {k: c.role for k, c in kan.cases.items() if k != "ours"} == {"naive": "naive", "mlp": "peer"}
    assert all(not layer.lean for layer in kan.cases["naive"].module.layers)
    assert not kan.input_grad and perf_layers.setup("pau", "tiny").input_grad  # a network's input is data
    p_kan, p_mlp = (perf_layers._params(kan.cases[k].module) for k in ("ours", "mlp"))
    assert abs(p_mlp - p_kan) <= 8 + 1 + 1  # one hidden unit more or less: in + bias + out weights
    glu = perf_layers.setup("swiglu", "tiny")
    assert isinstance(glu.cases["naive"].module, perf_layers.PlainGLU)
    assert glu.cases["naive"].module.act is torch.nn.functional.silu
    elm = perf_layers.setup("elm", "tiny")
    assert {"step_loop", "mode=sequential", "gru"} <= set(elm.cases)
    assert elm.cases["mode=sequential"].module.mode == "sequential"


@pytest.mark.parametrize("kind", sorted(ONE_PER_KIND))
def test_a_tiny_measurement_gives_consistent_rows(kind):
    row = perf_layers.measure(ONE_PER_KIND[kind], size="tiny", repeats=3, min_run_time=0.001)
    assert row["kind"] == kind and row["size"] == "tiny" and row["shape"]
    assert {"fwd_ms", "fwdbwd_ms", "ratio", "spread", "load", "cpu_share", "saved_mib", "params"} <= set(row)
    assert 0 < row["cpu_share"] <= 1 and len(row["load"]) == 2
    for phase in ("fwd", "fwdbwd"):
        for k in row["baselines"]:
            r = row["ratio"][phase][k]
            assert 0 < r["min"] <= r["q1"] <= r["median"] <= r["q3"] <= r["max"]
            assert row[f"{phase}_ours_over_{k}"] == r["median"]
            assert row["spread"][f"{phase}_ours_over_{k}"] == (r["min"], r["max"])
            c = row["cpu_ratio"][phase][k]
            assert 0 < c["min"] <= c["median"] <= c["max"]
            # the median is monotone, so the ratio of median times lies within the per-round ratios
            t = row[f"{phase}_ms"]
            assert r["min"] * (1 - 1e-9) <= t["ours"] / t[k] <= r["max"] * (1 + 1e-9)
    text = perf_layers.format_table([row]) + perf_layers.format_summary([row])
    assert "ours/baseline" in text and "spread of the ratios over rounds" in text


def test_bad_names_kinds_and_sizes_are_refused_with_the_allowed_values():
    with pytest.raises(ValueError, match="measures learnable, gated, kan, neuron units"):
        perf_layers.setup("gelu")
    with pytest.raises(ValueError, match="size must be one of default, tiny"):
        perf_layers.setup("pau", "huge")
    with pytest.raises(ValueError, match="kind must be one of learnable, gated, kan, neuron or 'all'"):
        perf_layers.names("activation")
    with pytest.raises(ValueError, match="measures learnable"):
        perf_layers.run(["pau", "gelu"])  # refused before pau is timed
    with pytest.raises(registry.UnknownUnitError, match="kan_bspline"):
        perf_layers.setup("kan_bsplin")


def test_cli_refuses_bad_input_with_status_2(capsys):
    with pytest.raises(SystemExit) as err:
        cli.main(["perf", "--kind", "bogus"])
    assert err.value.code == 2 and "choose from 'activation', 'learnable'" in capsys.readouterr().err
    assert cli.main(["perf", "kan_bsplin"]) == 2
    assert "Closest names: kan_bspline" in capsys.readouterr().err
    assert cli.main(["perf", "gelu", "--kind", "kan"]) == 2
    assert cli.main(["perf", "--all", "--kind", "kan"]) == 2


def _fake_layer_rows(names, size, repeats, quiet):
    rows = []
    for n in names:
        slow = n == "swiglu"
        r = {"unit": n, "kind": registry.spec(n).kind, "shape": "s", "size": size,
             "baselines": {"naive": {"role": "naive", "about": "a"}, "mlp": {"role": "peer", "about": "b"}},
             "fwd_ms": {"ours": 1.0, "naive": 1.0, "mlp": 0.5}, "fwdbwd_ms": {"ours": 2.0, "naive": 1.0, "mlp": 1.0},
             "saved_mib": {"ours": 0.0, "naive": 0.0, "mlp": 0.0}, "load": (0.1, 0.1), "cpu_share": 1.0,
             "ratio": {}, "spread": {}}
        for phase in ("fwd", "fwdbwd"):
            r["ratio"][phase] = {}
            for k, v in (("naive", 2.0 if slow else 0.9), ("mlp", 3.0)):  # a peer never breaks the floor
                lo, hi = (1.8, 2.2) if v == 2.0 else (0.8, 1.1) if v == 0.9 else (2.5, 3.5)
                r["ratio"][phase][k] = {"median": v, "min": lo, "max": hi, "q1": v, "q3": v}
                r[f"{phase}_ours_over_{k}"] = v
                r["spread"][f"{phase}_ours_over_{k}"] = (lo, hi)
        r["cpu_ratio"] = r["ratio"]
        rows.append(r)
    return rows


def test_cli_sends_each_unit_to_its_measurement_and_checks_the_floor(monkeypatch, capsys):
    seen = {}

    def fake_acts(names, numel, repeats, quiet):
        seen["acts"] = list(names)
        return []

    def fake_layers(names, size, repeats, quiet):
        seen["layers"] = list(names)
        return _fake_layer_rows(names, size, repeats, quiet)

    monkeypatch.setattr(perf, "run", fake_acts)
    monkeypatch.setattr(perf_layers, "run", fake_layers)
    assert cli.main(["perf", "gelu", "swiglu", "kan_fourier", "--check-floor"]) == 1
    assert seen == {"acts": ["gelu"], "layers": ["swiglu", "kan_fourier"]}
    out = capsys.readouterr().out
    assert "1 of 2 layer units SLOWER" in out and "swiglu vs naive forward: ours/naive 2.00 (1.80–2.20)" in out
    assert cli.main(["perf", "kan_fourier", "--check-floor"]) == 0
    seen.clear()
    assert cli.main(["perf", "--kind", "kan"]) == 0
    assert seen == {"layers": registry.names(kind="kan")}
    seen.clear()
    assert cli.main(["perf", "--kind", "layers"]) == 0
    assert seen["layers"] == perf_layers.names() and "acts" not in seen


@pytest.mark.slow
def test_long_lists_run_in_fresh_processes(monkeypatch):
    """in_chunks spawns one interpreter per chunk and keeps the order of the rows."""
    monkeypatch.setattr(perf, "CHUNK", 2)
    rows = perf.in_chunks(perf_layers.measure, ["prelu", "nau", "gru"], True, size="tiny", repeats=1)
    assert [r["unit"] for r in rows] == ["prelu", "nau", "gru"]


def test_cli_runs_a_layer_unit_and_writes_its_rows(tmp_path, capsys):
    out_json = tmp_path / "perf.json"
    assert cli.main(["perf", "prelu", "--size", "tiny", "--repeats", "2", "--quiet", "--json", str(out_json)]) == 0
    out = capsys.readouterr().out
    assert "| prelu | learnable | x 4x16 | naive | naive |" in out and "layer units" in out
    import json
    data = json.loads(out_json.read_text())
    assert data["rows"] == [] and [r["unit"] for r in data["layer_rows"]] == ["prelu"]
    assert data["layer_rows"][0]["ratio"]["fwdbwd"]["naive"]["median"] > 0
