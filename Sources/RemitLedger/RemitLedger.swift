// RemitLedger: filled by later work; see docs/architecture.md.
