"""Data privacy: erase everything Gong holds on an email address or phone number, and look it up.

Erasures run in the privacy lane so they are never stuck behind bulk work, and Gong carries
them out asynchronously: the lookups keep showing the data until it has.
"""

from __future__ import annotations

from pydantic import Field

from worker.operations.base import (
    Email,
    GongRecord,
    Lane,
    OperationKind,
    Payload,
    Phone,
    RequestResult,
    operation,
)


class EmailAddressPayload(Payload):
    email_address: Email = Field(alias="emailAddress")


class PhoneNumberPayload(Payload):
    phone_number: Phone = Field(alias="phoneNumber")


#: Producers (the erasure-list reader) know these by what they are for.
EraseEmailPayload = EmailAddressPayload
ErasePhonePayload = PhoneNumberPayload


class ErasureResult(RequestResult):
    """Gong accepted the erasure; it completes asynchronously (hours on the real service)."""


class PrivacyDataResult(RequestResult):
    """Everything Gong still references for one identifier; all lists empty once erased."""

    emails: list[GongRecord] = Field(default_factory=list)
    calls: list[GongRecord] = Field(default_factory=list)
    meetings: list[GongRecord] = Field(default_factory=list)
    customer_data: list[GongRecord] = Field(default_factory=list, alias="customerData")
    customer_engagement: list[GongRecord] = Field(default_factory=list, alias="customerEngagement")
    email_addresses: list[str] = Field(default_factory=list, alias="emailAddresses")

    @property
    def references_anything(self) -> bool:
        return any((self.emails, self.calls, self.meetings, self.customer_data, self.customer_engagement))


R, D = OperationKind.READ, OperationKind.DESTRUCTIVE

OPERATIONS = (
    operation(
        "erase_email",
        "GONG_ERASE_DATA_FOR_EMAIL_ADDRESS",
        EmailAddressPayload,
        ErasureResult,
        D,
        "Erase all Gong data for an email address (data-privacy erasure).",
        Lane.PRIVACY,
    ),
    operation(
        "erase_phone",
        "GONG_ERASE_DATA_FOR_PHONE_NUMBER",
        PhoneNumberPayload,
        ErasureResult,
        D,
        "Erase all Gong data for a phone number (data-privacy erasure).",
        Lane.PRIVACY,
    ),
    operation(
        "get_privacy_data_for_email",
        "GONG_RETRIEVE_DATA_PRIVACY_INFO_FOR_EMAIL_ADDRESS",
        EmailAddressPayload,
        PrivacyDataResult,
        R,
        "Find every email, call, meeting and CRM record that references an email address.",
        Lane.PRIVACY,
    ),
    operation(
        "get_privacy_data_for_phone",
        "GONG_DATA_PRIVACY_FOR_PHONE_NUMBER",
        PhoneNumberPayload,
        PrivacyDataResult,
        R,
        "Find every email, call, meeting and CRM record that references a phone number.",
        Lane.PRIVACY,
    ),
)
