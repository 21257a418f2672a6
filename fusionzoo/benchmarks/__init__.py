"""Benchmarks: one runner (:mod:`.runner`) and one protocol file per task (:mod:`.pansharpening`)."""
