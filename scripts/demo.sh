#!/usr/bin/env bash
# The main job end to end, in a throwaway HOME: create an account, issue a token for
# weather/Create that expires in an hour, then inspect and verify it.
set -euo pipefail
export HOME="$(mktemp -d)"
trap 'rm -rf "$HOME"' EXIT
step() { printf '\n\033[1m$ %s\033[0m\n' "$*"; }

step ioctl account createadd alice '(password piped twice)'
printf 'demo-password\ndemo-password\n' | ioctl account createadd alice

step ioctl account list
ioctl account list

step ioctl account ethaddr alice
ioctl account ethaddr alice

step ioctl account sign 0x68656c6c6f -s alice
sig=$(printf 'demo-password\n' | ioctl account sign 0x68656c6c6f -s alice | tail -n 1)
echo "$sig"
step ioctl account recover 0x68656c6c6f "$sig"
ioctl account recover 0x68656c6c6f "$sig"

step ioctl jwt sign -s alice --expires-in 1h --save --with-arguments '{"sub":"weather","scope":"Create"}'
printf 'demo-password\n' | ioctl jwt sign -s alice --expires-in 1h --save \
  --with-arguments '{"sub":"weather","scope":"Create"}'
token=$(cat "$HOME/.config/ioctl/default/auth.jwt")

step ioctl jwt decode '$TOKEN'
ioctl jwt decode "$token"

step ioctl jwt verify '$TOKEN' --issuer alice --scope Create --sub weather
ioctl jwt verify "$token" --issuer alice --scope Create --sub weather

step ioctl jwt verify '$TOKEN' --issuer alice --scope Delete '(must be refused)'
if ioctl jwt verify "$token" --issuer alice --scope Delete; then
  echo "demo failed: a token for Create was accepted for Delete" >&2
  exit 1
fi
printf '\ndemo finished: token issued, decoded, verified, and refused for the wrong scope\n'
