"""memberclub's infrastructure side: the declaration of functions and triggers, the CDK
app (``memberclub_infra.cdk``, the only part that imports aws_cdk), the local runner
(``memberclub_infra.local``) and the ``memberclub`` command-line tool."""
