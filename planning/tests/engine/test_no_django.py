"""The engine must stay pure numpy/scipy: no Django (and no statsforecast/pandas) imports."""

import ast
import subprocess
import sys
from pathlib import Path

ENGINE = Path(__file__).resolve().parents[2] / "engine"
FORBIDDEN = {"django", "statsforecast", "pandas", "numba"}


def test_engine_sources_import_no_django():
    offenders = []
    for path in ENGINE.rglob("*.py"):
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module or ""]
            else:
                continue
            offenders += [(path.name, n) for n in names if n.split(".")[0] in FORBIDDEN]
    assert offenders == []


def test_importing_engine_loads_no_django():
    code = (
        "import sys, planning.engine; "
        "bad = [m for m in sys.modules if m.split('.')[0] in {'django', 'statsforecast', "
        "'pandas'}]; print(bad); sys.exit(1 if bad else 0)"
    )
    root = ENGINE.parents[1]
    res = subprocess.run(
        [sys.executable, "-c", code], cwd=root, capture_output=True, text=True, timeout=60
    )
    assert res.returncode == 0, res.stdout + res.stderr
