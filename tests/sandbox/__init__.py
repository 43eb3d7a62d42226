"""Tests of the emulated upstreams (gateway/sandbox)."""
