"""The shared layer: the ``memberclub`` package and its dependencies, for python3.13 on arm64.

Built by ``memberclub_infra.layer_build`` (the same recipe as ``make layer``) through CDK
local bundling: no Docker engine is needed, and the Docker image below is a placeholder
that is never pulled. The asset hash is the recipe's source fingerprint, so an unchanged
layer is neither rebuilt nor uploaded again. Tests skip bundling altogether (context
``aws:cdk:bundling-stacks=[]``).
"""

from __future__ import annotations

from typing import Any

import jsii
from aws_cdk import AssetHashType, BundlingOptions, DockerImage, ILocalBundling
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from memberclub_infra import declaration, layer_build

PLACEHOLDER_IMAGE = "memberclub/layer-is-built-locally-without-docker"
RUNTIMES = {runtime.name: runtime for runtime in (lambda_.Runtime.PYTHON_3_12, lambda_.Runtime.PYTHON_3_13,
                                                  lambda_.Runtime.PYTHON_3_14)}
ARCHITECTURES = {"arm64": lambda_.Architecture.ARM_64, "x86_64": lambda_.Architecture.X86_64}
# The runtime and architecture the declaration names; layer_build builds for exactly these
# (tests/infra/test_layer.py holds the two together).
RUNTIME = RUNTIMES[declaration.RUNTIME]
ARCHITECTURE = ARCHITECTURES[declaration.ARCHITECTURE]


@jsii.implements(ILocalBundling)
class LocalLayerBuild:
    """Builds the layer on this machine with ``layer_build.build_layer``."""

    def try_bundle(self, output_dir: str, *, image: DockerImage, **kwargs: Any) -> bool:
        layer_build.build_layer(output_dir)
        return True


class SharedLayer(Construct):
    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        self.layer = lambda_.LayerVersion(
            self,
            "Layer",
            description="memberclub shared package and its dependencies (python3.13, arm64)",
            code=lambda_.Code.from_asset(
                str(layer_build.PACKAGE_DIR),
                asset_hash_type=AssetHashType.CUSTOM,
                asset_hash=layer_build.source_fingerprint(),
                bundling=BundlingOptions(image=DockerImage.from_registry(PLACEHOLDER_IMAGE),
                                         local=LocalLayerBuild()),
            ),
            compatible_runtimes=[RUNTIME],
            compatible_architectures=[ARCHITECTURE],
        )
