# The README's two commands: `make run` (set up, extract facts from the bundled sample)
# and `make test` (set up everything the tests need, run them).
.PHONY: run test setup setup-test bench bench-batch evaluate checks

run: setup
	.venv/bin/jixiao extract samples/reports -o out
	@echo "facts: out/documents.jsonl and out/jixiao.duckdb"

# the fast in-process tier first, then the tests that start subprocesses and servers (marker integration)
test: setup-test
	.venv/bin/python -m pytest -q -m "not integration" tests
	.venv/bin/python -m pytest -q -m integration tests

setup:
	bash scripts/setup.sh run

setup-test:
	bash scripts/setup.sh test

evaluate: setup
	.venv/bin/jixiao evaluate --gold annotations/gold

bench: setup-test
	.venv/bin/python bench/bench_pipeline.py

# jixiao batch: docs/s, chars/s, peak memory for 1 and 2 local workers and Ray (N = 100, 1000, 5000)
bench-batch: setup-test
	.venv/bin/python bench/bench_batch.py

# Consistency checks of the seed reports as markdown (included in the README)
checks: setup
	.venv/bin/python bench/checks_report.py -o bench/results/checks.md
