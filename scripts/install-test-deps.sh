#!/usr/bin/env bash
# Install the Debian packages that the test suites use, skipping those already
# present. Runs as root (CI) or through sudo; safe to run again.
set -euo pipefail

packages=(
  python3-fastapi python3-uvicorn           # the real FastAPI fixture app
  python3-gi gir1.2-gst-rtsp-server-1.0     # GStreamer RTSP server fixture
  gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-plugins-bad
  sqlite3                                   # inspecting and corrupting fixtures
  prometheus                                # promtool check metrics
  supervisor                                # benchmark peer
  logrotate                                 # rotation test with the real binary
  systemd                                   # systemd-analyze verify/security
  chromium                                  # dashboard test (playwright-core)
  docker-compose                            # static compose file validation
  util-linux procps iproute2                # setpriv, ps, ss
  python3-jsonschema                        # validating crash reports against their schema
)

missing=()
for pkg in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$pkg")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-test-deps: all Debian packages present"
  exit 0
fi

sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then
  sudo_cmd=(sudo)
fi

echo "install-test-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "install-test-deps: done"
