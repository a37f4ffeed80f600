"""Owner: what the club's owner does, behind the owner key."""
