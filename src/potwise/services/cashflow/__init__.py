"""Cash flow: commitments, payday, safe to spend, the forecast, planned items and
card repayment models, built from the mirror and the user's own decisions around
the pure logic in `potwise.domain` (recurring, payday, cashflow, instalments,
cardmodels)."""
