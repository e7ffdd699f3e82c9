# The model-based differential test (tests/model/model.c, tests/model/run.sh):
# random call sequences checked against the contract, in every mode,
# directly and behind PgBouncer with another client's statements on it.
#
#   make model-test   a fixed seed set (part of `make test`)
#   make model-long   more seeds (MODEL_SEEDS, default 2000 per mode); part of
#                     `make fuzz-long`

MODEL_B := $(B)/tests/model

.PHONY: model-test model-long

EXTRA_TESTS += model-test

$(MODEL_B)/model: tests/model/model.c mk/model.mk
	@mkdir -p $(@D)
	$(call quiet,CC,$@)$(CC) $(ALL_CFLAGS) -o $@ $< $(PG_LIBS)

model-test: all $(MODEL_B)/model
	@tests/model/run.sh $(MODEL_TEST_SEEDS)

model-long: all $(MODEL_B)/model
	@tests/model/run.sh $(or $(MODEL_SEEDS),2000)

fuzz-long: model-long
