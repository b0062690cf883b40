#!/usr/bin/env bash
# Installs Polyphon as an unattended service on Debian (run as root from a checkout):
#   bash deploy/install-debian.sh            # build, install, enable and start
#   bash deploy/install-debian.sh --no-start # install only
# It creates the user 'polyphon' (in the audio group), installs the binary to /usr/local/bin,
# the patches to /usr/local/share/polyphon, the config to /etc/polyphon/polyphon.conf (kept if
# it already exists), the two systemd units and a sysctl snippet (net.core.rmem_max).
set -euo pipefail
cd "$(dirname "$0")/.."
[ "$(id -u)" = 0 ] || { echo "run as root (sudo bash deploy/install-debian.sh)" >&2; exit 1; }
bash deploy/setup-debian.sh
swift build -c release
id polyphon >/dev/null 2>&1 || useradd --system --home /var/lib/polyphon --groups audio --shell /usr/sbin/nologin polyphon
install -m 0755 .build/release/polyphon /usr/local/bin/polyphon
install -d /usr/local/share/polyphon/Patches/models /etc/polyphon
install -m 0644 Patches/*.patch /usr/local/share/polyphon/Patches/
install -m 0644 Patches/models/*.style /usr/local/share/polyphon/Patches/models/
[ -f /etc/polyphon/polyphon.conf ] || install -m 0644 deploy/polyphon.conf /etc/polyphon/polyphon.conf
/usr/local/bin/polyphon config check /etc/polyphon/polyphon.conf
install -m 0644 deploy/polyphon-jack.service deploy/polyphon.service /etc/systemd/system/
# Room for an 8 MB OSC receive buffer for the unprivileged service (docs/installation.md).
install -m 0644 deploy/99-polyphon.conf /etc/sysctl.d/99-polyphon.conf
sysctl -q -p /etc/sysctl.d/99-polyphon.conf || echo "could not apply /etc/sysctl.d/99-polyphon.conf now (a container?); it applies at boot"
systemctl daemon-reload
if [ "${1:-}" != "--no-start" ]; then
  systemctl enable --now polyphon-jack.service polyphon.service
  systemctl --no-pager status polyphon.service || true
fi
echo "installed. Logs: journalctl -u polyphon -f   Reload: systemctl reload polyphon   Metrics: curl 127.0.0.1:9464/metrics"
