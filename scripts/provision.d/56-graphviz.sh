#!/usr/bin/env bash
# Graphviz `dot`, which lays out the architecture diagram `npm run plan` and `npm run diagram`
# write (stacks/architecture.ts), and which tests/stacks/diagram.test.ts runs on the generated DOT.
set -euo pipefail
if dpkg-query -W -f='${Status}' graphviz 2>/dev/null | grep -q "install ok installed" && command -v dot >/dev/null; then
  echo "graphviz already installed"
else
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends graphviz
fi
dot -V
