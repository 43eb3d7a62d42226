"""CareHQ reads: `loaders` (per request: `CareHQReads`, batched loaders) over `source` (per
process: `CareHQSource`, identical calls in flight coalesced)."""
