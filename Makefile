# mmseg_ctx: `make demo` and `make test` build .venv on first use (see
# requirements.txt for what goes in and in which order), then run.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip
STAMP := $(VENV)/.installed

.PHONY: install demo test gpu-check-prepare gpu-check clean-venv

install: $(STAMP)

$(STAMP): requirements.txt requirements-deploy.txt setup.py mmseg_ctx/version.py
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	# < 80: from 80 on, setup.py develop is a PEP 660 editable install
	$(PIP) install --upgrade 'setuptools>=64,<80' wheel
	$(PY) -c 'import torch' 2>/dev/null || $(PIP) install torch==2.13.0
	$(PY) -c 'import mmcv.ops' 2>/dev/null || \
		MMCV_WITH_OPS=1 FORCE_CUDA=0 MAX_JOBS=$${MAX_JOBS:-2} \
		$(PIP) install --no-build-isolation mmcv==2.1.0
	# mmseg_ctx by setup.py develop, not as a PEP 660 editable wheel, so
	# that mim finds the package and its .mim links in the repository;
	# first, before openmim's openxlab pins setuptools 60.2
	$(PIP) install --no-build-isolation --no-deps --no-use-pep517 -e .
	$(PIP) install -r requirements.txt
	# the deploy extra (ONNX export and its onnxruntime check), for the tests
	$(PIP) install -r requirements-deploy.txt
	touch $@

demo: install
	$(PY) tools/demo.py

test: install
	$(PY) -m pytest tests

# the GPU check (tools/misc/gpu_check.py): the kit for a GPU machine
# without network (.gpu_kit/, its Python: GPU_PYTHON), then the checks here
# (CUDA where torch sees a GPU, else the CPU mode); report in GPU_OUT
GPU_PYTHON ?= 3.12
GPU_OUT ?= work_dirs/gpu_check
gpu-check-prepare: install
	$(PY) tools/misc/gpu_check.py prepare --kit .gpu_kit --python-version $(GPU_PYTHON)

gpu-check: gpu-check-prepare
	$(PY) tools/misc/gpu_check.py run --kit .gpu_kit --out $(GPU_OUT)

clean-venv:
	rm -rf $(VENV)
