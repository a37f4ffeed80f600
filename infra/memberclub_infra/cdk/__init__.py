"""The CDK app: a thin stack that composes one construct per capability, every one of them
built from ``memberclub_infra.declaration`` (the local runner reads the same declaration).

The only part of memberclub that imports aws_cdk: ``make run`` never loads it.
"""

from memberclub_infra.cdk.app import build_app
from memberclub_infra.cdk.config import ConfigError, DeploymentConfig
from memberclub_infra.cdk.stack import MemberclubStack

__all__ = ["ConfigError", "DeploymentConfig", "MemberclubStack", "build_app"]
