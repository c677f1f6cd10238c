"""The library's models, one module per entity group."""

from kolk.library.models.catalogue import OUT_OF_CIRCULATION, Branch, Copy, MediaType, Title
from kolk.library.models.kiosks import Kiosk, KioskPin
from kolk.library.models.lending import Fee, Loan, LoanCount, LoanRule
from kolk.library.models.members import Block, MemberProfile, Subscription, SubscriptionType, TargetGroup
from kolk.library.models.reservations import Reservation
from kolk.library.models.schools import Enrolment, School, SchoolService

__all__ = [
    "OUT_OF_CIRCULATION",
    "Block",
    "Branch",
    "Copy",
    "Enrolment",
    "Fee",
    "Kiosk",
    "KioskPin",
    "Loan",
    "LoanCount",
    "LoanRule",
    "MediaType",
    "MemberProfile",
    "Reservation",
    "School",
    "SchoolService",
    "Subscription",
    "SubscriptionType",
    "TargetGroup",
    "Title",
]
