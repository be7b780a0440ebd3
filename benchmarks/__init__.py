"""Reproducible benchmarks; `make bench` runs them all. Results: benchmarks/RESULTS.md."""
