#!/usr/bin/env bash
# Debian packages the real-program checks, the e2e run need (ClamAV: clamd, freshclam,
# clamconf, sigtool and clamdscan check the antivirus configs and scan in the e2e run; Debian's
# freshclam service would download signatures from the internet, so it is stopped like the rest).
set -euo pipefail
need=()
for pkg in haproxy postgresql redis-server prometheus prometheus-alertmanager prometheus-postgres-exporter prometheus-redis-exporter python3-venv clamav clamav-daemon clamav-freshclam clamdscan; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || need+=("$pkg")
done
if [ ${#need[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}"
  # Debian starts the packaged services; the tests run their own instances on loopback.
  for svc in haproxy postgresql redis-server prometheus prometheus-alertmanager prometheus-postgres-exporter prometheus-redis-exporter clamav-daemon clamav-freshclam; do
    $SUDO systemctl stop "$svc" 2>/dev/null || $SUDO service "$svc" stop 2>/dev/null || true
  done
fi
