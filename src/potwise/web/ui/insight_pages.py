"""Spending and budgets pages."""

from fastapi import APIRouter

router = APIRouter()
