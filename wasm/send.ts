// Bus sends of a batch group in one call (host: src/engine/render-plan.ts, PlanGroup): the
// same arithmetic as render-plan.ts's performSend, in its order, two samples per f64x2
// operation: target = f32(a·x) for the first sender of a mixed input, else
// target = f32(target + a·x), x and target promoted to f64 (IEEE-exact either way, so the
// sums are bit-identical to the JS loop). Render thread; allocates nothing.
//
// `list` holds `count` records of 4 f64: source byte offset, target byte offset, amount,
// first (1 or 0).

export function sendRun(list: usize, count: i32, start: i32, end: i32): void {
  for (let r = 0; r < count; r++) {
    const rec = list + (<usize>r << 5);
    const src = <usize>load<f64>(rec);
    const dst = <usize>load<f64>(rec, 8);
    const a = load<f64>(rec, 16);
    const first = load<f64>(rec, 24) != 0;
    const av = f64x2.splat(a);
    let i = start;
    if (first) {
      for (; i + 2 <= end; i += 2) {
        const o = <usize>(i << 2);
        const x = f64x2.promote_low_f32x4(v128.load64_zero(src + o));
        v128.store64_lane(dst + o, f32x4.demote_f64x2_zero(f64x2.mul(av, x)), 0);
      }
      if (i < end) {
        const o = <usize>(i << 2);
        store<f32>(dst + o, <f32>(a * <f64>load<f32>(src + o)));
      }
    } else {
      for (; i + 2 <= end; i += 2) {
        const o = <usize>(i << 2);
        const x = f64x2.promote_low_f32x4(v128.load64_zero(src + o));
        const t = f64x2.promote_low_f32x4(v128.load64_zero(dst + o));
        v128.store64_lane(dst + o, f32x4.demote_f64x2_zero(f64x2.add(t, f64x2.mul(av, x))), 0);
      }
      if (i < end) {
        const o = <usize>(i << 2);
        store<f32>(dst + o, <f32>(<f64>load<f32>(dst + o) + a * <f64>load<f32>(src + o)));
      }
    }
  }
}
