# memberclub — the two commands a fresh machine needs are `make run` and `make test`.
# Everything is installed into .venv/ (uv is bootstrapped into build/tools/ from PyPI).

SHELL := /bin/bash
PYTHON := $(shell scripts/find-python)
UV := build/tools/bin/uv
VENV := .venv
PY := $(VENV)/bin/python
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(VENV)
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20
export JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION := 1
CDK_CLI := aws-cdk@2.1148.1
STACK ?= memberclub
LAYER_DIR := build/layer

.PHONY: run test test-unit test-integration test-infra test-e2e lint synth deploy layer bench clean \
        install-run install-test install-infra

$(UV):
	@$(PYTHON) -m venv build/tools
	@build/tools/bin/pip install --isolated --quiet --disable-pip-version-check uv==0.13.9

install-run: $(UV)
	@$(UV) sync --frozen --python $(PYTHON) --group local --quiet

install-test: $(UV)
	@$(UV) sync --frozen --python $(PYTHON) --all-groups --quiet

install-infra: $(UV)
	@$(UV) sync --frozen --python $(PYTHON) --group infra --group dev --quiet

## run: the local stack on http://127.0.0.1:$${MEMBERCLUB_PORT:-8000} (Ctrl-C stops it)
run: install-run
	@$(PY) -m memberclub_infra.local

## test: every tier — unit, integration, infra, e2e
test: install-test layer
	$(PY) -m pytest tests/unit tests/integration tests/infra tests/e2e

test-unit: install-test
	$(PY) -m pytest tests/unit
test-integration: install-test
	$(PY) -m pytest tests/integration
test-infra: install-test layer
	$(PY) -m pytest tests/infra
test-e2e: install-test
	$(PY) -m pytest tests/e2e

lint: install-test
	$(VENV)/bin/ruff check layers infra functions tests bench

## layer: the shared package and its dependencies for python3.13 on arm64, without Docker
## (the recipe is memberclub_infra/layer_build.py, the one the CDK app bundles with too)
layer: $(LAYER_DIR)/.built
$(LAYER_DIR)/.built: uv.lock pyproject.toml infra/memberclub_infra/layer_build.py \
        $(shell find layers -name '*.py' -o -name '*.html' | sort) | $(UV)
	@rm -rf $(LAYER_DIR) && mkdir -p $(LAYER_DIR)
	@UV=$(UV) PYTHONPATH=infra $(PYTHON) -m memberclub_infra.layer_build $(LAYER_DIR) >/dev/null
	@touch $@
	@echo "layer built in $(LAYER_DIR) ($$(du -sh $(LAYER_DIR) | cut -f1))"

## synth: the CloudFormation template in cdk.out/ (no AWS account or call needed; cdk-nag runs
## and the layer is built by the app's local bundling, with the same recipe as `make layer`)
synth: install-infra
	UV=$(UV) CDK_OUTDIR=cdk.out $(PY) infra/app.py

## deploy: to the AWS account of your credentials (needs Node.js for the pinned CDK CLI), in four steps:
##   1. the preflight (`memberclub --aws deploy check`): one region for every step (AWS_REGION, then
##      AWS_DEFAULT_REGION, then your profile's), the account, the stack name, the sender verified in
##      SES there; it refuses, before anything is created, with what to do
##   2. `cdk bootstrap aws://<account>/<region>`, only when that region has no CDKToolkit stack yet
##   3. the deployment's token key in SSM (once; kept after that)
##   4. `cdk deploy`: the CDK CLI runs infra/app.py, so cdk.json context and -c values apply
## make deploy MAIL_FROM='Bakeriet <klubb@bakeriet.no>' [STACK=name] [CDK_DEPLOY_ARGS="-c key=value …"]
MAIL_FROM ?=
DEPLOY_ENV = build/deploy-$(STACK).env
deploy: export MEMBERCLUB_DEPLOY_MAIL_FROM = $(MAIL_FROM)
deploy: export MEMBERCLUB_DEPLOY_CDK_ARGS = $(CDK_DEPLOY_ARGS)
deploy: install-infra
	@rm -f '$(DEPLOY_ENV)'
	@$(VENV)/bin/memberclub --aws --stack '$(STACK)' deploy check --mail-from="$$MEMBERCLUB_DEPLOY_MAIL_FROM" \
		--cdk-args="$$MEMBERCLUB_DEPLOY_CDK_ARGS" --env-file '$(DEPLOY_ENV)' >/dev/null
	@set -euo pipefail; source '$(DEPLOY_ENV)'; \
	if [ "$$MEMBERCLUB_BOOTSTRAPPED" != true ]; then \
		echo "Bootstrapping the CDK in aws://$$MEMBERCLUB_ACCOUNT/$$AWS_REGION (once per account and region)"; \
		npx --yes $(CDK_CLI) bootstrap "aws://$$MEMBERCLUB_ACCOUNT/$$AWS_REGION"; \
	fi; \
	$(VENV)/bin/memberclub --aws --stack '$(STACK)' secrets init; \
	UV=$(abspath $(UV)) npx --yes $(CDK_CLI) deploy --require-approval never -c stack_name='$(STACK)' \
		-c "mail_from=$$MEMBERCLUB_MAIL_FROM" $(CDK_DEPLOY_ARGS)

## bench: counted figures (requests per operation, package size, import time ratio)
bench: install-test layer
	$(PY) -m bench

clean:
	rm -rf build cdk.out .pytest_cache
