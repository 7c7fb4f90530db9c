#!/usr/bin/env bash
# Usage: scripts/with-pulse.sh CMD...
# Runs CMD with a private PulseAudio server whose default sink is a null sink `testsink`
# (48 kHz stereo; capture it from `testsink.monitor`). Exports PULSE_SERVER; ALSA clients
# (audify/RtAudio, aplay) reach it through the pulse ALSA plugin. The server is stopped by PID
# when this script exits, and the script exits with CMD's exit code.
# Needs: pulseaudio, pulseaudio-utils (pactl, parec), alsa-utils; see .ci/run.
set -euo pipefail
dir=$(mktemp -d -t chronus-pulse.XXXXXX)
pa_pid=''
cleanup() {
  if [[ -n "$pa_pid" ]]; then
    kill "$pa_pid" 2>/dev/null || true
    wait "$pa_pid" 2>/dev/null || true
  fi
  rm -rf "$dir"
}
trap cleanup EXIT
cat > "$dir/test.pa" <<PA
load-module module-native-protocol-unix auth-anonymous=1 socket=$dir/native
load-module module-null-sink sink_name=testsink rate=48000 channels=2
set-default-sink testsink
set-default-source testsink.monitor
PA
# --disable-shm: avoids the memfd assertion crash (pulseaudio issue 824) seen on this kind of machine.
HOME=$dir XDG_RUNTIME_DIR=$dir pulseaudio -n -F "$dir/test.pa" --daemonize=no --exit-idle-time=-1 --disallow-exit \
  --use-pid-file=no --disable-shm=true --log-target=file:"$dir/pulse.log" &
pa_pid=$!
export PULSE_SERVER=unix:$dir/native
for _ in $(seq 50); do pactl info >/dev/null 2>&1 && break; sleep 0.1; done
if ! pactl info >/dev/null 2>&1; then
  echo "with-pulse.sh: PulseAudio did not start; its log:" >&2
  cat "$dir/pulse.log" >&2 || true
  exit 1
fi
status=0
"$@" || status=$?
exit "$status"
