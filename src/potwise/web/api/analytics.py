"""Analytics API: spending breakdowns and budgets."""

from fastapi import APIRouter

router = APIRouter(tags=["analytics"])
