// Bitwise comparison of sample and state arrays for the batch-kernel tests (batch vs JS).

/**
 * Number of positions where `a` and `b` differ bit for bit (Object.is: −0 and +0 differ),
 * except that any NaN equals any NaN (NaN payloads are not part of the contract).
 */
export function differingValues(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let diff = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (Number.isNaN(x) && Number.isNaN(y)) continue;
    if (!Object.is(x, y)) diff++;
  }
  return diff;
}
