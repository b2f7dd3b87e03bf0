"""The documentation: the site builds with ``mkdocs build --strict`` (a broken reference or
docstring fails), every ```python block of README.md and docs/*.md runs, and every ``Examples:``
doctest of satjax's docstrings runs and prints what it shows.

Blocks of one file run in order in one namespace (a block may use what an earlier one defined),
each file in a fresh child process. A block that would run for minutes runs with the small-size
substitutions listed in ``SMALL`` — exact text replacements, each of which must still match (a
stale substitution fails the test). Shell commands and outputs are fenced ```bash / ```text /
```console and are not run.
"""

import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# The blocks' programs are small and compile in seconds each: LLVM's backend optimizations off
# halves XLA:CPU compile time and changes no result beyond round-off.
FAST_COMPILE = (os.environ.get("XLA_FLAGS", "") + " --xla_cpu_multi_thread_eigen=false"
                " --xla_backend_optimization_level=0").strip()
FENCE = re.compile(r"^```python[^\n]*\n(.*?)^```", re.S | re.M)

#: (file, original text) -> replacement: the documented small-size runs of long blocks.
SMALL = {
    "README.md": [
        ("ul.UplinkParams(num_users=20)", "ul.UplinkParams(num_aps=8, num_users=4, tau_p=2, n_v=2, n_h=2)"),
        ("num_samples=10_000", "num_samples=200"),
        ("jnp.geomspace(0.01, 1.0, 64)", "jnp.geomspace(0.01, 1.0, 4)"),
        ("UplinkParams(num_users=30, tau_p=15)", "UplinkParams(num_aps=8, num_users=4, tau_p=2, n_v=2, n_h=2)"),
        ("hidden=64, num_layers=3", "hidden=8, num_layers=1"),
        ("Evaluator(task, jax.random.key(1), num=128)", "Evaluator(task, jax.random.key(1), num=4)"),
        ("TrainSettings(num_steps=500, batch_size=32)", "TrainSettings(num_steps=2, batch_size=2, progress=False)"),
        ("dl.DownlinkParams())      # Table I", "dl.DownlinkParams(n_h=2, n_v=2, num_users=2))      # Table I"),
    ],
    "docs/quickstart.md": [
        ("ul.UplinkParams(num_users=20)", "ul.UplinkParams(num_aps=8, num_users=4, tau_p=2, n_v=2, n_h=2)"),
        ("jnp.geomspace(0.01, 1.0, 64)", "jnp.geomspace(0.01, 1.0, 4)"),
        ("num_samples=10_000", "num_samples=200"),
    ],
    "docs/training.md": [
        ("UplinkParams(num_users=30, tau_p=15)", "UplinkParams(num_aps=8, num_users=4, tau_p=2, n_v=2, n_h=2)"),
        ("hidden=64, num_layers=3", "hidden=8, num_layers=1"),
        ("num=128)", "num=4)"),
        ("TrainSettings(num_steps=500, batch_size=32)", "TrainSettings(num_steps=2, batch_size=2, progress=False)"),
    ],
    "docs/sweeps.md": [
        ("jnp.linspace(0.01, 1.0, 64)", "jnp.linspace(0.01, 1.0, 4)"),
        ("split(jax.random.key(0), 32)", "split(jax.random.key(0), 2)"),
    ],
    "docs/ntn.md": [
        ("jax.random.key(5), p, 128)", "jax.random.key(5), p, 4)"),
        ("jnp.array([10.0, 30.0, 45.0, 60.0, 75.0, 90.0])", "jnp.array([30.0, 90.0])"),
        ('for power in ("equal", "path_loss"):', 'for power in ("equal",):'),
    ],
    # the XLA:CPU stall reproducer takes its mode from the command line: run the mode that does not stall, once
    "docs/performance.md": [
        ("mode, extra, reps = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])",
         "mode, extra, reps = 'ueigh+uinv', 0, 1"),
    ],
}


def _documents():
    return ["README.md"] + sorted(str(p.relative_to(ROOT)) for p in (ROOT / "docs").glob("*.md"))


def _blocks(name):
    text = (ROOT / name).read_text()
    for old, new in SMALL.get(name, []):
        assert old in text, f"{name}: the small-size substitution {old!r} no longer matches; update SMALL"
        text = text.replace(old, new)
    return FENCE.findall(text)


def test_every_document_with_code_is_listed():
    assert "README.md" in _documents() and "docs/quickstart.md" in _documents()
    assert len(_blocks("README.md")) >= 4


