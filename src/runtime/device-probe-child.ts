// Child process of probeDevice (device-probe.ts): checks, in a throw-away process, that
// audify loads, finds an output device and can open it with the server's parameters. Running
// it out of process keeps ALSA's own stderr chatter, RtAudio's process-wide state and any
// native crash away from the server. Prints one JSON line (a ProbeResult) and exits.
//
// Usage: node device-probe-child.js '{"sampleRate":48000,"blockSize":128,"deviceId":-1}'

import { RTAUDIO_FLOAT32, loadAudify, type RtAudioDeviceInfo } from './audify.js';
import type { ProbeRequest, ProbeResult } from './device-probe.js';
import { deviceBlocksPerBuffer } from './device-sink.js';

function finish(result: ProbeResult): never {
  process.stdout.write(`${JSON.stringify(result)}\n`);
  // A closed RtAudio keeps the event loop alive: leave explicitly.
  process.exit(0);
}

const request = JSON.parse(process.argv[2] ?? '{}') as ProbeRequest;
const loaded = await loadAudify();
if (!loaded.ok) finish({ ok: false, kind: 'no-audify', reason: loaded.reason });
let rt;
let devices: RtAudioDeviceInfo[];
try {
  rt = new loaded.audify.RtAudio();
  devices = rt.getDevices();
} catch (error) {
  finish({ ok: false, kind: 'no-device', reason: `RtAudio could not list devices: ${(error as Error).message}` });
}
const outputs = devices.filter((d) => d.outputChannels >= 2);
let device: RtAudioDeviceInfo | undefined;
if (request.deviceId >= 0) {
  device = devices.find((d) => d.id === request.deviceId);
  if (device === undefined) {
    const known = outputs.map((d) => `${d.id} (${d.name})`).join(', ');
    finish({ ok: false, kind: 'no-device', reason: `audify has no device ${request.deviceId}; output devices: ${known === '' ? 'none' : known}` });
  }
  if (device.outputChannels < 2) finish({ ok: false, kind: 'no-device', reason: `device ${device.id} (${device.name}) has ${device.outputChannels} output channel(s); stereo is needed` });
} else {
  const defaultId = rt.getDefaultOutputDevice();
  device = outputs.find((d) => d.id === defaultId) ?? outputs[0];
  if (device === undefined) finish({ ok: false, kind: 'no-device', reason: `audify found no output device (${rt.getApi()} API)` });
}
try {
  // The same buffer size the output worker will ask for (device-sink.ts).
  const bufferFrames = deviceBlocksPerBuffer(request.sampleRate, request.blockSize) * request.blockSize;
  const frames = rt.openStream({ deviceId: device.id, nChannels: 2 }, null, RTAUDIO_FLOAT32, request.sampleRate, bufferFrames, 'chronus-probe', null, null, 0);
  const rate = rt.getStreamSampleRate();
  rt.closeStream();
  if (frames !== bufferFrames) {
    finish({ ok: false, kind: 'open-failed', reason: `${device.name} would not take buffers of ${bufferFrames} frames (it offered ${frames}); try another --block` });
  }
  if (rate !== request.sampleRate) {
    finish({ ok: false, kind: 'open-failed', reason: `${device.name} runs at ${rate} Hz, not ${request.sampleRate} Hz; try --rate ${rate}` });
  }
} catch (error) {
  finish({ ok: false, kind: 'open-failed', reason: `cannot open ${device.name} (device ${device.id}): ${(error as Error).message}` });
}
finish({ ok: true, deviceId: device.id, deviceName: device.name, api: rt.getApi() });
