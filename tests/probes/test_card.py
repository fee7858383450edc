"""The per-unit probe card: values, n/a for units it cannot probe, caching in the store, the report section."""

import json
import math

import pytest
import torch

from nonlin.bench.report import write_report
from nonlin.bench.store import Store
from nonlin.probes import card, cli


def _card(unit, **values):
    vals = {c: values.get(c) for c in card.CARD_COLUMNS}
    return card.ProbeCard(unit, vals, {c: "test reason" for c, v in vals.items() if v is None},
                          card.CardSettings().key(), __import__("nonlin").__version__, 0.1)


def _store_with_runs(path, units=("relu", "swiglu")):
    db = Store(path)
    rows = []
    for u in units:
        for seed in (0, 1):
            rows.append({"key": f"{u}-{seed}", "config": json.dumps({"unit": u, "seed": seed}), "unit": u,
                         "unit_label": u, "task": "t", "task_label": "t", "arch": "mlp", "width": 8, "depth": 1,
                         "seed": seed, "suite": "quick", "status": "done", "metric": "accuracy",
                         "higher_is_better": 1, "final_metric": 0.9 + 0.01 * seed, "params": 10})
    db.add(rows)
    return db


@pytest.mark.parametrize("unit, why", [("swiglu", "gated"), ("kan_bspline", "KAN"), ("lif", "neuron"),
                                       ("no_such_unit", "not a registered unit")])
def test_units_the_card_cannot_probe_get_na_with_the_reason(unit, why):
    c = card.probe_card(unit)
    assert all(v is None for v in c.values.values())
    assert all(c.cell(col).startswith("n/a (") and why in c.cell(col) for col in card.CARD_COLUMNS)


def test_card_settings_reject_bad_values_and_key_is_canonical():
    with pytest.raises(ValueError, match="epochs"):
        card.CardSettings(epochs=0)
    with pytest.raises(ValueError, match="cett_target"):
        card.CardSettings(cett_target=-1.0)
    assert card.CardSettings().key() == card.CardSettings().key() != card.CardSettings(seed=1).key()
    assert json.loads(card.CardSettings().key())["width"] == 64


def test_relu_card_is_deterministic_and_matches_the_probes(digits_data):
    # A shortened setting keeps the test fast; the numbers are checked against independent computations.
    s = card.CardSettings(epochs=3, spectral_steps=60, lipschitz_inputs=2)
    a = card.probe_card("relu", s, digits_data)
    b = card.probe_card("relu", s, digits_data)
    assert a.values == b.values                      # deterministic for a seed
    from nonlin.probes.figures import train_digits_mlp
    model, _, (xt, yt) = train_digits_mlp("relu", seed=0, epochs=3, data=digits_data)
    with torch.no_grad():
        h1 = model[1](model[0](xt))
        h2 = model[3](model[2](h1))
    acts = torch.cat([h1, h2], 1)
    assert a.values["density"] == pytest.approx(float((acts.abs() > 1e-3).double().mean()), abs=1e-9)
    assert a.values["accuracy"] == pytest.approx(float((model(xt).argmax(1) == yt).double().mean()), abs=1e-9)
    # tau-dormant by hand: per layer, mean |h_i| <= 0.025 * mean over the layer
    dormant = [float((m <= 0.025 * m.mean()).double().sum()) for m in (h1.abs().mean(0), h2.abs().mean(0))]
    assert a.values["dormant_pct"] == pytest.approx(100 * sum(dormant) / acts.shape[1], abs=1e-9)
    assert 0 < a.values["cett_ratio"] < 1
    assert a.values["lipschitz_gap"] > 1              # the certified local bound is below the product of norms
    assert math.isfinite(a.values["spectral_slope"])


def test_store_caches_cards_per_settings_and_version(tmp_path):
    db = _store_with_runs(tmp_path / "runs.db")
    assert db.probe_cards() == {}                    # no table yet: nothing, no error
    c = _card("relu", density=0.5, dormant_pct=1.0)
    db.put_probe_card("relu", c.settings, c.version, c.__dict__)
    db.put_probe_card("relu", "other-settings", c.version, {**c.__dict__, "settings": "other-settings"})
    assert set(db.probe_cards(c.settings, c.version)) == {"relu"}
    assert db.probe_cards("other-settings")["relu"]["settings"] == "other-settings"
    assert db.probe_cards(version="0.0.0-never") == {}
    db.close()
    ro = Store(tmp_path / "runs.db", readonly=True)
    assert card.ProbeCard.from_dict(ro.probe_cards(c.settings)["relu"]).values["density"] == 0.5
    ro.close()


