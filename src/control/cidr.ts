// `--allow-from` address filters: IPv4 CIDR blocks (a.b.c.d/n) and exact addresses.

export function parseAllowList(spec: string): (address: string) => boolean {
  const rules = spec.split(',').map((s) => s.trim()).filter((s) => s.length > 0).map(parseRule);
  return (address) => {
    const v4 = ipv4(address.startsWith('::ffff:') ? address.slice(7) : address);
    return rules.some((rule) => (v4 === undefined ? rule.exact === address : ((v4 ^ rule.base) & rule.mask) === 0));
  };
}

function parseRule(text: string): { base: number; mask: number; exact: string } {
  const [addr, bits] = text.split('/');
  const base = ipv4(addr ?? '');
  const n = bits === undefined ? 32 : Number(bits);
  if (base === undefined || !Number.isInteger(n) || n < 0 || n > 32) {
    if (bits === undefined && text.includes(':')) return { base: 0, mask: -1, exact: text };
    throw new Error(`--allow-from: '${text}' is not an IPv4 address or CIDR block`);
  }
  return { base, mask: n === 0 ? 0 : (~0 << (32 - n)) | 0, exact: text };
}

function ipv4(text: string): number | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let v = 0;
  for (const p of parts) {
    const n = Number(p);
    if (!/^\d{1,3}$/.test(p) || n > 255) return undefined;
    v = (v << 8) | n;
  }
  return v | 0;
}
