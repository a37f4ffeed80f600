"""The one DynamoDB table: its schema, its keys, and every read and write.

Only ``storage.table`` talks to DynamoDB; ``clubs`` and ``members`` say what to read and
write in the club's terms. Every access pattern is a GetItem, a Query or a transaction;
nothing is a Scan.
"""
