"""Spectral bias reproduction; the probe command line."""

import json

import pytest

from nonlin import probes
from nonlin.probes import cli, spectral


def test_reproduction_relu_mlp_learns_low_frequencies_first():
    # Rahaman et al. (arXiv 1806.08734): the residual of low frequencies falls first.
    res = spectral.spectral_bias("relu", freqs=(1, 3, 5, 7, 9), steps=500, lr=2e-3, seeds=3, width=64, depth=3)
    assert res.value > 0.5 and res.ci[0] > 0, res.order
    assert all(at[0] <= at[-1] for at in res.learned_at)


def test_spectral_bias_rejects_unresolvable_frequencies():
    with pytest.raises(ValueError, match="resolve"):
        spectral.spectral_bias("relu", freqs=(150,), n=200, steps=1)


def test_parse_unit_reads_parameters():
    assert cli.parse_unit("snake(a=2)") == ("snake", {"a": 2})
    assert cli.parse_unit("relu") == ("relu", {})
    with pytest.raises(ValueError, match="parameters"):
        cli.parse_unit("snake(a=)")


def test_help_explains_every_unit_probe_column():
    text = cli.epilog()
    for key in probes.profile("relu"):
        if key != "unit":
            assert key in text
    for name in cli.NETWORK_PROBES:
        assert name in text


def test_cli_main_runs_a_network_probe(tmp_path, capsys):
    assert cli.cli_main(["density", "--unit", "relu", "--task", "digits", "--arch", "mlp", "--epochs", "1",
                         "--out", str(tmp_path), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert 0 < out["value"] <= 1
    assert (tmp_path / "density_relu_digits.png").exists()
    assert cli.cli_main(["density", "--unit", "nosuchunit", "--out", ""]) == 2
