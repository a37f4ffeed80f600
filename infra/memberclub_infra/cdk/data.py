"""Data: the one DynamoDB table, shaped by ``memberclub.storage.schema.TABLE``, and the
bucket where large members exports wait a day for the owner to fetch them."""

from __future__ import annotations

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_s3 as s3
from constructs import Construct

from memberclub_infra.declaration import TABLE

PROJECTIONS = {"ALL": dynamodb.ProjectionType.ALL, "KEYS_ONLY": dynamodb.ProjectionType.KEYS_ONLY}
STREAM_VIEWS = {"NEW_IMAGE": dynamodb.StreamViewType.NEW_IMAGE,
                "NEW_AND_OLD_IMAGES": dynamodb.StreamViewType.NEW_AND_OLD_IMAGES}


def _key(name: str) -> dynamodb.Attribute:
    return dynamodb.Attribute(name=name, type=dynamodb.AttributeType.STRING)


class Data(Construct):
    """On demand (no idle cost), point-in-time recovery, TTL clean-up, the schema's indexes.

    Encrypted with the AWS-owned key (free; a customer-managed key costs 1 USD a month).
    The members' data outlives the stack: deletion protection on and RETAIN.
    """

    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        self.table = dynamodb.Table(
            self,
            "Table",
            partition_key=_key(TABLE.partition_key),
            sort_key=_key(TABLE.sort_key),
            billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True
            ),
            time_to_live_attribute=TABLE.ttl_attribute,
            encryption=dynamodb.TableEncryption.DEFAULT,
            deletion_protection=True,
            removal_policy=RemovalPolicy.RETAIN,
            # New images only: the outbox relay reads new outbox items (memberclub.storage.outbox).
            stream=STREAM_VIEWS[TABLE.stream_view_type] if TABLE.stream_view_type else None,
        )
        for index in TABLE.indexes:
            self.table.add_global_secondary_index(
                index_name=index.name,
                partition_key=_key(index.partition_key),
                sort_key=_key(index.sort_key),
                projection_type=PROJECTIONS[index.projection],
            )

        # A large club's members CSV (memberclub.owner.exports): written by the exports function,
        # fetched by the owner through a five-minute link, deleted by S3 after a day. Private,
        # TLS only, S3-managed encryption (free); nothing stays, so no versions and no logs.
        self.exports = s3.Bucket(
            self,
            "Exports",
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            encryption=s3.BucketEncryption.S3_MANAGED,
            enforce_ssl=True,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            lifecycle_rules=[s3.LifecycleRule(expiration=Duration.days(1),
                                              abort_incomplete_multipart_upload_after=Duration.days(1))],
            removal_policy=RemovalPolicy.DESTROY,
        )
