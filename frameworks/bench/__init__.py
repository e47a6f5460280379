"""Benchmarks (`make bench`): not tests. Each figure is a ratio or a distribution from one run."""
