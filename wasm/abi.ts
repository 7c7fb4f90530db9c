// The calling convention of every batch kernel, AssemblyScript side (host side and the full
// description: src/dsp/batch.ts). A kernel's entry point is
//   export function <type>Run(desc: usize, lanes: i32, start: i32, end: i32): void
// with lanes always 4 (two f64x2 vectors: lanes 0,1 and 2,3; the host pads calls of 2 or 3
// instances with lanes that compute on copies and write to pad buffers). `desc` holds a header
// (slot 0: byte offset of the kernel's f64 constants, slot 1: byte offset of a 64 KiB work
// area) and 4 lane records of 32 f64 slots; byte offsets are stored as f64 (exact integers).

const HEADER_BYTES: usize = 64;
const LANE_BYTES: usize = 256;
const D_STATE: usize = 0;
const D_OUT: usize = 1;
const D_IN: usize = 5;
const D_SCALE: usize = 9;
const D_CONNECTED: usize = 13;
const D_SQ: usize = 17;
const D_PARAM: usize = 18;

/** Byte offset of the shared work area (64 KiB, contents undefined at entry). */
@inline export function workOf(desc: usize): usize {
  return <usize>load<f64>(desc + 8);
}
/** Byte offset of lane l's record. */
@inline export function laneRecord(desc: usize, l: i32): usize {
  return desc + HEADER_BYTES + <usize>l * LANE_BYTES;
}
/** Byte offset of the kernel's constants. */
@inline export function constsOf(desc: usize): usize {
  return <usize>load<f64>(desc);
}
/** Byte offset of the lane's state array (the JS kernel's `state`, verbatim). */
@inline export function statePtr(rec: usize): usize {
  return <usize>load<f64>(rec + (D_STATE << 3));
}
/** Byte offset of output o's float32 buffer (index i at + i·4, i in [start, end)). */
@inline export function outPtr(rec: usize, o: i32): usize {
  return <usize>load<f64>(rec + ((D_OUT + <usize>o) << 3));
}
/** Byte offset of input i's float32 buffer (all zeros when not connected). */
@inline export function inPtr(rec: usize, i: i32): usize {
  return <usize>load<f64>(rec + ((D_IN + <usize>i) << 3));
}
/** Input i's scale (1 unless the port reads a scale: PortSpec.readsScale). */
@inline export function inScale(rec: usize, i: i32): f64 {
  return load<f64>(rec + ((D_SCALE + <usize>i) << 3));
}
/** True when input i is connected. */
@inline export function inConnected(rec: usize, i: i32): bool {
  return load<f64>(rec + ((D_CONNECTED + <usize>i) << 3)) != 0;
}
/** Param p's value for the call (its meaning is the type's). */
@inline export function param(rec: usize, p: i32): f64 {
  return load<f64>(rec + ((D_PARAM + <usize>p) << 3));
}
/** Stores the lane's sum of y² over every sample written (Kernel.outputCheck semantics). */
@inline export function setSumSquares(rec: usize, v: f64): void {
  store<f64>(rec + (D_SQ << 3), v);
}
