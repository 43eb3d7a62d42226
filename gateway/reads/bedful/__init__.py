"""Bedful reads: `loaders` (per request: `BedfulReads`, batched loaders) over `source` (per
process: `BedfulSource`, identical calls in flight coalesced, answers cached with bounded
staleness)."""
