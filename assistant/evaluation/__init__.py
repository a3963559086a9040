"""Evaluation: the question-set runner, IR and answer metrics, component evaluations and benchmarks. Imports engine and below."""
