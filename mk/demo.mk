# make demo, checked (tests/demo/run.sh: scripts/demo.sh with 1 s runs, about
# 20 s): part of `make test`, so the first thing a new user runs stays true.

.PHONY: demo-test

EXTRA_TESTS += demo-test

demo-test: all $(B)/demo/reprepare $(B)/demo/workers
	@tests/demo/run.sh
