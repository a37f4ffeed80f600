"""The local stack (``make run``): the real handlers behind a local HTTP gateway, a local
AWS endpoint (moto's DynamoDB and SSM, plus EventBridge, SES and SMS stand-ins that keep
what they receive), event delivery with retries and a dead-letter list, and the outbox.

Every part is built from ``memberclub_infra.declaration``, like the CDK stack.
"""