def test_fill_store_computes_each_unit_once_and_reuses_the_cache(tmp_path, monkeypatch):
    db = _store_with_runs(tmp_path / "runs.db")
    calls = []

    def fake(label, settings=None, data=None):
        calls.append(label)
        return _card(label, density=0.25) if label == "relu" else card.ProbeCard(
            label, {c: None for c in card.CARD_COLUMNS}, {c: "gated" for c in card.CARD_COLUMNS},
            (settings or card.CardSettings()).key(), __import__("nonlin").__version__)
    monkeypatch.setattr(card, "probe_card", fake)
    monkeypatch.setattr(card, "applicable", lambda label: "skip data" if label else None)
    first = card.fill_store(db)
    assert sorted(calls) == ["relu", "swiglu"] and [c.unit for c in first] == ["relu", "swiglu"]
    again = card.fill_store(db)
    assert sorted(calls) == ["relu", "swiglu"]       # cached: nothing recomputed
    assert again[0].values["density"] == 0.25
    card.fill_store(db, force=True)
    assert len(calls) == 4
    db.close()


def test_report_shows_probe_cards_only_when_the_store_has_them(tmp_path):
    db = _store_with_runs(tmp_path / "runs.db")
    paths = write_report(db, tmp_path / "plain", plots=False)
    text = open(paths["markdown"]).read()
    assert "Probe card" not in text and "probe card" not in open(paths["html"]).read().lower()
    c = _card("relu", accuracy=0.95, density=0.7431, dormant_pct=14.0, cett_ratio=0.403, spectral_slope=0.76,
              lipschitz_gap=10.5)
    db.put_probe_card("relu", c.settings, c.version, c.__dict__)
    gated = card.probe_card("swiglu")
    db.put_probe_card("swiglu", gated.settings, gated.version, gated.__dict__)
    paths = write_report(db, tmp_path / "cards", plots=False)
    db.close()
    md = open(paths["markdown"]).read()
    assert "## Probe cards" in md
    assert "| relu | 0.950 | 0.743 | 14.000 | 0.403 | 0.760 | 10.500 |" in md
    assert "| swiglu | n/a (a gated unit changes the layer width" in md
    for column, meaning in card.CARD_COLUMNS.items():   # every column explained in one line
        assert f"- {column}: {meaning}" in md
    unit_page = md.split("### relu")[1]
    assert "Probe card:" in unit_page and "| lipschitz_gap | 10.500 |" in unit_page
    page = open(paths["html"]).read()
    assert "<h2>Probe cards</h2>" in page and "0.743" in page
    assert set(paths["probe_cards"]) == {"relu", "swiglu"}


def test_cli_card_for_units_and_for_a_store(tmp_path, capsys, monkeypatch):
    assert cli.cli_main(["card", "--unit", "swiglu", "--out", ""]) == 0
    out = capsys.readouterr().out
    assert "| swiglu | n/a (a gated unit" in out and "lipschitz_gap:" in out
    db = _store_with_runs(tmp_path / "runs.db", units=("swiglu",))
    db.close()
    assert cli.cli_main(["card", "--store", str(tmp_path / "runs.db"), "--out", "", "--json"]) == 0
    got = json.loads(capsys.readouterr().out)
    assert got["cards"]["swiglu"]["density"].startswith("n/a")
    with Store(tmp_path / "runs.db", readonly=True) as ro:
        assert set(ro.probe_cards()) == {"swiglu"}
    assert cli.cli_main(["card", "--store", str(tmp_path / "missing.db"), "--out", ""]) == 2
    with pytest.raises(SystemExit):
        cli.cli_main(["card", "--out", ""])          # neither --unit nor --store
    with pytest.raises(SystemExit):
        cli.cli_main(["density", "--unit", "relu", "gelu"])   # single-unit probe, two units
