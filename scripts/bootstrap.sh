# Sourced by scripts/serve and scripts/test: creates .venv with Python 3.11 and installs the
# project's dependencies (pyproject.toml) when they changed since the last run.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

PYTHON=${PYTHON:-$(command -v python3.11 || command -v python3 || true)}
if [ -z "$PYTHON" ]; then
  echo "需要 Python 3.11（未找到 python3.11 或 python3）。" >&2
  exit 1
fi
if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))'; then
  echo "需要 Python 3.11，当前为 $("$PYTHON" --version 2>&1)。可用 PYTHON=/path/to/python3.11 指定。" >&2
  exit 1
fi
if [ ! -x .venv/bin/python ]; then
  echo "==> 创建虚拟环境 .venv"
  "$PYTHON" -m venv .venv
fi
stamp=".venv/.installed-$(cat pyproject.toml scripts/bootstrap.sh | sha256sum | cut -c1-16)"
if [ ! -f "$stamp" ]; then
  echo "==> 安装依赖（pyproject.toml）"
  .venv/bin/python -m pip install --quiet --upgrade pip
  .venv/bin/python -m pip install --quiet ".[test,regions]"
  rm -f .venv/.installed-*
  touch "$stamp"
fi
export PATH="$PWD/.venv/bin:$PATH"
