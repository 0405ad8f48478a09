# Sourced by run_all.sh and smoke.sh: installs the Debian packages the training scripts need,
# only those missing (idempotent). Everything comes from Debian bookworm main; no pip.
#   python3-torch, python3-onnx, python3-opencv, python3-yaml, python3-numpy, python3-pil: the toolchain
#   (python3-pil: palette-quantised figures in the model cards, common.save_rgb)
#   libopenblas0-pthread: BLAS for numpy/torch
#   dataset-fashion-mnist: Fashion-MNIST (MIT)
#   opencv-doc: evaluation photographs + starry_night.jpg
#   gcompris-qt-data: training photographs + "The Night Café" (inside Qt .rcc bundles)
#   plasma-workspace-wallpapers: 11 more training photographs (KDE wallpapers, 2560x1600, LGPLv3)
TRAINING_PKGS="python3-torch python3-onnx python3-opencv python3-yaml python3-numpy python3-pil libopenblas0-pthread dataset-fashion-mnist opencv-doc gcompris-qt-data plasma-workspace-wallpapers"
missing=""
for p in $TRAINING_PKGS; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
# TRAINING_DEPS=check (TrainingSmokeTest sets it): only check, and fail naming what is missing;
# a test never installs anything (.ci/setup.sh does).
if [ -n "$missing" ] && [ "${TRAINING_DEPS:-install}" = check ]; then
  echo "missing Debian packages:$missing" >&2
  echo "install them with: sudo apt-get install -y --no-install-recommends$missing (or run .ci/setup.sh)" >&2
  return 1 2>/dev/null || exit 1
fi
if [ -n "$missing" ]; then
  echo "installing Debian packages:$missing"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y --no-install-recommends $missing
fi
PY=/usr/bin/python3   # Debian's python: python3-torch etc. are installed for it, not for pyenv/venvs
