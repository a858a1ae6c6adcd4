import datetime as dt

from ninja import Field, Schema

from tenure.accounts.models import LifecycleStage


class AccountOut(Schema):
    id: int
    name: str
    domain: str
    crm_id: str | None
    billing_id: str | None
    product_group_id: str | None
    industry: str
    segment: str
    stage: LifecycleStage
    owner_id: int | None
    custom: dict
    portal_domain_sign_up: bool
    created_at: dt.datetime
    updated_at: dt.datetime


class AccountCreate(Schema):
    name: str = Field(min_length=1, max_length=200)
    domain: str = ""
    crm_id: str | None = None
    billing_id: str | None = None
    product_group_id: str | None = None
    industry: str = ""
    segment: str = ""
    stage: LifecycleStage = LifecycleStage.ONBOARDING
    owner_id: int | None = None
    custom: dict = Field(default_factory=dict)
    portal_domain_sign_up: bool = Field(False, description="People with an email at the domain may sign themselves "
                                                           "in to the customer portal.")


class AccountUpdate(Schema):
    name: str | None = Field(None, min_length=1, max_length=200)
    domain: str | None = None
    crm_id: str | None = None
    billing_id: str | None = None
    product_group_id: str | None = None
    industry: str | None = None
    segment: str | None = None
    stage: LifecycleStage | None = None
    owner_id: int | None = None
    custom: dict | None = None
    portal_domain_sign_up: bool | None = Field(None, description="People with an email at the domain may sign "
                                                                 "themselves in to the customer portal.")


class ContactOut(Schema):
    id: int
    account_id: int
    name: str
    email: str
    title: str
    roles: list[str]
    community_roles: list[str]
    product_user_id: str | None
    is_active: bool
    left_on: dt.date | None
    successor_id: int | None
    created_at: dt.datetime
    updated_at: dt.datetime


class ContactCreate(Schema):
    account_id: int
    name: str = ""
    email: str = ""
    title: str = ""
    roles: list[str] = Field(default_factory=list, description="executive_sponsor, champion, admin, user, billing")
    community_roles: list[str] = Field(default_factory=list, description="maven, promoter, detractor")
    product_user_id: str | None = None
    left_on: dt.date | None = None


class ContactUpdate(Schema):
    account_id: int | None = None
    name: str | None = None
    email: str | None = None
    title: str | None = None
    roles: list[str] | None = None
    community_roles: list[str] | None = None
    product_user_id: str | None = None
    left_on: dt.date | None = None
    successor_id: int | None = Field(None, description="with left_on: who takes over their relationship roles")
