"""Circulation endpoints (checkout, checkin, renew, loans)."""
