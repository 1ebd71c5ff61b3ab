#!/usr/bin/env bash
set -euo pipefail
python -c "import pyioctl.keys as k; key = k.PrivateKey.generate(); print(key.address)"
