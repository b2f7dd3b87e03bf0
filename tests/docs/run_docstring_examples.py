"""Run every ``Examples:`` doctest of the satjax package in this one process
(``python -m tests.docs.run_docstring_examples OUT``), as a user runs them: no run-time type
checker, JAX's defaults. Each docstring's examples run in a fresh namespace, in order; the
outcome of each (name, examples tried, failures with their report) goes to ``OUT`` (JSON) for
``tests/docs/test_docs.py`` to check.
"""

import doctest
import importlib
import io
import json
import pkgutil
import sys
import time
from pathlib import Path

import jax

import satjax

FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE


def _modules():
    yield satjax
    for info in pkgutil.walk_packages(satjax.__path__, "satjax."):
        yield importlib.import_module(info.name)


def main(argv):
    finder, outcomes, seen = doctest.DocTestFinder(exclude_empty=True), [], set()
    for module in _modules():
        for test in finder.find(module, globs={}):             # as a user: the example imports what it uses
            if test.name in seen or not test.examples:
                continue
            seen.add(test.name)
            report = io.StringIO()
            runner = doctest.DocTestRunner(optionflags=FLAGS)
            t0 = time.perf_counter()
            try:
                result = runner.run(test, out=report.write, clear_globs=True)
            finally:
                jax.config.update("jax_enable_x64", False)               # an example that turned it on
            outcomes.append({"name": test.name, "tried": result.attempted, "failed": result.failed,
                             "seconds": round(time.perf_counter() - t0, 2), "report": report.getvalue()[-4000:]})
    Path(argv[0]).write_text(json.dumps(outcomes, indent=1))


if __name__ == "__main__":
    main(sys.argv[1:])
