#!/usr/bin/env bash
# Debian packages and service environments the tests use: Tesseract with Chinese, CJK fonts,
# Chromium for the HTML report, and Label Studio in its own venv (.ls-venv).
set -euo pipefail
cd "$(dirname "$0")/.."
need=()
command -v tesseract >/dev/null && compgen -G "/usr/share/tesseract-ocr/*/tessdata/chi_sim.traineddata" >/dev/null \
  || need+=(tesseract-ocr tesseract-ocr-chi-sim)
# opencv-python (pulled by rapidocr-onnxruntime, the default OCR engine) loads libGL and GLib.
ldconfig -p | grep -q "libGL.so.1 " || need+=(libgl1 libglib2.0-0)
[ -f /usr/share/fonts/truetype/wqy/wqy-microhei.ttc ] || need+=(fonts-wqy-microhei)
command -v chromium >/dev/null || need+=(chromium)
if [ ${#need[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
# Label Studio for the annotation round-trip tests, apart from the main venv (Django pins).
if [ ! -x .ls-venv/bin/label-studio ]; then
  python3 -m venv .ls-venv && .ls-venv/bin/pip install -q -c .ci/constraints.txt label-studio
fi
