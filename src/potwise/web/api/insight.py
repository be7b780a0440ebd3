"""Spending insight API: classification overrides, category rules, suggestions."""

from fastapi import APIRouter

router = APIRouter(tags=["insight"])
