#!/bin/sh
# `make test-latest`: the whole suite against the NEWEST release of every dependency, past the
# lock and past pyproject.toml's upper bounds, in a venv of its own (.venv-latest). It tells what
# tomorrow's releases will break before a `make lock` takes them. Not part of .ci/run.
set -eu
cd "$(dirname "$0")/.."
VENV=${LATEST_VENV:-.venv-latest}
PYTHON=${PYTHON:-python3}
rm -rf "$VENV"
"$PYTHON" -m venv "$VENV"
PIP="$VENV/bin/python -m pip --quiet --disable-pip-version-check"
# Names only, from pyproject.toml's dependencies and test extras: no bounds.
names=$("$VENV/bin/python" - <<'PY'
import re, tomllib
project = tomllib.load(open("pyproject.toml", "rb"))["project"]
for spec in project["dependencies"] + project["optional-dependencies"]["test"]:
    print(re.match(r"[A-Za-z0-9_.-]+", spec).group(0))
PY
)
# shellcheck disable=SC2086
$PIP install --upgrade pip setuptools $names
$PIP install --no-deps --no-build-isolation -e .
echo "== newest versions:"
"$VENV/bin/python" -m pip list --format=freeze --disable-pip-version-check | grep -v '^-e'
"$VENV/bin/lint-imports" --no-cache
exec "$VENV/bin/python" -m pytest -q -n "${TEST_WORKERS:-3}" "$@"
