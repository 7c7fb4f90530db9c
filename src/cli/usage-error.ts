// An expected failure of a CLI command (bad option, unreadable file, busy port): main prints its
// message in one line (no stack trace) and exits 2. Light module: main imports it eagerly.

export class UsageError extends Error {}