@pytest.mark.parametrize("name", [n for n in _documents() if FENCE.search((ROOT / n).read_text())])
def test_python_blocks_run(name, tmp_path):
    blocks = _blocks(name)
    program = "\n".join([
        "import os, sys, runpy",
        f"os.chdir({str(tmp_path)!r})",                       # files a block writes land in tmp_path
        "ns = {'__name__': '__docs__'}",
        f"blocks = {json.dumps(blocks)}",
        "for i, code in enumerate(blocks):",
        "    try:",
        f"        exec(compile(code, f'{name} block {{i + 1}}', 'exec'), ns)",
        "    except BaseException:",
        f"        print(f'{name}: python block {{i + 1}} of {{len(blocks)}} failed:', file=sys.stderr)",
        "        print(code, file=sys.stderr)",
        "        raise",
    ])
    env = dict(os.environ, JAX_PLATFORMS="cpu", PYTHONPATH=str(ROOT),
               XLA_FLAGS=FAST_COMPILE)
    proc = subprocess.run([sys.executable, "-c", program], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-4000:]


def test_site_builds_strict(tmp_path):
    mkdocs = shutil.which("mkdocs") or str(Path(sys.executable).with_name("mkdocs"))
    t0 = time.perf_counter()
    proc = subprocess.run([mkdocs, "build", "--strict", "--site-dir", str(tmp_path / "site")], cwd=ROOT,
                          env=dict(os.environ, NO_MKDOCS_2_WARNING="1"), capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-5000:]
    site = tmp_path / "site"
    api = (site / "api" / "uplink" / "index.html").read_text()
    for name in ("closed_form_sinr", "algorithm1", "UplinkParams"):      # the reference is generated, not empty
        assert f'id="satjax.uplink.{name}"' in api, name
    assert 'id="satjax.interop.EquinoxInNNX"' in (site / "api" / "interop" / "index.html").read_text()
    assert 'class="arithmatex"' in (site / "training" / "index.html").read_text()      # equations rendered
    for page in ("uav", "nn", "downlink", "uplink"):                                   # ... also in docstrings
        html = (site / "api" / page / "index.html").read_text()
        assert 'class="arithmatex"' in html, page
        assert not re.search(r":(math|func|class|meth|attr|mod|data):`", html), page
    print(f"mkdocs build --strict: {time.perf_counter() - t0:.1f} s")


def test_docstrings_use_markdown_not_sphinx_roles():
    """The API reference is rendered by mkdocstrings as Markdown with arithmatex: math is ``$...$``
    or a ``$$`` block, names are code spans. Sphinx roles (``:math:``, ``:func:``, ...) and
    ``.. math::`` directives would show up as plain text."""
    role = re.compile(r":(?:math|func|class|meth|attr|mod|data|obj|exc):`|\.\. math::")
    bad = [f"{p.relative_to(ROOT)}:{i}" for p in sorted((ROOT / "satjax").rglob("*.py"))
           for i, line in enumerate(p.read_text().splitlines(), 1) if role.search(line)]
    assert not bad, bad[:20]


#: Docstrings whose ``Examples:`` must exist (the entry points a user meets first); others may add theirs.
EXAMPLES_REQUIRED = {"satjax.systems", "satjax.params", "satjax.passes", "satjax.interop",
                     "satjax.uplink.power_control.algorithm1", "satjax.uplink.sinr.closed_form_sinr",
                     "satjax.downlink.wmmse.dinkelbach_wmmse", "satjax.uav.algorithms.algorithm3",
                     "satjax.optim.batched.solve_batch", "satjax.train.trainer.fit", "satjax.downlink.precoders.mrt",
                     "satjax.propagation.ntn.path_loss_db"}


def test_docstring_examples_run_and_print_what_they_show(tmp_path):
    """Every ``>>>`` example in satjax's docstrings, run with ``doctest`` as a user runs it (one
    child process, no run-time type checker, a fresh namespace per docstring: each imports what
    it uses) prints what the docstring shows."""
    out = tmp_path / "outcomes.json"
    env = dict(os.environ, JAX_PLATFORMS="cpu", XLA_FLAGS=FAST_COMPILE)
    proc = subprocess.run([sys.executable, "-m", "tests.docs.run_docstring_examples", str(out)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    outcomes = json.loads(out.read_text())
    assert EXAMPLES_REQUIRED <= {o["name"] for o in outcomes}, EXAMPLES_REQUIRED - {o["name"] for o in outcomes}
    failed = [o for o in outcomes if o["failed"]]
    assert not failed, "\n".join(o["report"] for o in failed)
    assert all(o["tried"] >= 3 for o in outcomes), [(o["name"], o["tried"]) for o in outcomes]
