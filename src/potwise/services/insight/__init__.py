"""Spending insight: classification, breakdowns and budgets."""
