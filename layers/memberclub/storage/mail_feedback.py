"""The messages function's write on SES's feedback: the member's address marked
undeliverable and the club's month counting it, once (``messaging.feedback``)."""

from __future__ import annotations

from memberclub.members import Member
from memberclub.storage import keys
from memberclub.storage.members import MemberStore
from memberclub.storage.stats import stats_add
from memberclub.storage.table import ConditionFailed, update


class MailFeedbackStore(MemberStore):
    def mark_email_undeliverable(self, member: Member, reason: str, at: str, month: str) -> bool:
        try:
            self.table.transact([
                update(keys.member(member.club_id, member.member_id),
                       "SET email_undeliverable = :reason, email_undeliverable_at = :at",
                       # The address it was about, still the member's, and not marked already.
                       condition="email = :email AND attribute_not_exists(email_undeliverable)",
                       values={":reason": reason, ":at": at, ":email": member.email}),
                stats_add(member.club_id, month, {f"email_{reason}s": 1}, cause=f"{reason}#{member.member_id}"),
            ])
        except ConditionFailed:
            return False
        return True
