"""docs/cluster.md stays runnable: its cluster YAML passes Ray's own schema, its command lines parse.

Nothing here starts a cluster (that needs a cloud account); the two-node behaviour is
tests/bench/test_faults_ray_cluster.py.
"""

from __future__ import annotations

import copy
import pathlib
import re
import shlex

import pytest

from nonlin.bench.commands import spec_from_args
from nonlin.cli import build_parser

DOCS = pathlib.Path(__file__).resolve().parents[2] / "docs"


def _shell_lines() -> list[str]:
    text = (DOCS / "cluster.md").read_text()
    blocks = re.findall(r"```sh\n(.*?)```", text, flags=re.S)
    return [line for block in blocks for line in block.splitlines() if line.strip()]


def _bench_command_lines() -> list[list[str]]:
    """Every `nonlin bench ...` in the shell blocks, also inside `ray exec "..."` and after `ray job submit --`."""
    found = []
    for line in _shell_lines():
        for word in shlex.split(line):
            if word.startswith("nonlin bench "):  # a quoted command (ray exec "...")
                found.append(shlex.split(word))
        words = shlex.split(line)
        if "--" in words and words[words.index("--") + 1:][:2] == ["nonlin", "bench"]:
            found.append(words[words.index("--") + 1:])
    return found


def test_documented_bench_commands_parse_into_a_ray_sweep_with_the_store_on_the_head():
    commands = _bench_command_lines()
    assert len(commands) == 2  # ray exec and ray job submit
    for argv in commands:
        args = build_parser().parse_args(argv[1:])
        spec = spec_from_args(args)
        assert spec.executor == "ray" and spec.address == "auto" and spec.workers == 64
        assert spec.store == "/home/ray/results/full.db" and spec.report_dir == "/home/ray/results/report"
        assert len(spec.seeds) == 5  # the full suite


def test_documented_report_command_parses():
    report = [shlex.split(line) for line in _shell_lines() if line.startswith("nonlin report")]
    assert len(report) == 1
    args = build_parser().parse_args(report[0][1:])
    assert args.store == "cluster-results/full.db"


def test_cluster_yaml_passes_rays_schema():
    yaml = pytest.importorskip("yaml", reason="pyyaml is not installed (nonlin[bench])")
    pytest.importorskip("jsonschema", reason="Ray's schema check needs jsonschema (ray[default])")
    pytest.importorskip("ray", reason="Ray is not installed (nonlin[ray])")
    from ray.autoscaler._private.util import prepare_config, validate_config

    raw = yaml.safe_load((DOCS / "cluster-aws.yaml").read_text())
    validate_config(prepare_config(copy.deepcopy(raw)))  # what `ray up` checks before it launches anything
    head = raw["available_node_types"][raw["head_node_type"]]
    assert head["resources"] == {"CPU": 0}  # the head runs the driver only
    workers = raw["available_node_types"]["ray.worker.default"]
    assert workers["min_workers"] == workers["max_workers"] == raw["max_workers"]
    assert any("/home/ray/nonlin[bench,ray]" in c for c in raw["setup_commands"])
    # The schema catches a misspelt key; make sure the check can fail.
    bad = copy.deepcopy(raw)
    bad["available_node_types"]["ray.worker.default"]["min_workerz"] = 4
    with pytest.raises(Exception, match="min_workerz"):
        validate_config(prepare_config(bad))
